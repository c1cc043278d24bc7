"""An edition (iteration) of the event: PeRSonAl 2020 is the second."""
import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Min, Q
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{value}” is not a time zone name such as America/New_York.") from None


class EditionState(models.TextChoices):
    """Where an edition stands in time; the pages' words follow it (no "thank you for attending" before)."""

    UPCOMING = "upcoming", "Upcoming"
    LIVE = "live", "Live"
    OVER = "over", "Over"


class Edition(models.Model):
    class Format(models.TextChoices):
        VIRTUAL_WEBINAR = "virtual_webinar", "Virtual webinar"
        IN_PERSON = "in_person", "In person"
        HYBRID = "hybrid", "Hybrid"

    class ReviewMode(models.TextChoices):
        SINGLE_BLIND = "single_blind", "Single-blind (reviewers see the authors)"
        DOUBLE_BLIND = "double_blind", "Double-blind (reviewers never see the authors)"

    slug = models.SlugField(unique=True, help_text="Used in the URL, for example 2020 for /2020/.")
    name = models.CharField(max_length=100, help_text="Short name, for example PeRSonAl.")
    title = models.CharField(max_length=300, help_text="Full title, for example PeRSonAl tutorial 2020.")
    subtitle = models.CharField(max_length=300, blank=True)
    iteration = models.PositiveSmallIntegerField(help_text="1 for the first edition, 2 for the second…")
    date = models.DateField(help_text="The day of the event.")
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone],
        help_text="The zone the program's times are announced in.",
    )
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.VIRTUAL_WEBINAR)
    welcome = models.TextField(blank=True, help_text="The opening words of the program page.")
    welcome_after_event = models.TextField(
        blank=True, help_text="Shown instead of the welcome once the event is over (“Thank you for attending…”).",
    )
    overview = models.TextField(blank=True, help_text="What the program consists of.")
    watch_url = models.URLField(blank=True, help_text="The webinar link. Leave empty until it is known.")
    watch_label = models.CharField(max_length=200, blank=True, default="To watch")
    free_and_open = models.BooleanField(default=True, help_text="The event is free and open to all.")
    submission_email = models.EmailField(blank=True, help_text="Where authors send papers by email.")
    review_mode = models.CharField(max_length=20, choices=ReviewMode.choices, default=ReviewMode.SINGLE_BLIND)
    is_current = models.BooleanField(default=False, help_text="Shown at / (one edition at a time).")
    is_practice = models.BooleanField(
        default=False, help_text="A practice edition for trying the site; labelled as such on every page."
    )

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_edition"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("program:edition", kwargs={"edition": self.slug})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    # --- Where the edition stands in time ---------------------------------------------------------
    # The event runs from its first session's start to its last session's end; an edition without
    # sessions runs for its whole day in its own zone. Public pages load the edition with
    # ``program.queries.with_event_bounds`` (the bounds as ``event_first_start``/``event_last_end``,
    # no extra query); an edition loaded otherwise asks its sessions once.

    def event_bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        if not hasattr(self, "event_first_start"):
            found = self.sessions.aggregate(first=Min("start"), last=Max("end"))
            self.event_first_start, self.event_last_end = found["first"], found["last"]
        start, end = self.event_first_start, self.event_last_end
        if start is None or end is None:
            start = datetime.datetime.combine(self.date, datetime.time(0), tzinfo=self.zone)
            end = datetime.datetime.combine(self.date + datetime.timedelta(days=1), datetime.time(0), tzinfo=self.zone)
        return start, end

    def state_at(self, at: datetime.datetime | None = None) -> EditionState:
        """Upcoming until the first session starts, live until the last one ends, then over."""
        at = at or timezone.now()
        start, end = self.event_bounds()
        if at < start:
            return EditionState.UPCOMING
        if at < end:
            return EditionState.LIVE
        return EditionState.OVER

    def next_state_change(self, at: datetime.datetime | None = None) -> datetime.datetime | None:
        """When ``state_at`` next changes (the start, then the end), or None once the event is over."""
        at = at or timezone.now()
        start, end = self.event_bounds()
        return start if at < start else end if at < end else None

    @property
    def state(self) -> EditionState:
        """The state now (``state_at`` for another moment)."""
        return self.state_at()
