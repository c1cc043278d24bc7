"""Talks of accepted papers with no ready video are reminded before the video deadline (beat, hourly).

One outbox row per (talk, recipient): the hourly run never mails anyone twice.
"""
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.services import mail_queue
from program.deadlines import VIDEO, deadlines_to_remind
from program.models import Talk

from ..models import TalkVideo


def talks_missing_video(edition):
    """Talks of accepted papers with no ready video yet."""
    return (
        Talk.objects.filter(session__edition=edition, submission__isnull=False)
        .exclude(videos__state=TalkVideo.State.READY)
        .prefetch_related("submission__authors")
    )


def remind_missing_videos(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for edition, deadline in deadlines_to_remind(VIDEO, now=now):
        for talk in talks_missing_video(edition):
            kind = MailKind.REMINDER_VIDEO
            url = settings.SITE_URL + reverse("submissions:detail", args=[talk.submission_id])
            sent += len(mail_queue(
                kind=kind, object_key=kind.key(talk=talk.pk),
                recipients=[a.email for a in talk.submission.authors.all()],
                context={"talk": talk, "edition": edition, "deadline": deadline, "url": url},
            ))
    return sent
