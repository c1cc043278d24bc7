"""Load (or refresh) an edition from its YAML data file.

``manage.py load_edition program/editions/personal-2020.yaml``
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from program.services.loading import EditionFileError, edition_load_from_file


class Command(BaseCommand):
    help = "Load an edition (program, people, call for participation, dates) from a YAML data file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The edition's data file, e.g. program/editions/personal-2020.yaml")

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        self.stdout.write(f"Loading {path} …")
        try:
            report = edition_load_from_file(path=path)
        except EditionFileError as exc:
            raise CommandError(f"{path}: {exc}") from None
        if not report.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"{report.edition}: already up to date, nothing changed."))
            return
        for label, counts in (("created", report.created), ("updated", report.updated)):
            if counts:
                self.stdout.write(f"  {label}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
        self.stdout.write(self.style.SUCCESS(f"{report.edition} loaded: {report.edition.get_absolute_url()}"))
