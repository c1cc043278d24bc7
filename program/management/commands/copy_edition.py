"""Start the next iteration: ``manage.py copy_edition 2020 2021 --date 2021-05-28``."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from program.models import Edition
from program.services.copying import edition_copy


class Command(BaseCommand):
    help = "Copy an edition (sessions, talks, call, topics, people) to a new edition on a new date."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Slug of the edition to copy, e.g. 2020")
        parser.add_argument("slug", help="Slug of the new edition, e.g. 2021")
        parser.add_argument(
            "--date", required=True, type=datetime.date.fromisoformat, help="The new event day, YYYY-MM-DD"
        )
        parser.add_argument("--title", help="Title of the new edition (default: the old one with the new year)")
        parser.add_argument("--without-talks", action="store_true", help="Copy the sessions but not their talks")

    def handle(self, *args, source, slug, date, title, without_talks, **options):
        original = Edition.objects.filter(slug=source).first()
        if original is None:
            raise CommandError(f"No edition with slug “{source}”.")
        if Edition.objects.filter(slug=slug).exists():
            raise CommandError(f"An edition with slug “{slug}” exists already.")
        copy = edition_copy(source=original, slug=slug, date=date, title=title, include_talks=not without_talks)
        self.stdout.write(self.style.SUCCESS(
            f"Copied {original} to {copy} ({copy.sessions.count()} sessions, "
            f"{copy.important_dates.count()} dates): {copy.get_absolute_url()}"
        ))
