"""``manage.py media_restore --from DIR``: write the files of a media_backup folder into the storage."""
from pathlib import Path

from django.core.management.base import BaseCommand

from personal_site.backup_media import media_restore


class Command(BaseCommand):
    help = "Write every file of a media_backup folder into the S3 bucket (or MEDIA_ROOT), checking its SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path, help="a folder made by media_backup")

    def handle(self, *args, source, **options):
        verbose = options["verbosity"] > 1
        report = media_restore(source=source, progress=lambda name: verbose and self.stdout.write(f"  {name}"))
        self.stdout.write(f"{report['files']} file(s), {report['bytes']} bytes restored from {source}")
