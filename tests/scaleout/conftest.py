"""A scaled-out site: two gunicorn instances, two Celery workers and one beat, each in its own process, on the
test database (PostgreSQL in CI), a test Redis database (broker and cache) and moto's S3 server, mailing to the
session's aiosmtpd server. Started once for the module (``cluster``); every test brings ``transactional_db`` so the
processes see what it writes, and reaches the site over HTTP through ``SiteClient`` (alternating instances).

The test data is made in this process with the project's own services and fixtures (the only imports of domain
code in this package are here and in the fixtures reused from tests/submissions and tests/talkmedia).
"""
import contextlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.services import missing, require_executable
from tests.support.celery_worker import database_url_for_worker, wait_until
from tests.support.site_processes import CeleryBeat, CeleryWorker, Gunicorn, manage, site_env
from tests.talkmedia import conftest as video_fixtures

media_world = video_fixtures.media_world
s3_server = video_fixtures.s3_server

# Beat runs only the hourly reminders, every 2 s: a test sees several runs within seconds.
BEAT_SCHEDULE = {"remind-drafts": 2}
# Mails per send task in the cluster: small, so that a burst is shared by both workers.
OUTBOX_BATCH_SIZE = 10


@dataclass
class Cluster:
    env: dict
    webs: list
    workers: list
    beat: object
    bucket: str
    s3: object
    logs: Path
    restarts: dict = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [web.url for web in self.webs]

    def task_lines(self, name: str | None = None) -> list[dict]:
        """The JSON ``task`` lines of every worker (each tagged with the worker's index)."""
        lines = []
        for index, worker in enumerate(self.workers):
            for line in worker.json_lines():
                if line.get("logger") == "personal_site.tasks" and (name is None or line["task"] == name):
                    lines.append({**line, "worker": index})
        return lines

    @contextlib.contextmanager
    def publishing_here(self):
        """Hand tasks over from this process as the cluster's own processes do: to its broker, on its queue (for
        a sweep called here in the beat's place)."""
        from personal_site.celery import app
        from tests.support.celery_worker import RedisBroker, default_queue

        with RedisBroker(self.env["CELERY_BROKER_URL"]).installed(app), \
                default_queue(app, self.env["TEST_CELERY_DEFAULT_QUEUE"]):
            yield

    def ensure_workers(self) -> None:
        """Start a worker again if a test killed it (as systemd's Restart=always would)."""
        for worker in self.workers:
            if not worker.alive():
                worker.start()

    def explain(self) -> str:
        parts = []
        for process in [*self.webs, *self.workers, self.beat]:
            parts.append(f"--- {process.name} {process.log_path.name}\n{process.log_tail(25)}")
        return "\n".join(parts)


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, _redis_test_db, s3_server, smtp_server, production_static_root,
            tmp_path_factory):
    from django.db import connection

    require_executable("ffprobe", "ffmpeg")
    with django_db_blocker.unblock():
        database_url = database_url_for_worker(connection)
    if connection.vendor == "postgresql" and "test" not in database_url.rsplit("/", 1)[-1]:
        missing(f"the test database (got {database_url})", "run the scale-out tests under pytest-django")
    folder = tmp_path_factory.mktemp("cluster")
    bucket = f"scale-{uuid.uuid4().hex[:10]}"
    _redis_test_db.flush()
    env = site_env(
        database_url=database_url, broker_url=_redis_test_db.url, cache_url=_redis_test_db.url,
        var_dir=folder / "var", queue=f"test-scale-{os.getpid()}", email_url=smtp_server.url,
        s3={"endpoint": s3_server.endpoint, "bucket": bucket}, static_root=production_static_root,
        TEST_CELERY_BEAT_SCHEDULE=json.dumps(BEAT_SCHEDULE), VIDEO_WORK_DIR=str(folder / "video-work"),
        OUTBOX_BATCH_SIZE=str(OUTBOX_BATCH_SIZE),
    )
    manage(env, "setup_video_bucket", "--create", "--origin", "https://127.0.0.1")
    webs = [Gunicorn(env, folder / f"web-{n}.log") for n in (1, 2)]
    workers = [CeleryWorker(env, folder / f"worker-{n}.log", hostname=f"scale{n}-{os.getpid()}@localhost")
               for n in (1, 2)]
    beat = CeleryBeat(env, folder / "beat.log")
    started = []
    try:
        for process in [*webs, *workers, beat]:
            started.append(process.start())
        yield Cluster(env=env, webs=webs, workers=workers, beat=beat, bucket=bucket, s3=s3_server, logs=folder)
    finally:
        for process in started:
            process.kill()  # nothing here needs a warm shutdown (Celery's takes ~5 s per process)
        _redis_test_db.flush()


@pytest.fixture
def site(cluster, transactional_db, smtp_server):
    """The cluster for one test: workers running, the SMTP server's records cleared before and after."""
    cluster.ensure_workers()
    smtp_server.clear()
    yield cluster
    smtp_server.clear()


def wait_explained(condition, cluster, *, timeout: float, message: str) -> None:
    try:
        wait_until(condition, timeout=timeout, message=message)
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{cluster.explain()}") from None
