"""The yardstick for ``bench/program_page.py``: Django with no middleware, no apps and no database.

Settings and URLs in one module (``DJANGO_SETTINGS_MODULE=bench.bare_site``). Its one view returns,
byte for byte, a page fetched from the real site beforehand and saved under ``BENCH_BODIES_DIR`` as
``<name>.body`` with its content type in ``<name>.type``. So the comparison measures what our view,
middleware and cache add on top of Django's request/response cycle under the same gunicorn.
"""
import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import path

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list = []
MIDDLEWARE: list = []
DATABASES: dict = {}
USE_TZ = True
BODIES_DIR = Path(os.environ.get("BENCH_BODIES_DIR", "."))

_bodies: dict[str, tuple[bytes, str]] = {}


def saved_page(request, name: str):
    if name not in _bodies:
        body_file = BODIES_DIR / f"{name}.body"
        if not body_file.is_file():
            raise Http404(name)
        _bodies[name] = (body_file.read_bytes(), (BODIES_DIR / f"{name}.type").read_text().strip())
    body, content_type = _bodies[name]
    return HttpResponse(body, content_type=content_type)


urlpatterns = [path("saved/<slug:name>", saved_page)]
