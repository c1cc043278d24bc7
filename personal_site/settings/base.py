"""The site itself: environment, profile, apps, database, cache, Celery, storage, email, accounts,
production hardening and logs (personal_site/settings/__init__.py says how the settings are read)."""
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

from personal_site.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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
# Absolute links in mail. Unset, it follows PORT (``PORT=8001 make run`` serves http://127.0.0.1:8001).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")
# The site's name in mail signatures, account mail, page titles and the admin.
SITE_NAME = env.str("SITE_NAME", default="PeRSonAl tutorial")

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
    # The project package (personal_site) is not an app: it holds settings, URLs, Celery and
    # middleware. Each app below is one concern; docs/architecture.md draws how they depend.
    "outbox",
    "speakers",
    "program",
    "submissions",
    "intake",
    "review",
    "talkmedia",
    "organizer",
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
                "personal_site.accounts.account_menu",
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
    # Reminders are database queries run hourly (never long countdowns in the broker); each goes once.
    "remind-drafts": {"task": "submissions.remind_drafts", "schedule": 3600.0},
    "remind-videos": {"task": "videos.remind_missing", "schedule": 3600.0},
    "remind-event": {"task": "program.remind_event", "schedule": 3600.0},
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
# The practice edition's submission address: never a real organizer's (the practice edition is a copy).
PRACTICE_SUBMISSION_EMAIL = env.str("PRACTICE_SUBMISSION_EMAIL", default="practice-papers@personal.example.org")
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
# Organizers land on the organizer area instead (personal_site/accounts.py).
LOGIN_REDIRECT_URL = "account_home"
# django-allauth: accounts by email, verified before use; its rate limits (stored in the shared
# cache) throttle logins, sign-ups, password resets and confirmation mails.
ACCOUNT_ADAPTER = "outbox.account_mail.OutboxAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "personal_site.signup.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "10/h/ip",
    "confirm_email": "1/180s/key",
    "reset_password": "20/m/ip,5/h/key",
}


# --- Internationalisation: store UTC, show the event's zone and the visitor's ----------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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
