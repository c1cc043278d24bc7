"""WSGI entry point (gunicorn personal_site.wsgi; settings in personal_site/gunicorn.conf.py).

Public pages kept in memory are answered before Django's handler (``personal_site/public_cache.py``).
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personal_site.settings")
django_application = get_wsgi_application()

from personal_site.public_cache import serve_public_pages_first  # noqa: E402  (needs the settings)

application = serve_public_pages_first(django_application)
