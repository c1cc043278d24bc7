"""The settings module: embedded defaults that need no service, and a production profile that passes
``check --deploy``. Each case reads the settings in a fresh Python process with its own environment,
since this test process has already loaded them (on PostgreSQL and Redis in CI).
"""
import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import REPO

# Variables that switch a default to a service, and the test run's own DJANGO_ALLOW_ASYNC_UNSAFE
# (which check --deploy rightly rejects): removed, so that what is read is the defaults.
DROPPED_VARIABLES = (
    "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_PROFILE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL",
    "REDIS_URL", "CACHE_REDIS_URL", "REDIS_CACHE_DB", "CELERY_BROKER_URL", "EMAIL_URL", "AWS_STORAGE_BUCKET_NAME",
    "MEDIA_ROOT", "STATIC_ROOT", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
)

READ_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DATABASE": {k: v for k, v in settings.DATABASES["default"].items() if k in ("ENGINE", "NAME", "OPTIONS")},
    "CACHE": settings.CACHES["default"],
    "BROKER": settings.CELERY_BROKER_URL,
    "BROKER_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_FILE_PATH": getattr(settings, "EMAIL_FILE_PATH", None),
    "EMAIL_HOST": getattr(settings, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", None),
    "EMAIL_USE_TLS": getattr(settings, "EMAIL_USE_TLS", None),
    "STORAGE": settings.STORAGES["default"]["BACKEND"],
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
}))
"""


def clean_env(tmp_path, **variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES}
    env.update({"DJANGO_SETTINGS_MODULE": "personal_site.settings", "VAR_DIR": str(tmp_path / "var"), **variables})
    return env


def read_settings(tmp_path, **variables) -> dict:
    result = subprocess.run([sys.executable, "-c", READ_SETTINGS], cwd=REPO, env=clean_env(tmp_path, **variables),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage(tmp_path, *args, **variables) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=clean_env(tmp_path, **variables),
                          capture_output=True, text=True, timeout=120)


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                    SITE_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.org")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", SITE_PROFILE="production", ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_profile_is_hardened(tmp_path):
    values = read_settings(tmp_path, SITE_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(50))

    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True


def test_embedded_defaults_need_no_service(tmp_path):
    var = tmp_path / "var"

    values = read_settings(tmp_path)

    assert values["DEBUG"] is True
    assert values["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE"]["NAME"] == str(var / "db.sqlite3")
    # the web process and the worker write to one file: IMMEDIATE transactions and a busy timeout
    assert values["DATABASE"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert values["DATABASE"]["OPTIONS"]["timeout"] >= 5
    assert values["CACHE"] == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(var / "cache"),
    }
    # a real worker on kombu's filesystem transport, never eager mode
    assert values["BROKER"] == "filesystem://localhost//"
    assert values["ALWAYS_EAGER"] is False
    options = values["BROKER_OPTIONS"]
    assert options["data_folder_in"] == options["data_folder_out"] == str(var / "celery" / "queue")
    assert options["control_folder"] == str(var / "celery" / "control")
    for folder in ("queue", "processed", "control"):
        assert (var / "celery" / folder).is_dir()
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["EMAIL_FILE_PATH"] == str(var / "mail")
    assert values["STORAGE"] == "django.core.files.storage.FileSystemStorage"
    assert values["MEDIA_ROOT"] == str(var / "media")


@pytest.mark.parametrize("broker_db", ["0", "3"])
def test_redis_url_switches_broker_and_cache_to_separate_databases(tmp_path, broker_db):
    values = read_settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:6379/{broker_db}")

    assert values["BROKER"] == f"redis://127.0.0.1:6379/{broker_db}"
    assert values["BROKER_OPTIONS"] == {"visibility_timeout": 3600}
    assert values["CACHE"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1",
    }


def test_database_url_and_email_url_switch_to_postgresql_and_smtp(tmp_path):
    values = read_settings(tmp_path, DATABASE_URL="postgres://site@db.example.org:5432/personal_site",
                           EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587")

    assert values["DATABASE"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE"]["NAME"] == "personal_site"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == ("smtp.example.org", 587, True)


READ_SITE = "from django.conf import settings; print(settings.SITE_URL, settings.SITE_NAME, sep='|')"


def read_site(tmp_path, **variables) -> tuple[str, str]:
    env = {k: v for k, v in clean_env(tmp_path, **variables).items()
           if k not in ("SITE_URL", "PORT", "SITE_NAME") or k in variables}
    result = subprocess.run([sys.executable, "-c", READ_SITE], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return tuple(result.stdout.strip().splitlines()[-1].split("|"))


def test_site_url_follows_port_unless_set_and_the_site_has_a_name(tmp_path):
    assert read_site(tmp_path) == ("http://127.0.0.1:8000", "PeRSonAl tutorial")
    assert read_site(tmp_path, PORT="8001")[0] == "http://127.0.0.1:8001"
    assert read_site(tmp_path, PORT="8001", SITE_URL="https://personal.example.org/")[0] == \
        "https://personal.example.org"
    assert read_site(tmp_path, SITE_NAME="PeRSonAl 2021")[1] == "PeRSonAl 2021"
