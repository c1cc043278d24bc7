"""Settings of the apps' own rules: papers, talk media, email intake, and the CSP that follows from storage."""
from urllib.parse import urlsplit

from csp.constants import NONE, SELF

from . import base as _base
from .base import CELERY_BEAT_SCHEDULE, USE_S3, env

AWS_S3_ADDRESSING_STYLE = None
# --- Submissions --------------------------------------------------------------------------------
# The largest PDF accepted, checked before any parsing.
PDF_MAX_BYTES = env.int("PDF_MAX_BYTES", default=10 * 1024 * 1024)
# Seconds after a deadline during which changes are still accepted; never shown to anyone.
DEADLINE_GRACE_SECONDS = env.int("DEADLINE_GRACE_SECONDS", default=0)
# Receipts one account may cause to addresses other than its own per hour (anti-abuse).
RECEIPTS_TO_OTHERS_PER_HOUR = env.int("RECEIPTS_TO_OTHERS_PER_HOUR", default=30)
MAX_AUTHORS_PER_PAPER = 20
# Reminders (drafts before the submission deadline, videos before the video deadline) start this
# many days ahead; the day-before-the-event reminder goes 24 hours ahead.
REMINDER_DAYS_BEFORE_DEADLINE = env.int("REMINDER_DAYS_BEFORE_DEADLINE", default=3)

# --- Outbox -------------------------------------------------------------------------------------
# Mails one send task takes at once and delivers over one SMTP connection.
OUTBOX_BATCH_SIZE = max(env.int("OUTBOX_BATCH_SIZE", default=50), 1)

# --- Speaker videos and final papers (talkmedia; every setting in docs/videos.md) ---------
# The largest video accepted: announced before the upload starts, enforced when it is declared.
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=4 * 1024**3)
# Containers accepted by extension before the upload; ffprobe decides what the file really is.
VIDEO_CONTAINERS = ("mp4", "mov", "mkv", "webm")
# Part size of the multipart upload (S3 needs at least 5 MiB for every part but the last); raised
# automatically so that no upload needs more than VIDEO_MAX_PARTS parts.
VIDEO_PART_BYTES = max(env.int("VIDEO_PART_BYTES", default=16 * 1024**2), 5 * 1024**2)
VIDEO_MAX_PARTS = 10_000
VIDEO_UPLOAD_CONCURRENCY = env.int("VIDEO_UPLOAD_CONCURRENCY", default=4)
# Presigned part URLs live this long; the browser asks for a fresh one when one expires.
VIDEO_PART_URL_SECONDS = env.int("VIDEO_PART_URL_SECONDS", default=3600)
# Presigned links to unpublished videos and papers (speakers and organizers only), and to published ones.
VIDEO_PRIVATE_URL_SECONDS = env.int("VIDEO_PRIVATE_URL_SECONDS", default=900)
VIDEO_PUBLIC_URL_SECONDS = env.int("VIDEO_PUBLIC_URL_SECONDS", default=6 * 3600)
# A video may run this much longer than its talk's slot.
VIDEO_DURATION_TOLERANCE_SECONDS = env.int("VIDEO_DURATION_TOLERANCE_SECONDS", default=30)
# An upload started before the deadline may be finished (resumed, completed) this long after it;
# an upload untouched for VIDEO_UPLOAD_IDLE_HOURS is aborted by the beat sweep.
VIDEO_UPLOAD_FINISH_HOURS = env.int("VIDEO_UPLOAD_FINISH_HOURS", default=12)
VIDEO_UPLOAD_IDLE_HOURS = env.int("VIDEO_UPLOAD_IDLE_HOURS", default=48)
# Processing: the tools, a time limit per run, where conversions are written, and retries after a
# worker vanished (no heartbeat for VIDEO_STALE_PROCESSING_MINUTES).
VIDEO_FFPROBE = env.str("VIDEO_FFPROBE", default="ffprobe")
VIDEO_FFMPEG = env.str("VIDEO_FFMPEG", default="ffmpeg")
VIDEO_PROCESS_TIMEOUT_SECONDS = env.int("VIDEO_PROCESS_TIMEOUT_SECONDS", default=4 * 3600)
VIDEO_WORK_DIR = env.str("VIDEO_WORK_DIR", default="") or None
VIDEO_STALE_PROCESSING_MINUTES = env.int("VIDEO_STALE_PROCESSING_MINUTES", default=10)
VIDEO_MAX_PROCESSING_ATTEMPTS = 3
VIDEO_CAPTIONS_MAX_BYTES = env.int("VIDEO_CAPTIONS_MAX_BYTES", default=1024 * 1024)
if USE_S3:
    # Path-style URLs for S3-compatible servers that have no per-bucket host names (MinIO, moto).
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None


