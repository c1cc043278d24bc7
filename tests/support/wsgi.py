"""The project's WSGI application with the test queue (``TEST_CELERY_DEFAULT_QUEUE``) as Celery's default queue,
for gunicorn instances started by tests (``tests.support.site_processes.Gunicorn``)."""
from personal_site.wsgi import application
from tests.support import celery_app  # noqa: F401 - sets the default queue on the project's app

__all__ = ["application"]
