"""WSGI entry point of the bare yardstick site: ``gunicorn bench.bare_wsgi:application``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_site"
application = get_wsgi_application()
