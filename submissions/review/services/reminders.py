"""Automatic reminders, found by a beat task that queries the database (no long countdowns in the broker).

Each reminder is one outbox row per (edition, reminder, recipient): the outbox's unique constraint
makes the hourly run idempotent, so every reminder goes once per recipient.
"""
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from personal_site.outbox.services import mail_queue
from program.models import Edition, ImportantDate
from speakers.models import Appearance
from submissions.deadlines import SUBMISSION, VIDEO, edition_deadline
from submissions.models import Submission


def _window(moment: datetime.datetime, before: datetime.timedelta, now: datetime.datetime) -> bool:
    return moment - before <= now < moment


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"drafts": 0, "videos": 0, "event": 0}
    lead = datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE_DEADLINE)
    for edition in Edition.objects.prefetch_related("important_dates"):
        deadline = edition_deadline(edition, SUBMISSION)
        if deadline and _window(deadline.moment, lead, now):
            counts["drafts"] += _remind_drafts(edition, deadline)
        video = edition_deadline(edition, VIDEO)
        if video and _window(video.moment, lead, now):
            counts["videos"] += _remind_videos(edition, video)
        event = next((d for d in edition.important_dates.all() if d.kind == ImportantDate.Kind.EVENT), None)
        if event and _window(event.moment, datetime.timedelta(days=1), now):
            counts["event"] += _remind_event(edition, event)
    return counts


def _remind_drafts(edition, deadline) -> int:
    sent = 0
    for submission in Submission.objects.filter(edition=edition, status=Submission.Status.DRAFT) \
            .prefetch_related("authors").select_related("contact"):
        url = settings.SITE_URL + reverse("submissions:detail", args=[submission.pk])
        rows = mail_queue(
            kind="reminder-draft", object_key=f"reminder-draft:{submission.pk}",
            recipients=[submission.contact.email, *(a.email for a in submission.authors.all())],
            subject=f"[{edition.title}] Your paper “{submission.title}” is still a draft",
            body=(f"Hello,\n\n“{submission.title}” is saved as a draft and is NOT submitted yet. The deadline is "
                  f"{deadline}.\n\nComplete and submit it here: {url}\n\n-- \n{edition.title}\n"),
        )
        sent += len(rows)
    return sent


def _talks_missing_video(edition):
    """Talks of accepted papers with no ready video yet."""
    from program.models import Talk
    from submissions.videos.models import TalkVideo

    return (
        Talk.objects.filter(session__edition=edition, submission__isnull=False)
        .exclude(videos__state=TalkVideo.State.READY)
        .prefetch_related("submission__authors")
    )


def _remind_videos(edition, deadline) -> int:
    sent = 0
    for talk in _talks_missing_video(edition):
        emails = [a.email for a in talk.submission.authors.all()] if talk.submission_id else []
        url = settings.SITE_URL + reverse("submissions:detail", args=[talk.submission_id])
        rows = mail_queue(
            kind="reminder-video", object_key=f"reminder-video:{talk.pk}", recipients=emails,
            subject=f"[{edition.title}] Your pre-recorded presentation is due {deadline}",
            body=(f"Hello,\n\nWe have no ready video yet for “{talk.title}”. Please upload your pre-recorded "
                  f"presentation by {deadline}: {url}\n\n-- \n{edition.title}\n"),
        )
        sent += len(rows)
    return sent


def _remind_event(edition, event) -> int:
    roles = [Appearance.Role.PRESENTER, Appearance.Role.CHAIR]
    appearances = Appearance.objects.filter(edition=edition, role__in=roles).exclude(person__email="") \
        .select_related("person", "talk", "session")
    sent = 0
    for appearance in appearances:
        what = appearance.talk.title if appearance.talk_id else appearance.session.title
        local = event.moment.astimezone(edition.zone)
        rows = mail_queue(
            kind="reminder-event", object_key=f"reminder-event:{edition.pk}", recipients=[appearance.person.email],
            subject=f"[{edition.title}] Tomorrow: {edition.title}",
            body=(f"Dear {appearance.person.name},\n\n{edition.title} starts {local:%B %-d at %-I:%M %p} "
                  f"{local.tzname()}. You are on the program ({appearance.get_role_display().lower()}: {what}).\n"
                  + (f"\nTo watch: {edition.watch_url}\n" if edition.watch_url else "")
                  + f"\n-- \n{edition.title}\n"),
        )
        sent += len(rows)
    return sent
