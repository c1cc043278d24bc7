"""/healthz over HTTP, as a load balancer probes a gunicorn instance: by address, over plain HTTP, without cookies.

Each case is a real gunicorn process under the production profile; a failing component is a URL where nothing
listens (a closed port), so the check meets a refused connection as it would when that server is down.
"""
import json
import time

import pytest
import requests

from tests.support.site_processes import Gunicorn, free_port, site_env

pytestmark = pytest.mark.services


def start_site(tmp_path, *, database_url, redis_url, **extra):
    env = site_env(database_url=database_url, broker_url=redis_url, cache_url=redis_url, var_dir=tmp_path / "var",
                   queue="test-healthz", **extra)
    return Gunicorn(env, tmp_path / "gunicorn.log").start()


@pytest.fixture
def redis_url(_redis_test_db):
    return _redis_test_db.url


def probe(web):
    """GET /healthz as a load balancer does: plain HTTP, the instance's address as Host, no X-Forwarded-Proto."""
    started = time.monotonic()
    response = requests.get(web.url + "/healthz", headers={"Host": "10.0.3.7:8000"}, allow_redirects=False,
                            timeout=15)
    return response, time.monotonic() - started


def closed_port_url(scheme_and_rest: str) -> str:
    return scheme_and_rest.format(port=free_port())


def test_healthy_instance_answers_200_over_plain_http_without_cookies(tmp_path, site_database_url, redis_url):
    web = start_site(tmp_path, database_url=site_database_url, redis_url=redis_url)
    try:
        response, _ = probe(web)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
        assert "Set-Cookie" not in response.headers and "Location" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Request-ID"]
        # Asked twice, answered twice (never from the public page cache): both requests have their own id.
        again, _ = probe(web)
        assert again.status_code == 200 and again.headers["X-Request-ID"] != response.headers["X-Request-ID"]
        # The rest of the site keeps its rules: an unknown host is refused, plain HTTP is redirected to HTTPS.
        other = requests.get(web.url + "/", headers={"Host": "10.0.3.7:8000"}, allow_redirects=False, timeout=15)
        assert other.status_code == 400
        plain = requests.get(web.url + "/", allow_redirects=False, timeout=15)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
        # Nothing but ok/fail: no versions, host names or error text.
        assert set(json.dumps(response.json())) <= set('{}":, abcdefghijklmnopqrstuvwxyz')
    finally:
        web.stop()


def test_broker_down_answers_503_naming_the_broker(tmp_path, site_database_url, redis_url):
    web = start_site(tmp_path, database_url=site_database_url, redis_url=redis_url,
                     CELERY_BROKER_URL=closed_port_url("redis://127.0.0.1:{port}/13"))
    try:
        response, seconds = probe(web)
        assert response.status_code == 503
        assert response.json() == {"status": "fail", "checks": {"database": "ok", "cache": "ok", "broker": "fail"}}
        assert seconds < 5
        assert "Set-Cookie" not in response.headers
    finally:
        web.stop()


def test_database_down_answers_503_naming_the_database(tmp_path, redis_url):
    web = start_site(tmp_path, database_url=closed_port_url("postgres://postgres@127.0.0.1:{port}/nowhere"),
                     redis_url=redis_url)
    try:
        response, seconds = probe(web)
        assert response.status_code == 503
        assert response.json() == {"status": "fail", "checks": {"database": "fail", "cache": "ok", "broker": "ok"}}
        assert seconds < 5
    finally:
        web.stop()


def test_cache_down_answers_503_naming_the_cache(tmp_path, site_database_url, redis_url):
    web = start_site(tmp_path, database_url=site_database_url, redis_url=redis_url,
                     CACHE_REDIS_URL=closed_port_url("redis://127.0.0.1:{port}/13"))
    try:
        response, _ = probe(web)
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "cache": "fail", "broker": "ok"}
    finally:
        web.stop()
