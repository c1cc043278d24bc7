"""Caching of anonymous public pages, cleared whenever the program changes.

Public pages carry no per-visitor content (no user name, no CSRF token, no inline script), so one
rendering serves everyone. A page is cached under the current *program generation*; any change to
program data bumps the generation (``program/signals.py``), which makes every cached page stale at
once without scanning the cache.

Two layers: the view decorator ``cache_public_page`` keeps rendered pages in the shared cache (so
every process benefits from one rendering), and ``PublicPageMiddleware``, first in the stack, keeps
each process's finished responses (headers included: CSP, HSTS…) in memory, no longer than the
shared cache keeps their rendering (``PUBLIC_PAGE_CACHE_SECONDS`` after it was rendered, whichever
process rendered it). The in-memory layer reads the shared generation at most once per
``PUBLIC_PAGE_GENERATION_CHECK_SECONDS``, so another process's change shows within that.

Repeat requests are answered from memory as early as possible: under gunicorn by
``serve_public_pages_first`` (``personal_site/wsgi.py``), which replays the stored status line,
headers and bytes before Django's handler even builds a request: no request signals, no header
re-validation, no middleware. Elsewhere (runserver, ASGI, the test client) the middleware answers
them, before any other middleware. Both look pages up by ``_memory_key`` of the raw WSGI environ,
and a page is only ever stored after it went through the whole stack with that environ (host
validated, HTTPS redirect, security headers, CSP), so a hit replays exactly what that request got.
A hit touches no database: persistent connections are checked for age and health by the next
request that reaches Django.
"""
import functools
import math
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from .logs import new_request_id, reset_request_id, set_request_id
from .request_log import log_request

GENERATION_KEY = "program:generation"


def program_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def program_changed() -> None:
    """Make every cached public page stale (in this process at once, in others within a second)."""
    generation = time.time_ns()
    cache.set(GENERATION_KEY, generation, timeout=None)
    _memory.reset(generation)


def _expires_at(response, rendered_at: float) -> float:
    """When a rendering stops being valid: PUBLIC_PAGE_CACHE_SECONDS after it was made, or sooner.

    A view may set ``response.public_page_valid_until`` (an aware datetime, or None for no limit):
    a program page rendered before the event says "upcoming" and must not be served once it starts.
    """
    expires_at = rendered_at + settings.PUBLIC_PAGE_CACHE_SECONDS
    valid_until = getattr(response, "public_page_valid_until", None)
    if valid_until is not None:
        expires_at = min(expires_at, valid_until.timestamp())
    return expires_at


# Headers a view sets that belong to the page itself, kept with its rendering in the shared cache.
_PAGE_HEADERS = ("Content-Disposition", "X-Robots-Tag")


