"""``GET /healthz`` for load balancers: is this instance able to serve (database, cache, broker)?

Answered by ``HealthCheckMiddleware`` at the top of the stack, before host validation, the HTTPS redirect, the
session, CSRF and the public page cache: a load balancer probes each instance over plain HTTP by its address,
and must get neither a redirect, a 400 for an unknown host, nor a cookie. (``SECURE_REDIRECT_EXEMPT`` lists the
path too, so it stays redirect-safe if the middleware is ever moved below SecurityMiddleware.)

200 when every component answers, 503 when one does not; the body is ``{"status": "ok"|"fail", "checks":
{"database": "ok", "cache": "ok", "broker": "fail"}}``: no error text, host names or versions. Each check runs
in a small thread pool with a deadline of ``HEALTH_CHECK_TIMEOUT_SECONDS`` (default 2 s), so a hung server makes
the probe fail quickly instead of hanging it.
"""
import concurrent.futures
import json
import logging
import uuid

from django.conf import settings
from django.http import HttpResponse

PATH = "/healthz"
log = logging.getLogger(__name__)
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz")


def check_database() -> None:
    from django.db import connections

    connection = connections["default"]
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    from django.core.cache import cache

    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was just stored")
    cache.delete(key)


def check_broker() -> None:
    from personal_site.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, timeout=1)
        channel = connection.default_channel
        client = getattr(channel, "client", None)
        if client is not None and hasattr(client, "ping"):
            client.ping()  # Redis: a round trip, not only an open socket


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks(timeout: float) -> dict[str, str]:
    futures = {name: _pool.submit(check) for name, check in CHECKS.items()}
    results = {}
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - every failure, including the deadline, is a "fail"
            log.warning("healthz: %s check failed: %s", name, type(exc).__name__)
            results[name] = "fail"
    return results


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        checks = run_checks(getattr(settings, "HEALTH_CHECK_TIMEOUT_SECONDS", 2.0))
        healthy = all(state == "ok" for state in checks.values())
        body = json.dumps({"status": "ok" if healthy else "fail", "checks": checks})
        response = HttpResponse(body, status=200 if healthy else 503, content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response
