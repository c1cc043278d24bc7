"""Fixtures shared by every test package."""
import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from tests.services import missing

REPO = Path(__file__).resolve().parent.parent
PERSONAL_2020_FILE = REPO / "program" / "editions" / "personal-2020.yaml"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test that used the database, every mail it queued links the site's pages at SITE_URL.

    Run right after the test function, while its database and its settings are still in place.
    """
    result = yield
    if {"db", "transactional_db"} & set(item.fixturenames):
        from django.conf import settings

        from tests.support.mail_links import mails_with_links_elsewhere

        wrong = mails_with_links_elsewhere(settings.SITE_URL)
        assert wrong == {}, f"mails link the site's pages outside SITE_URL ({settings.SITE_URL}): {wrong}"
    return result


@pytest.fixture
def personal_2020(db):
    """The PeRSonAl 2020 edition, loaded from its data file as the README's run command does."""
    from program.services.loading import edition_load_from_file

    return edition_load_from_file(path=PERSONAL_2020_FILE).edition


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's chromium (never a downloaded browser)."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing("Debian's chromium (/usr/bin/chromium)", "apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# --- Real servers: an SMTP server and Celery workers on Redis (helpers in tests/support/) -------------------------


@pytest.fixture(scope="session")
def smtp_server():
    """aiosmtpd on 127.0.0.1 (a free port) for the whole session; see tests/support/smtp.py for its controls."""
    from tests.support.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_backend(smtp_server, settings):
    """Django sends through ``smtp_server`` during this test (the test runner forces locmem otherwise).

    The server's records and failure modes are cleared before and after. Returns the server.
    """
    smtp_server.clear()
    for name, value in smtp_server.django_settings().items():
        setattr(settings, name, value)
    yield smtp_server
    smtp_server.clear()


@pytest.fixture(scope="session")
def production_static_root(tmp_path_factory):
    """Static files collected once per session under the production profile, for site processes started by tests."""
    from tests.support.site_processes import collect_static

    return collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture(scope="session")
def _redis_test_db():
    from tests.support.celery_worker import RedisBroker

    broker = RedisBroker.connect_or_missing()
    yield broker
    broker.close()


@pytest.fixture
def redis_broker(_redis_test_db):
    """During this test the project's Celery app publishes to the test Redis database (TEST_REDIS_DB, default 9).

    Skipped without Redis (failed in CI). The database is emptied before and after the test. Helpers:
    ``.url``, ``.client``, ``.flush()``, ``.queue_length(queue)``, ``.lose_messages(queue, n)``, ``.unacked_count()``.
    """
    from personal_site.celery import app

    with _redis_test_db.installed(app):
        _redis_test_db.flush()
        yield _redis_test_db
        _redis_test_db.flush()


@pytest.fixture(scope="session")
def _celery_thread_worker(_redis_test_db, django_db_setup):
    from personal_site.celery import app
    from tests.support.celery_worker import InThreadWorker

    worker = InThreadWorker(app, queue=f"test-thread-{os.getpid()}").start(broker=_redis_test_db)
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker_redis(_celery_thread_worker, redis_broker, transactional_db):
    """A real Celery worker (a thread of this process, started once per session) consuming the app's tasks.

    Brings ``transactional_db``: tasks are dispatched by ``transaction.on_commit`` and the worker sees only
    committed rows. Returns an ``InThreadWorker`` (``.app``, ``.queue``, ``.wait_idle()``).
    """
    from tests.support.celery_worker import default_queue

    with default_queue(_celery_thread_worker.app, _celery_thread_worker.queue):
        yield _celery_thread_worker
        _celery_thread_worker.wait_idle()


@pytest.fixture
def celery_worker_process(redis_broker, smtp_server, transactional_db, tmp_path):
    """A real Celery worker in its own process, on this test's database, mailing to ``smtp_server``.

    Started before the test; ``.kill()`` (SIGKILL), ``.start()`` again, ``.stop()``; killed at teardown. Its
    output is in ``.log_path`` (``.log_tail()``). Returns a ``WorkerProcess``.
    """
    from django.db import connection

    from personal_site.celery import app
    from tests.support.celery_worker import WorkerProcess, database_url_for_worker, default_queue

    worker = WorkerProcess(
        queue=f"test-process-{os.getpid()}", broker_url=redis_broker.url,
        database_url=database_url_for_worker(connection), email_url=smtp_server.url,
        log_path=tmp_path / "celery-worker.log",
    )
    with default_queue(app, worker.queue):
        worker.start()
        try:
            yield worker
        finally:
            worker.kill()  # a warm shutdown takes about 5 s and nothing here needs one


@pytest.fixture
def open_edition(personal_2020):
    """A copy of PeRSonAl 2020 whose event is five weeks away, so its call is open."""
    day = timezone.now().date() + datetime.timedelta(days=35)
    from program.services.copying import edition_copy

    return edition_copy(source=personal_2020, slug="practice", date=day, practice=True, title="Practice edition")


@pytest.fixture
def organizer(django_user_model):
    """The organizer account as ``make run`` makes it (``ensure_organizer``): in the Organizers group, a verified
    address orga@example.org, password pw-orga-12345."""
    import io

    from django.core.management import call_command

    call_command("ensure_organizer", "--username", "orga", "--password", "pw-orga-12345",
                 "--email", "orga@example.org", stdout=io.StringIO())
    return django_user_model.objects.get(username="orga")


@pytest.fixture
def make_author(django_user_model):
    from allauth.account.models import EmailAddress

    def make(email: str, *, verified: bool = True, password: str = "correct-horse-battery-9"):
        user = django_user_model.objects.create_user(username=email.split("@")[0], email=email, password=password)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make
