"""The site as its production processes, for tests: gunicorn instances, Celery workers and beat, each in its own
process, configured only through the environment (as systemd would), on the test database.

``site_env(...)`` builds the environment (production profile, JSON logs, the given database, Redis, S3 and SMTP);
``Gunicorn``, ``CeleryWorker`` and ``CeleryBeat`` start one process each, write its output to a log file and
read it back (``json_lines()`` parses the JSON log lines). Workers and beat run ``tests.support.celery_app`` (the
project's app whose default queue is ``TEST_CELERY_DEFAULT_QUEUE``) and gunicorn ``tests.support.wsgi`` (the
project's WSGI application, same queue), so a test session never takes another session's messages.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings as django_settings

from tests.support.processes import SiteProcess

REPO = Path(__file__).resolve().parents[2]
HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of gunicorn adds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(*, database_url: str, broker_url: str, cache_url: str, var_dir: Path, queue: str,
             email_url: str | None = None, s3: dict | None = None, static_root: Path | None = None,
             **extra: str) -> dict[str, str]:
    """Production settings for one site, every process sharing them. ``s3``: endpoint and bucket.

    ``static_root``: collected static files (``collect_static``); pages that link a stylesheet need them under the
    production profile (hashed names from the manifest)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "INTAKE_"))}
    for name in ("REDIS_URL", "EMAIL_URL", "STATIC_ROOT", "MEDIA_ROOT"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "personal_site.settings", "SITE_PROFILE": "production", "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The test process's own SITE_URL, so that what it checks of the mails these processes write (links
        # start with SITE_URL, tests/support/mail_links.py) holds for the same address.
        "SITE_URL": django_settings.SITE_URL, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url,
        "CACHE_REDIS_URL": cache_url, "REDIS_URL": cache_url, "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(static_root or var_dir / "static"), "LOG_FORMAT": "json", "LOG_LEVEL": "INFO",
        "TEST_CELERY_DEFAULT_QUEUE": queue, "CELERY_SKIP_CHECKS": "1", "PYTHONUNBUFFERED": "1",
        "VIDEO_PART_BYTES": str(5 * 1024 * 1024),  # S3's smallest part: a 12 MB test video goes in 3 parts
    })
    if email_url:
        env["EMAIL_URL"] = email_url
    if s3:
        env.update({
            "AWS_STORAGE_BUCKET_NAME": s3["bucket"], "AWS_S3_ENDPOINT_URL": s3["endpoint"],
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
        })
    env.update(extra)
    var_dir.mkdir(parents=True, exist_ok=True)
    Path(env["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing STATIC_ROOT
    return env


def collect_static(static_root: Path) -> Path:
    """``manage.py collectstatic`` under the production profile (hashed, compressed files and their manifest)."""
    env = {**os.environ, "SITE_PROFILE": "production", "SECRET_KEY": secrets.token_urlsafe(50),
           "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": str(static_root)}
    manage(env, "collectstatic", "--noinput")
    return static_root


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, text=True, capture_output=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Gunicorn(SiteProcess):
    name = "gunicorn"

    def __init__(self, env: dict, log_path: Path, *, port: int | None = None, workers: int = 1, threads: int = 4):
        super().__init__(env, log_path)
        self.port, self.workers, self.threads = port or free_port(), workers, threads

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "tests.support.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--threads", str(self.threads), "--worker-class", "gthread",
                "--timeout", "120", "--graceful-timeout", "2", "--log-level", "warning"]

    def ready(self, offset: int) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False


class CeleryWorker(SiteProcess):
    name = "celery worker"

    def __init__(self, env: dict, log_path: Path, *, hostname: str):
        super().__init__(env, log_path)
        self.hostname = hostname

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "tests.support.celery_app", "worker", "--pool=solo",
                "--concurrency=1", "--prefetch-multiplier=1", "-Q", self.env["TEST_CELERY_DEFAULT_QUEUE"],
                "-n", self.hostname, "--without-mingle", "--without-gossip", "--loglevel=INFO"]

    def ready(self, offset: int) -> bool:
        return " ready." in self.text(offset)


class CeleryBeat(SiteProcess):
    name = "celery beat"

    def argv(self) -> list[str]:
        schedule = Path(self.env["VAR_DIR"]) / "celerybeat-schedule"
        return [sys.executable, "-m", "celery", "-A", "tests.support.celery_app", "beat", "--loglevel=INFO",
                "-s", str(schedule), "--max-interval", "1"]

    def ready(self, offset: int) -> bool:
        return "beat: Starting" in self.text(offset)
