"""The project's Celery app as a worker process started by a test sees it (``celery -A tests.support.celery_app``).

It is ``personal_site.celery.app`` itself, with one change: the default queue comes from
``TEST_CELERY_DEFAULT_QUEUE``, so the messages the worker sends itself (a retry with an ETA) go back to the queue it
consumes instead of the project's default queue, where no test worker listens.
"""
import os

from personal_site.celery import app

if os.environ.get("TEST_CELERY_DEFAULT_QUEUE"):
    app.conf.task_default_queue = os.environ["TEST_CELERY_DEFAULT_QUEUE"]

__all__ = ["app"]
