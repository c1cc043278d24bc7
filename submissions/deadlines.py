"""The deadline rule, in one place, evaluated on the server for every change.

A change is accepted when its request arrived at or before the deadline: the deadline second
counts (a deadline of 23:59:59 accepts anything up to 23:59:59.999…), plus an optional grace period
(``DEADLINE_GRACE_SECONDS``) that is never shown to anyone. An extension granted to the submission
or to one of its authors replaces the edition's deadline when it is later.
"""
import dataclasses
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from program.models import Edition, ImportantDate
from program.models.dates import zone_label

SUBMISSION = ImportantDate.Kind.SUBMISSION_DEADLINE
VIDEO = ImportantDate.Kind.VIDEO_DEADLINE


@dataclass(frozen=True)
class Deadline:
    """The deadline that applies to someone: the instant, the zone it is stated in, and whether extended."""

    moment: datetime.datetime
    zone: str
    extended: bool = False

    @property
    def zone_label(self) -> str:
        return zone_label(self.zone, self.moment)

    @property
    def local_moment(self) -> datetime.datetime:
        import zoneinfo

        return self.moment.astimezone(zoneinfo.ZoneInfo(self.zone))

    def __str__(self) -> str:
        return f"{self.local_moment:%B %-d, %Y, %H:%M:%S} {self.zone_label}"


def edition_deadline(edition: Edition, kind: str = SUBMISSION) -> Deadline | None:
    """The edition's own deadline of this kind, or None when the edition has none (never open)."""
    date = next((d for d in edition.important_dates.all() if d.kind == kind), None)
    return Deadline(moment=date.moment, zone=date.zone) if date else None


def deadline_for(
    edition: Edition,
    kind: str = SUBMISSION,
    *,
    submission=None,
    author_emails: tuple[str, ...] = (),
) -> Deadline | None:
    """The deadline that applies to a submission (its authors' extensions included) or to a person."""
    from submissions.models import DeadlineExtension

    base = edition_deadline(edition, kind)
    emails = {e.lower() for e in author_emails}
    if submission is not None and submission.pk:
        emails |= {a.email.lower() for a in submission.authors.all()}
    scope = Q(author_email__in=emails) if emails else Q(pk__in=[])
    if submission is not None and submission.pk:
        scope |= Q(submission=submission)
    extension = (
        DeadlineExtension.objects.filter(scope, edition=edition, deadline=kind).order_by("-until").first()
    )
    if extension and (base is None or extension.until > base.moment):
        return Deadline(moment=extension.until, zone=base.zone if base else "UTC", extended=True)
    return base


def is_open(deadline: Deadline | None, *, at: datetime.datetime) -> bool:
    """True when a request that arrived ``at`` is on time for ``deadline`` (the one rule)."""
    if deadline is None:
        return False
    grace = datetime.timedelta(seconds=settings.DEADLINE_GRACE_SECONDS)
    return at.replace(microsecond=0) <= deadline.moment + grace


def finishing_window_open(deadline: Deadline | None, *, started_at: datetime.datetime, at: datetime.datetime) -> bool:
    """An upload started on time may be finished until VIDEO_UPLOAD_FINISH_HOURS after the deadline."""
    if deadline is None or not is_open(deadline, at=started_at):
        return False
    return is_open(finishing_deadline(deadline), at=at)


def finishing_deadline(deadline: Deadline) -> Deadline:
    """The moment an upload that was started on time must be finished by."""
    window = datetime.timedelta(hours=settings.VIDEO_UPLOAD_FINISH_HOURS)
    return dataclasses.replace(deadline, moment=deadline.moment + window)


def reminder_due(moment: datetime.datetime, *, now: datetime.datetime) -> bool:
    """Inside a deadline's reminder window: from REMINDER_DAYS_BEFORE_DEADLINE days before it until it."""
    return moment - datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE_DEADLINE) <= now < moment


def closed_message(deadline: Deadline | None, what: str = "Submissions") -> str:
    if deadline is None:
        return f"{what} are not open for this edition."
    return f"{what} closed at the deadline, {deadline}."
