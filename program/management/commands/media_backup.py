"""``manage.py media_backup --to DIR``: copy every uploaded file (S3 bucket or MEDIA_ROOT) to DIR."""
from pathlib import Path

from django.core.management.base import BaseCommand

from personal_site.backup_media import media_backup


class Command(BaseCommand):
    help = "Copy every uploaded file (the S3 bucket, or MEDIA_ROOT) into a folder, with a manifest of SHA-256s."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="the folder to write (created if missing)")

    def handle(self, *args, to, **options):
        verbose = options["verbosity"] > 1
        report = media_backup(to=to, progress=lambda name: verbose and self.stdout.write(f"  {name}"))
        self.stdout.write(f"{report['files']} file(s), {report['bytes']} bytes backed up to {to}")
