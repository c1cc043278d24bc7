"""One log line per request, with a request id that follows the request into the tasks it enqueues.

``RequestLogMiddleware`` comes first in ``MIDDLEWARE``: it takes the proxy's ``X-Request-ID`` (or makes one),
sends it back in the response's ``X-Request-ID`` header, and logs ``method``, ``path`` (no query string),
``status``, ``duration_ms``, ``request_id`` and ``user_id`` (the account's primary key, or null) on the
``personal_site.requests`` logger. Tasks: see :mod:`personal_site.task_log`.
"""
import logging
import time

from .logs import new_request_id, reset_request_id, set_request_id

log = logging.getLogger("personal_site.requests")


def _user_id(request):
    user = getattr(request, "user", None)  # absent when an earlier middleware answered (public page memory)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 - the session store may be down; the request line must still be written
        return None


def log_request(*, method: str, path: str, status: int, started: float, user_id) -> None:
    """The one request line (the current request id rides along from the context)."""
    log.info("request", extra={"fields": {
        "method": method, "path": path, "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1), "user_id": user_id,
    }})


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            log_request(method=request.method, path=request.path, status=status, started=started,
                        user_id=_user_id(request))
            reset_request_id(token)
