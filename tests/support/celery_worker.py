"""Real Celery workers on a real Redis for tests: one in a thread of the test process, one in its own process.

Both run the project's app (``personal_site.celery.app``, the real tasks) on a Redis database kept for tests
(``TEST_REDIS_DB``, default 9; databases 0 and 1 belong to the site and are refused). Fixtures in
``tests/conftest.py``:

``redis_broker`` (function)
    During the test the app publishes to ``redis://127.0.0.1:6379/<TEST_REDIS_DB>`` (the host of ``REDIS_URL`` if
    set, or all of ``TEST_REDIS_URL``); afterwards it is back on its settings. Without Redis the test is skipped
    on a developer's machine and fails in CI (``tests.services.missing``). The test database is emptied before and
    after each test, keeping only kombu's routing tables (``_kombu.binding.*``): deleting those under a live
    worker makes publishing fail with "Probably the key (_kombu.binding.…) has been removed".

``celery_worker_redis`` (function; the worker itself is started once per session)
    A worker in a thread of the test process (``celery.contrib.testing.worker.start_worker``, solo pool). It
    brings ``transactional_db``: the worker thread has its own database connection and sees committed rows only,
    and ``transaction.on_commit`` callbacks (which is how the project dispatches tasks) fire only when a real
    transaction commits; under the plain ``db`` fixture they never fire and the worker would get nothing.
    Monkeypatching reaches the code the worker runs (same process). ``.wait_idle()`` waits for running tasks.

``celery_worker_process`` (function)
    ``celery worker --pool=solo -Q <queue>`` in its own process, started for the test, on the SAME test database
    (``DATABASE_URL`` built from ``connection.settings_dict``) with ``EMAIL_URL`` pointing at ``smtp_server``.
    ``.kill()`` sends SIGKILL (nothing is cleaned up: a crashed worker), ``.start()`` starts it again, ``.stop()``
    shuts it down warmly. Monkeypatching does NOT reach it; give it settings through ``WorkerProcess(env=...)``.

Each worker consumes its own queue (the name carries the test process id, so two test sessions on one Redis do
not take each other's messages) and the fixtures route the app's default queue there during the test.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.support.processes import SiteProcess

TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "9"))
READY_TIMEOUT = 60


def redis_url_for_tests() -> str:
    """``TEST_REDIS_URL``, else REDIS_URL's host with database TEST_REDIS_DB, else 127.0.0.1:6379/9."""
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return base._replace(path=f"/{TEST_REDIS_DB}").geturl()


class RedisBroker:
    """The Redis database the test workers use as their broker."""

    def __init__(self, url: str):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url)
        db = self.client.connection_pool.connection_kwargs.get("db", 0)
        if int(db) in (0, 1):
            raise ValueError(f"{url}: Redis databases 0 and 1 belong to the site (broker, cache); use another one")

    @classmethod
    def connect_or_missing(cls, url: str | None = None) -> RedisBroker:
        from tests.services import missing

        broker = cls(url or redis_url_for_tests())
        try:
            broker.client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
            parts = urlsplit(broker.url)
            missing(f"Redis at {parts.hostname}:{parts.port or 6379} ({exc})",
                    "apt-get install redis-server && redis-server --daemonize yes")
        return broker

    def flush(self) -> None:
        """Empty the test database (queues, unacked messages), keeping kombu's routing tables."""
        keep = b"_kombu.binding."
        doomed = [key for key in self.client.scan_iter(count=1000) if not key.startswith(keep)]
        if doomed:
            self.client.delete(*doomed)

    def queue_length(self, queue: str) -> int:
        """Messages waiting in a queue (all priority levels), not counting those a worker has reserved."""
        keys = [queue.encode(), *self.client.scan_iter(match=f"{queue}\x06\x16*")]
        return sum(self.client.llen(key) for key in dict.fromkeys(keys))

    def lose_messages(self, queue: str, count: int) -> int:
        """Drop the ``count`` oldest waiting messages of ``queue``, as a Redis restarted without its data would."""
        return len(self.client.rpop(queue, count) or [])

    def unacked_count(self) -> int:
        """Messages taken by a worker and not acknowledged (a killed worker's prefetched ones stay here)."""
        return self.client.hlen("unacked")

    @contextlib.contextmanager
    def installed(self, app) -> Iterator[RedisBroker]:
        """Point ``app`` at this broker until the block ends (a worker started inside keeps its connection)."""
        names = ("broker_url", "broker_transport_options")
        saved = {name: app.conf[name] for name in names}
        app.conf.update(broker_url=self.url, broker_transport_options={"visibility_timeout": 3600})
        reset_connection_pools(app)
        try:
            yield self
        finally:
            app.conf.update(saved)
            reset_connection_pools(app)

    def close(self) -> None:
        """Forget this session's routing tables (their queue names end with our process id)."""
        stale = list(self.client.scan_iter(match=f"_kombu.binding.test-*-{os.getpid()}"))
        if stale:
            self.client.delete(*stale)
        self.client.close()


