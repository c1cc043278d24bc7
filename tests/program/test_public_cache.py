"""The in-memory layer of public pages: filled from a rendering or from the shared cache, cleared on change."""
import time

import pytest
from django.core.cache import caches

from personal_site import public_cache

pytestmark = pytest.mark.django_db


def test_a_page_read_from_the_shared_cache_is_kept_in_memory_too(client, personal_2020, monkeypatch):
    first = client.get("/2020/")
    assert first.status_code == 200
    public_cache.forget_public_pages()  # as in another process: memory empty, shared cache filled
    reads = []
    backend = caches["default"]
    original_get = backend.get
    monkeypatch.setattr(backend, "get", lambda key, *a, **k: reads.append(key) or original_get(key, *a, **k))
    second = client.get("/2020/")  # served from the shared cache, and kept in memory
    assert second.content == first.content
    assert any(key.startswith("page:") for key in reads)
    reads.clear()
    third = client.get("/2020/")  # served from memory, before the middleware stack
    assert third.content == first.content and not any(key.startswith("page:") for key in reads)
    for header in ("Content-Security-Policy", "Content-Type", "Cache-Control"):
        assert third[header] == first[header]


def test_a_change_to_the_program_empties_memory_at_once(client, personal_2020):
    from program.models import Talk

    assert "Time, Context and Causality" in client.get("/2020/").content.decode()
    talk = Talk.objects.get(title__startswith="Time, Context")
    talk.title = "Causality, Revisited"
    talk.save()
    page = client.get("/2020/").content.decode()
    assert "Causality, Revisited" in page and "Time, Context and Causality" not in page


def test_a_signed_in_visitor_gets_the_same_public_page_and_no_cookie(client, personal_2020, django_user_model):
    anonymous = client.get("/2020/")
    client.force_login(django_user_model.objects.create_user("a", "a@example.org", "x"))
    signed_in = client.get("/2020/")
    assert signed_in.content == anonymous.content and not signed_in.cookies


# --- The WSGI layer (personal_site/wsgi.py): repeats answered before Django's handler ---------------------


def _environ(path: str, *, host: str = "testserver", method: str = "GET", scheme: str = "http", **extra) -> dict:
    import io
    import sys

    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": host, "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, **extra,
    }


