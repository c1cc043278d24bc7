"""Create (or move) the practice edition: a copy of the current edition whose call is open now."""
import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from program.models import Edition
from program.services.copying import edition_copy

PRACTICE_SLUG = "practice"
DAYS_UNTIL_EVENT = 35


class Command(BaseCommand):
    help = (
        "Create a practice edition for trying the author and organizer flows: a copy of the current "
        f"edition held {DAYS_UNTIL_EVENT} days from today, so its submission deadline is weeks away. "
        "Run again to move its dates relative to today."
    )

    def handle(self, *args, **options):
        source = Edition.objects.filter(is_current=True).first()
        if source is None:
            raise CommandError("There is no current edition to copy; load one first (manage.py load_edition).")
        day = timezone.now().date() + datetime.timedelta(days=DAYS_UNTIL_EVENT)
        with transaction.atomic():
            existing = Edition.objects.filter(slug=PRACTICE_SLUG).first()
            # A practice edition made before it had an address of its own is made again.
            if (existing is not None and existing.date == day
                    and existing.submission_email == settings.PRACTICE_SUBMISSION_EMAIL):
                self.stdout.write(f"The practice edition is up to date: {existing.get_absolute_url()}")
                return
            if existing is not None:
                existing.delete()
            practice = edition_copy(
                source=source, slug=PRACTICE_SLUG, date=day, practice=True,
                title=f"Practice edition of {source.name} (not a real event)",
            )
        deadline = practice.important_dates.filter(kind="submission_deadline").first()
        self.stdout.write(self.style.SUCCESS(
            f"Practice edition on {day:%B %-d, %Y} at {practice.get_absolute_url()}"
            + (f"; submissions open until {deadline}" if deadline else "")
        ))