def s3_origins(*, endpoint_url: str | None, bucket: str, region: str, addressing_style: str | None) -> list[str]:
    """Origins the browser reaches S3 at (presigned part uploads, video playback), for the CSP."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        origins = [f"{parts.scheme}://{parts.netloc}"]
        if addressing_style == "virtual":
            origins.append(f"{parts.scheme}://{bucket}.{parts.netloc}")
        return origins
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com",
            "https://s3.amazonaws.com", f"https://s3.{region}.amazonaws.com"]


VIDEO_S3_ORIGINS = (
    env.list("VIDEO_S3_CSP_ORIGINS", default=[]) or s3_origins(
        endpoint_url=_base.AWS_S3_ENDPOINT_URL, bucket=_base.AWS_STORAGE_BUCKET_NAME, region=_base.AWS_S3_REGION_NAME,
        addressing_style=AWS_S3_ADDRESSING_STYLE,
    )
) if USE_S3 else []


# --- Content Security Policy: no inline script or style anywhere, so no nonce is needed -------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # S3: the browser uploads video parts to it and plays published videos from it.
        "media-src": [SELF, *VIDEO_S3_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF, *VIDEO_S3_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


# --- Email intake (intake; every setting explained in docs/email-intake.md) --------------
# Papers sent by email arrive through an IMAP mailbox polled every minute (when INTAKE_IMAP_HOST is
# set) and/or a mail server's pipe into `manage.py ingest_email`.
INTAKE_IMAP_HOST = env.str("INTAKE_IMAP_HOST", default="")
INTAKE_IMAP_TLS = env.str("INTAKE_IMAP_TLS", default="ssl")  # ssl (IMAPS), starttls, or none (loopback only)
INTAKE_IMAP_PORT = env.int("INTAKE_IMAP_PORT", default=993 if INTAKE_IMAP_TLS == "ssl" else 143)
INTAKE_IMAP_USER = env.str("INTAKE_IMAP_USER", default="")
INTAKE_IMAP_PASSWORD = env.str("INTAKE_IMAP_PASSWORD", default="")
INTAKE_IMAP_FOLDER = env.str("INTAKE_IMAP_FOLDER", default="INBOX")
# A stored message is moved to this folder; left empty, it stays and gets INTAKE_IMAP_FLAG instead.
INTAKE_IMAP_DONE_FOLDER = env.str("INTAKE_IMAP_DONE_FOLDER", default="")
INTAKE_IMAP_FLAG = env.str("INTAKE_IMAP_FLAG", default="IntakeStored")  # an IMAP keyword
INTAKE_IMAP_BATCH = env.int("INTAKE_IMAP_BATCH", default=50)
# The authserv-id our own receiving mail server writes in Authentication-Results; empty trusts none.
INTAKE_AUTHSERV_ID = env.str("INTAKE_AUTHSERV_ID", default="")
# Days an emailed paper waits for its sender to confirm the address before it expires.
INTAKE_PENDING_DAYS = env.int("INTAKE_PENDING_DAYS", default=7)
INTAKE_MAX_MESSAGE_BYTES = env.int("INTAKE_MAX_MESSAGE_BYTES", default=20 * 1024 * 1024)
INTAKE_MAX_PARTS = env.int("INTAKE_MAX_PARTS", default=50)
INTAKE_MAX_ATTACHMENT_BYTES = env.int("INTAKE_MAX_ATTACHMENT_BYTES", default=PDF_MAX_BYTES)
# Answers (refusals, confirmation requests) one address may get per hour: no mail loop can start.
INTAKE_ANSWERS_PER_SENDER_PER_HOUR = env.int("INTAKE_ANSWERS_PER_SENDER_PER_HOUR", default=5)
# A message still unprocessed this long after its last dispatch is dispatched again by the sweep,
# at most INTAKE_MAX_ATTEMPTS times in all.
INTAKE_RETRY_AFTER_SECONDS = env.int("INTAKE_RETRY_AFTER_SECONDS", default=300)
INTAKE_MAX_ATTEMPTS = env.int("INTAKE_MAX_ATTEMPTS", default=3)
if INTAKE_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["intake-poll-imap"] = {"task": "intake.poll_imap", "schedule": 60.0}
# Re-dispatches messages whose worker vanished and expires unconfirmed papers (IMAP or pipe alike).
CELERY_BEAT_SCHEDULE["intake-sweep"] = {"task": "intake.sweep", "schedule": 300.0}