def _call(environ: dict, application=None) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request through ``application`` (personal_site.wsgi's by default), as gunicorn makes it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    if application is None:
        from personal_site.wsgi import application

    # As Django's test client does: closing "old" connections would close the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    started = []
    try:
        result = application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started[0][0], started[0][1], body


@pytest.fixture
def request_signals():
    """Count Django's request_started signals (sent for every request that enters Django's handler)."""
    from django.core.signals import request_started

    seen = []

    def receiver(**kwargs):
        seen.append(kwargs)

    request_started.connect(receiver)
    yield seen
    request_started.disconnect(receiver)


def test_a_repeat_is_answered_before_django_with_the_same_status_headers_and_bytes(personal_2020, request_signals):
    status, headers, body = _call(_environ("/2020/"))
    assert status == "200 OK" and len(request_signals) == 1
    again_status, again_headers, again_body = _call(_environ("/2020/"))
    assert len(request_signals) == 1  # never entered Django
    assert (again_status, again_body) == (status, body)
    per_request = ("date", "set-cookie", "x-request-id")  # a request's own id is never replayed
    assert sorted(h for h in again_headers if h[0].lower() not in per_request) == \
        sorted(h for h in headers if h[0].lower() not in per_request)
    assert dict(again_headers)["X-Request-ID"] != dict(headers)["X-Request-ID"]
    names = {name.lower() for name, _ in again_headers}
    assert {"content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy",
            "content-type", "cache-control", "content-length"} <= names


def test_what_the_wsgi_layer_stored_is_what_the_test_client_gets(client, personal_2020):
    first = client.get("/2020/")
    _, headers, body = _call(_environ("/2020/"))
    assert body == first.content
    assert dict(headers)["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_change_to_the_program_is_seen_by_the_wsgi_layer_at_once(personal_2020, request_signals):
    from program.models import Talk

    assert b"Time, Context and Causality" in _call(_environ("/2020/"))[2]
    talk = Talk.objects.get(title__startswith="Time, Context")
    talk.title = "Causality, Revisited"
    talk.save()
    body = _call(_environ("/2020/"))[2]
    assert b"Causality, Revisited" in body and b"Time, Context and Causality" not in body


def test_only_gets_of_stored_pages_skip_django(personal_2020, request_signals):
    _call(_environ("/2020/"))
    _call(_environ("/2020/", method="HEAD"))
    _call(_environ("/2020/", host="TESTSERVER"))  # another host string: its own pass through Django
    _call(_environ("/2020/speakers/"))
    assert len(request_signals) == 4


def test_a_refused_host_is_never_answered_from_memory(personal_2020, request_signals, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    assert _call(_environ("/2020/"))[0] == "200 OK"
    assert _call(_environ("/2020/", host="evil.example"))[0] == "400 Bad Request"
    assert _call(_environ("/2020/", host="evil.example"))[0] == "400 Bad Request"
    assert len(request_signals) == 3


def test_under_the_https_redirect_only_secure_requests_are_answered_from_memory(personal_2020, request_signals,
                                                                                 settings):
    from django.core.handlers.wsgi import WSGIHandler

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    application = public_cache.serve_public_pages_first(WSGIHandler())  # its middleware reads the settings now
    secure = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert _call(_environ("/2020/", **secure), application)[0] == "200 OK"
    assert _call(_environ("/2020/", **secure), application)[0] == "200 OK"
    assert len(request_signals) == 1
    for _ in range(2):
        status, headers, _ = _call(_environ("/2020/"), application)
        assert status.startswith("301") and dict(headers)["Location"] == "https://testserver/2020/"
    assert _call(_environ("/2020/", HTTP_X_FORWARDED_PROTO="http"), application)[0].startswith("301")
    assert len(request_signals) == 4


class NonceReader:
    """Reads the CSP nonce of every request, as a template using ``{{ request.csp_nonce }}`` would."""

    nonces: list[str] = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        self.nonces.append(str(request.csp_nonce))
        return response


def test_a_page_whose_csp_carries_a_nonce_is_never_replayed(client, personal_2020, settings):
    from csp.constants import NONCE, SELF

    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**policy["DIRECTIVES"], "script-src": [SELF, NONCE]}}
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("csp.middleware.CSPMiddleware") + 1, f"{__name__}.NonceReader")
    settings.MIDDLEWARE = middleware
    NonceReader.nonces.clear()
    first = client.get("/2020/")
    second = client.get("/2020/")
    first_nonce, second_nonce = NonceReader.nonces
    assert first_nonce != second_nonce
    assert f"'nonce-{first_nonce}'" in first["Content-Security-Policy"]
    assert f"'nonce-{second_nonce}'" in second["Content-Security-Policy"]


def test_a_page_kept_in_memory_is_rendered_again_after_public_page_cache_seconds(client, personal_2020, settings,
                                                                                 time_machine):
    """Memory keeps a page no longer than the shared cache: PUBLIC_PAGE_CACHE_SECONDS after it was rendered."""
    from program.models import Talk

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    time_machine.move_to(time.time(), tick=True)
    assert b"Time, Context and Causality" in _call(_environ("/2020/"))[2]
    assert b"Time, Context and Causality" in client.get("/2020/").content
    # A change that bypasses the signals (no new generation): only time makes the page stale.
    Talk.objects.filter(title__startswith="Time, Context").update(title="Causality, Revisited")
    time_machine.shift(590)
    assert b"Time, Context and Causality" in _call(_environ("/2020/"))[2]
    assert b"Time, Context and Causality" in client.get("/2020/").content
    time_machine.shift(11)
    assert b"Causality, Revisited" in _call(_environ("/2020/"))[2]
    assert b"Causality, Revisited" in client.get("/2020/").content


def test_memory_filled_from_the_shared_cache_keeps_the_rendering_time(client, personal_2020, settings, time_machine):
    """A page another process rendered 500 s ago is kept here for the 100 s it has left, not 600 more."""
    from program.models import Talk

    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    time_machine.move_to(time.time(), tick=True)
    client.get("/2020/")
    public_cache.forget_public_pages()  # as in another process: memory empty, shared cache filled
    Talk.objects.filter(title__startswith="Time, Context").update(title="Causality, Revisited")
    time_machine.shift(500)
    assert b"Time, Context and Causality" in _call(_environ("/2020/"))[2]  # from the shared cache
    time_machine.shift(101)
    assert b"Causality, Revisited" in _call(_environ("/2020/"))[2]
