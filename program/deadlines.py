"""The deadline rule, in one place: every computation with a deadline's instant is here.

A change is accepted when its request arrived at or before the deadline: the deadline second
counts (a deadline of 23:59:59 accepts anything up to 23:59:59.999…), plus an optional grace period
(``DEADLINE_GRACE_SECONDS``) that is never shown to anyone. Pages and the countdown script show
``closes_at``, the instant the server computed. Which deadline applies to a paper or a person
(extensions) is ``submissions/extensions.py``; it asks this module for everything else.
"""
import dataclasses
import datetime
from dataclasses import dataclass

from django.conf import settings

from .models import Edition, ImportantDate
from .models.dates import zone_label

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

    @property
    def closes_at(self) -> datetime.datetime:
        """The first instant no longer on time, as shown to people (the grace is never shown)."""
        return closes_at(self.moment)

    def __str__(self) -> str:
        return f"{self.local_moment:%B %-d, %Y, %H:%M:%S} {self.zone_label}"


def edition_deadline(edition: Edition, kind: str = SUBMISSION) -> Deadline | None:
    """The edition's own deadline of this kind, or None when the edition has none (never open)."""
    date = next((d for d in edition.important_dates.all() if d.kind == kind), None)
    return Deadline(moment=date.moment, zone=date.zone) if date else None


def closes_at(moment: datetime.datetime) -> datetime.datetime:
    """The deadline's own second still counts: it closes one second after the stated moment."""
    return moment.replace(microsecond=0) + datetime.timedelta(seconds=1)


def passed_as_shown(moment: datetime.datetime, *, at: datetime.datetime) -> bool:
    """Whether a page says the deadline has passed (without the grace, which is never shown)."""
    return at >= closes_at(moment)


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


def reminder_due(moment: datetime.datetime, *, now: datetime.datetime, days_before: float | None = None) -> bool:
    """Inside a moment's reminder window: from REMINDER_DAYS_BEFORE_DEADLINE days (or ``days_before``)
    before it until it."""
    days = settings.REMINDER_DAYS_BEFORE_DEADLINE if days_before is None else days_before
    return moment - datetime.timedelta(days=days) <= now < moment


def deadlines_to_remind(kind: str, *, now: datetime.datetime):
    """(edition, deadline) for every edition whose deadline of this kind is inside its reminder window now."""
    for edition in Edition.objects.prefetch_related("important_dates"):
        deadline = edition_deadline(edition, kind)
        if deadline and reminder_due(deadline.moment, now=now):
            yield edition, deadline


def closed_message(deadline: Deadline | None, what: str = "Submissions") -> str:
    if deadline is None:
        return f"{what} are not open for this edition."
    return f"{what} closed at the deadline, {deadline}."
