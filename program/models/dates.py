"""Important dates of an edition: deadlines (exact instants, usually Anywhere on Earth) and the event."""
import datetime
import zoneinfo

from django.db import models

from .edition import validate_time_zone

# "Anywhere on Earth" is UTC-12; the IANA name inverts the sign (Etc/GMT+12 is UTC-12).
AOE_ZONE = "Etc/GMT+12"


def end_of_day(day: datetime.date, zone_name: str = AOE_ZONE) -> datetime.datetime:
    """The last second of ``day`` in ``zone_name``, as an aware datetime in UTC."""
    local = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=zoneinfo.ZoneInfo(zone_name))
    return local.astimezone(datetime.UTC)


def zone_label(zone_name: str, moment: datetime.datetime) -> str:
    """A label a reader understands: "AoE (UTC−12)" or "EDT"."""
    if zone_name == AOE_ZONE:
        return "AoE (UTC−12)"
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).tzname() or zone_name


class ImportantDate(models.Model):
    class Kind(models.TextChoices):
        SUBMISSION_DEADLINE = "submission_deadline", "Paper submission deadline"
        NOTIFICATION = "notification", "Paper notification"
        VIDEO_DEADLINE = "video_deadline", "Pre-recorded presentation deadline"
        EVENT = "event", "The event"
        OTHER = "other", "Other"

    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="important_dates")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    label = models.CharField(max_length=200, help_text="As shown, for example “Paper submission deadline”.")
    moment = models.DateTimeField(
        help_text="The exact instant (stored in UTC). Deadlines: the last second that counts."
    )
    zone = models.CharField(
        max_length=64, default=AOE_ZONE, validators=[validate_time_zone],
        help_text="Zone in which the date is stated; Etc/GMT+12 is Anywhere on Earth (UTC−12).",
    )
    is_deadline = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["moment", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "kind"], condition=~models.Q(kind="other"), name="one_date_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.local_moment:%Y-%m-%d %H:%M:%S} {self.zone_label}"

    @property
    def local_moment(self) -> datetime.datetime:
        return self.moment.astimezone(zoneinfo.ZoneInfo(self.zone))

    @property
    def zone_label(self) -> str:
        return zone_label(self.zone, self.moment)
