"""Caching of anonymous public pages, cleared whenever the program changes.

Public pages carry no per-visitor content (no user name, no CSRF token, no inline script), so one
rendering serves everyone. A page is cached under the current *program generation*; any change to
program data bumps the generation (``program/signals.py``), which makes every cached page stale at
once without scanning the cache.
"""
import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "program:generation"


def program_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def program_changed() -> None:
    """Make every cached public page stale."""
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def cache_public_page(view):
    """Cache the bytes and content type of a GET response for PUBLIC_PAGE_CACHE_SECONDS."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        # Scheme and host are part of the key: exports carry absolute URLs built from the request.
        key = f"page:{program_generation()}:{request.scheme}://{request.get_host()}{request.get_full_path()}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type, extra = hit
            response = HttpResponse(content, content_type=content_type)
            for header, value in extra.items():
                response[header] = value
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                if hasattr(response, "render"):
                    response.render()
                extra = {h: response[h] for h in ("Content-Disposition",) if h in response}
                cache.set(key, (response.content, response["Content-Type"], extra), settings.PUBLIC_PAGE_CACHE_SECONDS)
        response["Cache-Control"] = f"public, max-age={min(settings.PUBLIC_PAGE_CACHE_SECONDS, 60)}"
        return response

    return wrapper