def cache_public_page(view):
    """Cache the bytes and content type of a GET response for PUBLIC_PAGE_CACHE_SECONDS (or until it expires)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # Scheme and host are part of the key: exports carry absolute URLs built from the request.
        key = f"page:{program_generation()}:{request.scheme}://{request.get_host()}{request.get_full_path()}"
        hit = cache.get(key)
        now = time.time()
        rendered_at = now
        expires_at = None
        if hit is not None:
            # Entries written before the rendering time (then the expiry) was kept have fewer fields.
            content, content_type, extra, *rest = hit
            rendered_at = rest[0] if rest else rendered_at
            expires_at = rest[1] if len(rest) > 1 else rendered_at + settings.PUBLIC_PAGE_CACHE_SECONDS
            if now >= expires_at:
                # The shared cache counts whole seconds; the page's own limit is exact.
                hit, rendered_at = None, now
        if hit is not None:
            response = HttpResponse(content, content_type=content_type)
            for header, value in extra.items():
                response[header] = value
        else:
            response = view(request, *args, **kwargs)
            expires_at = _expires_at(response, rendered_at)
            if response.status_code == 200 and not response.streaming:
                if hasattr(response, "render"):
                    response.render()
                extra = {h: response[h] for h in _PAGE_HEADERS if h in response}
                timeout = math.ceil(expires_at - rendered_at)
                if timeout > 0:
                    cache.set(key, (response.content, response["Content-Type"], extra, rendered_at, expires_at),
                              timeout)
        max_age = max(0, min(settings.PUBLIC_PAGE_CACHE_SECONDS, 60, math.floor(expires_at - now)))
        response["Cache-Control"] = f"public, max-age={max_age}"
        # Whether rendered here or read from the shared cache, the finished response may be kept
        # by PublicPageMiddleware: each process's first request fills its memory, until the moment
        # the shared cache drops the rendering (not PUBLIC_PAGE_CACHE_SECONDS from now).
        response.public_page = expires_at > now
        response.public_page_expires_at = expires_at
        return response

    return wrapper


# Headers that belong to one visitor or one moment and are never replayed.
_PRIVATE_HEADERS = {"set-cookie", "date"}


def _is_secure(environ) -> bool:
    """``HttpRequest.is_secure()`` from the raw environ (the proxy's header when one is configured)."""
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if proxy_header:
        header, secure_value = proxy_header
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _memory_key(environ) -> str | None:
    """The in-memory key of a GET of a public page, or None when the request may not be answered from memory.

    Built from the raw environ, the same way for both layers: scheme, host exactly as sent, path and
    query string. Only GET, and under ``SECURE_SSL_REDIRECT`` only secure requests (the others are
    redirected by SecurityMiddleware).
    """
    if environ.get("REQUEST_METHOD") != "GET" or settings.PUBLIC_PAGE_CACHE_SECONDS <= 0:
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        host = environ["HTTP_X_FORWARDED_HOST"]
    else:
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return (f"{'https' if secure else 'http'}://{host}{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
            f"?{environ.get('QUERY_STRING', '')}")


def _may_be_replayed(response) -> bool:
    """A finished response that is the same for every visitor: a public page, no cookie, no nonce."""
    return (
        getattr(response, "public_page", False) and response.status_code == 200 and not response.streaming
        and not response.cookies and "cookie" not in response.get("Vary", "").lower()
        # A CSP nonce is worth something only if it is new for every response.
        and "'nonce-" not in response.get("Content-Security-Policy", "")
    )


class _MemoryPages:
    """A small LRU of finished public responses, valid for one program generation and until they expire.

    Expiry is wall-clock time (``time.time()``, like the shared cache's), so that a page is kept here
    no longer than in the shared cache: PUBLIC_PAGE_CACHE_SECONDS after it was rendered.
    """

    def __init__(self, size: int = 512):
        self.size = size
        self.lock = threading.Lock()
        # key -> (generation, bytes, headers, expires at)
        self.pages: OrderedDict[str, tuple[int, bytes, list[tuple[str, str]], float]] = OrderedDict()
        self.generation: int | None = None
        self.checked_at = 0.0

    def reset(self, generation: int | None) -> None:
        with self.lock:
            self.pages.clear()
            self.generation, self.checked_at = generation, time.monotonic()

    def current_generation(self) -> int:
        interval = getattr(settings, "PUBLIC_PAGE_GENERATION_CHECK_SECONDS", 1.0)
        if self.generation is None or time.monotonic() - self.checked_at >= interval:
            generation = program_generation()
            if generation != self.generation:
                self.reset(generation)
            else:
                self.checked_at = time.monotonic()
        return self.generation

    def get(self, key: str):
        generation = self.current_generation()
        with self.lock:
            hit = self.pages.get(key)
            if hit is None or hit[0] != generation:
                return None
            if time.time() >= hit[3]:
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return hit

    def put(self, key: str, generation: int, content: bytes, headers: list[tuple[str, str]],
            expires_at: float) -> None:
        with self.lock:
            if generation != self.generation:
                return
            self.pages[key] = (generation, content, headers, expires_at)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


_memory = _MemoryPages()


def forget_public_pages() -> None:
    """Empty this process's in-memory layer; the next request re-reads the shared generation."""
    _memory.reset(None)


class PublicPageMiddleware:
    """Keep finished public pages in memory; answer repeat GETs from there, before the rest of the stack.

    Under gunicorn the repeats never get here (``serve_public_pages_first`` answers them first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _memory_key(request.META)
        if key is None:
            return self.get_response(request)
        hit = _memory.get(key)
        if hit is not None:
            _, content, headers, _ = hit
            response = HttpResponse(content)
            for header, value in headers:
                response[header] = value
            return response
        generation = _memory.current_generation()
        response = self.get_response(request)
        if _may_be_replayed(response):
            request.get_host()  # validated already by the stack; a host it refused is never stored
            headers = [(k, v) for k, v in response.items() if k.lower() not in _PRIVATE_HEADERS]
            expires_at = getattr(response, "public_page_expires_at", time.time() + settings.PUBLIC_PAGE_CACHE_SECONDS)
            _memory.put(key, generation, response.content, headers, expires_at)
        return response


def serve_public_pages_first(application):
    """Wrap the WSGI application: answer a GET of a public page kept in memory without entering Django.

    What is replayed is what ``PublicPageMiddleware`` stored from a full pass through the stack for
    the same scheme, host, path and query string: status 200, every header but Date and Set-Cookie,
    the bytes. The server adds its own Date.
    """

    def public_pages_first(environ, start_response):
        key = _memory_key(environ)
        if key is not None:
            hit = _memory.get(key)
            if hit is not None:
                # Answered before the middleware, so the request's id and its log line are given here.
                started = time.perf_counter()
                request_id = new_request_id(environ.get("HTTP_X_REQUEST_ID"))
                token = set_request_id(request_id)
                _, content, headers, _ = hit
                start_response("200 OK", [*headers, ("X-Request-ID", request_id)])
                log_request(method="GET", path=environ.get("PATH_INFO", ""), status=200, started=started, user_id=None)
                reset_request_id(token)
                return [content]
        return application(environ, start_response)

    return public_pages_first
