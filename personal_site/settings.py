"""Settings: one module, read from the environment, with embedded defaults that need no service.

Without any variable set, the site runs on SQLite, stores media on the local disk, writes mail to
files under ``var/mail`` and runs Celery on kombu's filesystem transport. Setting ``DATABASE_URL``,
``REDIS_URL``, the ``AWS_*`` / ``S3_*`` variables and ``EMAIL_URL`` switches the same code to
PostgreSQL, Redis, S3 and SMTP. ``SITE_PROFILE=production`` turns on the production hardening that
``manage.py check --deploy`` asks for. Every variable is listed in the README.
"""
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONE, SELF

from personal_site.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine

SITE_PROFILE = env.str("SITE_PROFILE", default="development")
if SITE_PROFILE not in ("development", "production"):
    raise environ.ImproperlyConfigured("SITE_PROFILE must be 'development' or 'production'")
PRODUCTION = SITE_PROFILE == "production"

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-change-me")
_LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else _LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "storages",
    "allauth",
    "allauth.account",
    "personal_site",
    "speakers",
    "program",
    "submissions",
    "submissions.review",
    "submissions.videos",
]

MIDDLEWARE = [
    # First: a request id and one log line for every request, even those answered from memory below.
    "personal_site.request_log.RequestLogMiddleware",
    # /healthz for load balancers, before host checks, the HTTPS redirect, sessions and caches.
    "personal_site.health.HealthCheckMiddleware",
    "personal_site.public_cache.PublicPageMiddleware",
    "personal_site.middleware.RequestArrivalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "personal_site.urls"
WSGI_APPLICATION = "personal_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL with DATABASE_URL -------------------------------
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout: the web process and the Celery worker write to
    # the same file, and deferred transactions upgrading to write locks is what raises
    # "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a Celery worker in another process can share the test database;
    # one per test run (pid), so that two runs side by side never share one.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared between processes (files by default, Redis with REDIS_URL) ----------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache gets its own Redis database (default 1): clearing it must never touch the broker's.
    _cache_url = urlsplit(env.str("CACHE_REDIS_URL", default=REDIS_URL))
    if not env.str("CACHE_REDIS_URL", default=""):
        _cache_url = _cache_url._replace(path=f"/{env.int('REDIS_CACHE_DB', default=1)}")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": urlunsplit(_cache_url)}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Seconds a rendered public page stays cached; any change to the program clears it at once.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600)

# --- Celery: Redis with REDIS_URL, else kombu's filesystem transport (a real worker and beat) --
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": 60.0},
    "send-reminders": {"task": "review.send_reminders", "schedule": 3600.0},
    # Aborts uploads left unfinished; re-dispatches videos whose processing worker vanished.
    "videos-sweep": {"task": "videos.sweep", "schedule": 300.0},
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
        "control_folder": str(_queue / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
else:
    # A task's message must come back after an hour at most if its worker vanished.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- Storage: local media by default, S3 with AWS_STORAGE_BUCKET_NAME -------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
USE_S3 = bool(AWS_STORAGE_BUCKET_NAME)
_static_backend = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if PRODUCTION
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
if USE_S3:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
    AWS_S3_FILE_OVERWRITE = False  # django-storages overwrites silently by default
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        "staticfiles": {"BACKEND": _static_backend},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": _static_backend},
    }

# --- Email: files under var/mail by default, SMTP with EMAIL_URL ------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PeRSonAl <noreply@personal.example.org>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "submissions:mine"
# django-allauth: accounts by email, verified before use; its rate limits (stored in the shared
# cache) throttle logins, sign-ups, password resets and confirmation mails.
ACCOUNT_ADAPTER = "personal_site.account_adapter.OutboxAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "personal_site.signup.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[personal_site] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "10/h/ip",
    "confirm_email": "1/180s/key",
    "reset_password": "20/m/ip,5/h/key",
}

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

# --- Speaker videos and final papers (submissions/videos; every setting in docs/videos.md) ---------
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
        endpoint_url=AWS_S3_ENDPOINT_URL, bucket=AWS_STORAGE_BUCKET_NAME, region=AWS_S3_REGION_NAME,
        addressing_style=AWS_S3_ADDRESSING_STYLE,
    )
) if USE_S3 else []

# --- Internationalisation: store UTC, show the event's zone and the visitor's ----------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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

# --- Production hardening (SITE_PROFILE=production) ------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    # Load balancers probe each instance over plain HTTP (personal_site/health.py answers first anyway).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logs: every process to stderr; JSON lines in production (personal_site/logs.py) -----------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
# Celery keeps the handlers configured above instead of installing its own (which would drop the JSON).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Seconds each /healthz check may take before it counts as failed.
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=2.0)

# --- Email intake (submissions/intake; every setting explained in docs/email-intake.md) --------------
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