def reset_connection_pools(app) -> None:
    """Make the app look its broker connections up again, so the next publish uses the broker now configured.

    The pools themselves stay open: kombu keeps one per broker URL in a process-wide registry and hands the same
    one out again, so closing it would break the next test on that broker ("Acquire on closed pool").
    """
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def default_queue(app, queue: str) -> Iterator[None]:
    """Send the app's tasks (without an explicit queue) to ``queue`` while the block runs."""
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = saved


_LEAVE_LOGGING_ALONE = "tests.support.celery_worker.leave_logging_alone"


def _leave_logging_alone(**kwargs) -> None:
    pass


class InThreadWorker:
    """A Celery worker running in a thread of the test process (``start_worker``), consuming one queue."""

    def __init__(self, app, *, queue: str, pool: str = "solo", concurrency: int = 1):
        self.app, self.queue, self.pool, self.concurrency = app, queue, pool, concurrency
        self.worker = None
        self._stack = contextlib.ExitStack()

    def start(self, broker: RedisBroker | None = None) -> InThreadWorker:
        """Start the worker thread; with ``broker``, on that broker (the app's own settings otherwise)."""
        from celery import signals
        from celery.contrib.testing.worker import start_worker

        # A setup_logging receiver tells Celery that logging is configured already: otherwise it changes the root
        # logger's level and stops celery.task from propagating, for every later test of the session (caplog).
        signals.setup_logging.connect(_leave_logging_alone, weak=False, dispatch_uid=_LEAVE_LOGGING_ALONE)
        skip_checks = os.environ.get("CELERY_SKIP_CHECKS")
        os.environ["CELERY_SKIP_CHECKS"] = "1"  # Django's system checks ran already in this process
        try:
            with broker.installed(self.app) if broker else contextlib.nullcontext():
                self.worker = self._stack.enter_context(start_worker(
                    self.app, pool=self.pool, concurrency=self.concurrency, perform_ping_check=False,
                    queues=[self.queue], loglevel=os.environ.get("WORKER_LOGLEVEL", "WARNING"), shutdown_timeout=30,
                    hostname=f"thread-{os.getpid()}@localhost",
                ))
        finally:
            signals.setup_logging.disconnect(dispatch_uid=_LEAVE_LOGGING_ALONE)
            if skip_checks is None:
                del os.environ["CELERY_SKIP_CHECKS"]
            else:
                os.environ["CELERY_SKIP_CHECKS"] = skip_checks
        return self

    def stop(self) -> None:
        self._stack.close()

    def wait_idle(self, timeout: float = 10) -> None:
        """Wait until the worker runs no task (ETA tasks waiting for their time do not count)."""
        from celery.worker import state

        deadline = time.monotonic() + timeout
        while state.active_requests or state.reserved_requests:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the in-thread worker was still busy after {timeout} s")
            time.sleep(0.05)


def database_url_for_worker(connection) -> str:
    """A DATABASE_URL (django-environ) for the test database ``connection`` uses, for a worker process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            raise RuntimeError("an in-memory SQLite test database cannot be shared with a worker process")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(settings.get("USER") or "", safe="")
        password = quote(settings.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(settings['NAME'], safe='')}"
    raise RuntimeError(f"no DATABASE_URL recipe for {connection.vendor}")


class WorkerProcess(SiteProcess):
    """``celery -A tests.support.celery_app worker --pool=solo -Q <queue>`` in its own process.

    The app is the project's (see ``tests/support/celery_app.py``). Output goes to ``log_path``; ``start()``
    returns when the worker logged "ready", and may be called again after ``kill()`` (a restart).
    """

    name = "the worker process"

    def __init__(self, *, queue: str, broker_url: str, database_url: str, log_path: Path,
                 email_url: str | None = None, env: dict[str, str] | None = None, loglevel: str = "INFO"):
        super().__init__({
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "personal_site.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "TEST_CELERY_DEFAULT_QUEUE": queue,
            "CELERY_SKIP_CHECKS": "1",
            "PYTHONUNBUFFERED": "1",
            **({"EMAIL_URL": email_url} if email_url else {}),
            **(env or {}),
        }, log_path)
        self.queue, self.loglevel = queue, loglevel
        self.starts = 0

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "tests.support.celery_app", "worker", "--pool=solo",
                "--concurrency=1", "-Q", self.queue, "-n", f"proc-{os.getpid()}-{self.starts}@localhost",
                "--without-mingle", "--without-gossip", "--without-heartbeat", f"--loglevel={self.loglevel}"]

    def ready(self, offset: int) -> bool:
        return " ready." in self.text(offset)

    def start(self, timeout: float = READY_TIMEOUT) -> WorkerProcess:
        if self.alive():
            raise RuntimeError("the worker process is running already")
        self.starts += 1  # each start its own node name
        return super().start(timeout)

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM; Celery needs about 5 s), SIGKILL if that takes longer than ``timeout``."""
        super().stop(timeout)


def wait_until(condition, *, timeout: float = 20, interval: float = 0.05, message: str = "condition") -> None:
    """Poll ``condition()`` until it is true; TimeoutError naming ``message`` otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message}: not reached within {timeout} s")
        time.sleep(interval)
