"""The project's Celery app as a worker process started by a test sees it (``celery -A tests.support.celery_app``).

It is ``personal_site.celery.app`` itself, with two changes: the default queue comes from
``TEST_CELERY_DEFAULT_QUEUE``, so the messages the worker sends itself (a retry with an ETA) go back to the queue it
consumes instead of the project's default queue, where no test worker listens; and ``TEST_CELERY_BEAT_SCHEDULE``
(JSON, ``{"<entry of CELERY_BEAT_SCHEDULE>": seconds}``) keeps only those beat entries, at those intervals, so a
test's beat runs the task it is about within seconds.
"""
import json
import os

from personal_site.celery import app

if os.environ.get("TEST_CELERY_DEFAULT_QUEUE"):
    app.conf.task_default_queue = os.environ["TEST_CELERY_DEFAULT_QUEUE"]

if os.environ.get("TEST_CELERY_BEAT_SCHEDULE"):
    _intervals = json.loads(os.environ["TEST_CELERY_BEAT_SCHEDULE"])
    app.conf.beat_schedule = {name: {**app.conf.beat_schedule[name], "schedule": float(seconds)}
                              for name, seconds in _intervals.items()}

__all__ = ["app"]
