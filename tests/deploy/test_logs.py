"""Log lines of a production run: one JSON line per request and per task, tied by the request id.

A gunicorn instance and a Celery worker in their own processes (production profile, ``LOG_FORMAT=json``), on the
test database, Redis and the session's SMTP server. A sign-up over HTTP queues the confirmation mail in the
outbox; the worker sends it; the worker's ``task`` line for ``outbox.send_batch`` carries the id of the sign-up request.
"""
import pytest

from tests.support.celery_worker import wait_until
from tests.support.http_client import SiteClient
from tests.support.site_processes import CeleryWorker, Gunicorn, site_env

pytestmark = pytest.mark.services

REQUEST_FIELDS = {"time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms",
                  "user_id"}
TASK_FIELDS = {"time", "level", "logger", "message", "request_id", "task", "task_id", "state", "runtime_ms"}


@pytest.fixture
def site(tmp_path, transactional_db, _redis_test_db, smtp_backend, production_static_root):
    from django.db import connection

    from tests.support.celery_worker import database_url_for_worker

    _redis_test_db.flush()
    env = site_env(database_url=database_url_for_worker(connection), broker_url=_redis_test_db.url,
                   cache_url=_redis_test_db.url, var_dir=tmp_path / "var", queue=f"test-logs-{tmp_path.name}",
                   email_url=smtp_backend.url, static_root=production_static_root)
    web = Gunicorn(env, tmp_path / "web.log").start()
    worker = CeleryWorker(env, tmp_path / "worker.log", hostname="logs@localhost").start()
    yield web, worker
    web.stop()
    worker.kill()
    _redis_test_db.flush()


def lines(process, logger: str) -> list[dict]:
    return [line for line in process.json_lines() if line.get("logger") == logger]


def test_the_request_id_of_a_sign_up_arrives_in_the_line_of_the_task_that_mails_it(site, smtp_backend):
    web, worker = site
    client = SiteClient(web.url)
    address = "new.author@example.org"
    response = client.post_form("/accounts/signup/?next=/submissions/&email=leak@example.org", {
        "name": "New Author", "email": address, "password1": "correct-horse-battery-9",
        "password2": "correct-horse-battery-9"})
    assert response.status_code == 302, response.text[:500]
    request_id = response.headers["X-Request-ID"]
    smtp_backend.wait_for(1, timeout=30)

    requests_logged = lines(web, "personal_site.requests")
    [signup] = [line for line in requests_logged if line["method"] == "POST"]
    assert set(signup) == REQUEST_FIELDS
    assert signup["request_id"] == request_id and signup["status"] == 302
    assert signup["path"] == "/accounts/signup/"  # no query string
    assert isinstance(signup["duration_ms"], float) and signup["duration_ms"] > 0
    assert signup["user_id"] is None  # the address is not confirmed yet: nobody is signed in
    [form] = [line for line in requests_logged if line["method"] == "GET"]
    assert form["request_id"] != request_id and form["status"] == 200

    wait_until(lambda: any(line["task"] == "outbox.send_batch" for line in lines(worker, "personal_site.tasks")),
               timeout=20, message="the worker logged the outbox.send_batch task")
    [task] = [line for line in lines(worker, "personal_site.tasks") if line["task"] == "outbox.send_batch"]
    assert set(task) == TASK_FIELDS
    assert task["request_id"] == request_id, "the task's line names the request that queued the mail"
    assert task["state"] == "SUCCESS" and task["runtime_ms"] > 0 and task["task_id"]

    # Request and task lines carry ids, never an address (nor the one in the query string).
    for line in [*requests_logged, task]:
        assert "@" not in str(line), line


def test_a_signed_in_request_logs_the_user_id_and_keeps_a_sane_request_id_from_the_proxy(site, django_user_model):
    from allauth.account.models import EmailAddress

    web, _ = site
    user = django_user_model.objects.create_user(username="ann", email="ann@example.org", password="pw-ann-12345")
    EmailAddress.objects.create(user=user, email="ann@example.org", verified=True, primary=True)
    client = SiteClient(web.url)
    assert client.post_form("/accounts/login/", {"login": "ann@example.org", "password": "pw-ann-12345"}) \
        .status_code == 302
    mine = client.get("/submissions/", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert mine.status_code == 200 and mine.headers["X-Request-ID"] == "nginx-0123456789abcdef"
    forged_id = 'x", "user_id": 1, "a": "' + "y" * 80  # JSON-ish and too long: replaced by an id of ours
    forged = client.get("/submissions/", headers={"X-Request-ID": forged_id})
    assert forged.headers["X-Request-ID"] != forged_id and len(forged.headers["X-Request-ID"]) == 32

    logged = {line["request_id"]: line for line in lines(web, "personal_site.requests")}
    assert logged["nginx-0123456789abcdef"]["user_id"] == user.pk
    assert logged[forged.headers["X-Request-ID"]]["user_id"] == user.pk


def test_a_public_page_answered_from_memory_is_logged_too(site, personal_2020):
    """Repeats of a public page never enter Django (personal_site/public_cache.py), yet each gets its line."""
    web, _ = site
    client = SiteClient(web.url)
    answers = [client.get("/2020/", headers={"X-Request-ID": f"nginx-program-{n:04d}"}) for n in range(6)]
    assert {a.status_code for a in answers} == {200}
    assert [a.headers["X-Request-ID"] for a in answers] == [f"nginx-program-{n:04d}" for n in range(6)]
    assert len({a.text for a in answers}) == 1
    logged = [line for line in lines(web, "personal_site.requests") if line["path"] == "/2020/"]
    assert sorted(line["request_id"] for line in logged) == [f"nginx-program-{n:04d}" for n in range(6)]
    assert all(set(line) == REQUEST_FIELDS and line["status"] == 200 for line in logged)
