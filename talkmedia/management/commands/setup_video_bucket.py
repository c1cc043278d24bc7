"""Prepare the S3 bucket for browser uploads: CORS that exposes ETag, and a lifecycle rule for unfinished uploads.

    python manage.py setup_video_bucket --origin https://personal.example.org [--create] [--abort-after-days 2]

Without the CORS rule the browser's part uploads are refused (or succeed with an unreadable ETag, so
the upload can never be completed); without the lifecycle rule, abandoned multipart uploads are
billed forever. Running it again replaces both rules with the same ones (idempotent). The existing
lifecycle rules of the bucket other than ours are kept.
"""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LIFECYCLE_RULE_ID = "personal-site-abort-incomplete-uploads"


def cors_rules(origins: list[str]) -> dict:
    return {"CORSRules": [{
        "ID": "personal-site-video-uploads",
        "AllowedOrigins": origins,
        "AllowedMethods": ["PUT", "GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3600,
    }]}


def lifecycle_rule(days: int) -> dict:
    return {"ID": LIFECYCLE_RULE_ID, "Status": "Enabled", "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": days}}


class Command(BaseCommand):
    help = "Set the S3 bucket's CORS rule (exposing ETag) and a lifecycle rule aborting incomplete uploads."

    def add_arguments(self, parser):
        parser.add_argument("--origin", action="append", dest="origins", default=[],
                            help="A site origin allowed to upload (repeatable); default: SITE_URL's origin.")
        parser.add_argument("--abort-after-days", type=int, default=2,
                            help="Abort multipart uploads this many days after they started (default 2).")
        parser.add_argument("--create", action="store_true", help="Create the bucket if it does not exist.")
        parser.add_argument("--skip-lifecycle", action="store_true",
                            help="Only set CORS (for S3-compatible servers without lifecycle support).")

    def handle(self, *args, origins, abort_after_days, create, skip_lifecycle, **options):
        if not settings.USE_S3:
            raise CommandError("S3 is not configured (set AWS_STORAGE_BUCKET_NAME): videos are kept in local media, "
                               "and there is no bucket to set up.")
        from botocore.exceptions import ClientError

        from talkmedia.services.storage import s3_bucket, s3_client

        client, bucket = s3_client(), s3_bucket()
        origins = origins or [self._origin(settings.SITE_URL)]
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise CommandError(f"“{origin}” is not an origin such as https://personal.example.org")
        origins = [o.rstrip("/") for o in origins]

        if create:
            try:
                client.head_bucket(Bucket=bucket)
                self.stdout.write(f"Bucket {bucket} exists.")
            except ClientError:
                client.create_bucket(Bucket=bucket)
                self.stdout.write(f"Bucket {bucket} created.")

        client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors_rules(origins))
        self.stdout.write(f"CORS: {', '.join(origins)} may PUT/GET/HEAD; ETag is exposed.")

        if skip_lifecycle:
            self.stdout.write("Lifecycle rule skipped: abort unfinished uploads some other way.")
        else:
            try:
                current = client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchLifecycleConfiguration":
                    raise
                current = []
            rules = [r for r in current if r.get("ID") != LIFECYCLE_RULE_ID] + [lifecycle_rule(abort_after_days)]
            client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
            self.stdout.write(f"Lifecycle: unfinished multipart uploads are aborted {abort_after_days} day(s) after "
                              "they start.")
        self.stdout.write(self.style.SUCCESS(f"Bucket {bucket} is ready for video uploads."))

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
