"""Drafts are reminded before the submission deadline, once per author (beat runs it hourly).

Each reminder is one outbox row per (paper, recipient): the outbox's unique key makes the hourly run
idempotent. The window is the deadline module's (``deadlines_to_remind``).
"""
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.services import mail_queue
from program.deadlines import SUBMISSION, deadlines_to_remind
from submissions.models import Submission


def remind_drafts(*, now: datetime.datetime | None = None) -> int:
    """Queue the draft reminders that are due; returns how many rows the due reminders have."""
    now = now or timezone.now()
    sent = 0
    for edition, deadline in deadlines_to_remind(SUBMISSION, now=now):
        drafts = Submission.objects.filter(edition=edition, status=Submission.Status.DRAFT) \
            .prefetch_related("authors").select_related("contact")
        for submission in drafts:
            kind = MailKind.REMINDER_DRAFT
            url = settings.SITE_URL + reverse("submissions:detail", args=[submission.pk])
            sent += len(mail_queue(
                kind=kind, object_key=kind.key(submission=submission.pk),
                recipients=[submission.contact.email, *(a.email for a in submission.authors.all())],
                context={"submission": submission, "edition": edition, "deadline": deadline, "url": url},
            ))
    return sent
