"""Project-wide pytest set-up: media in a temporary folder, an in-process cache, mail kept in memory."""
import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from tests that
# use the live server are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated_storage_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    from django.core.cache import cache

    cache.clear()
    from personal_site.public_cache import forget_public_pages

    forget_public_pages()  # the in-memory layer outlives a test's cache and database: start empty
    yield
