"""An edition (iteration) of the event: PeRSonAl 2020 is the second."""
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"“{value}” is not a time zone name such as America/New_York.") from None


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
