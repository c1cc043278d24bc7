"""Settings for `manage.py ingest_email` started by a test: the project's, publishing to the test worker's queue.

Only the default queue differs (TEST_CELERY_DEFAULT_QUEUE), as for the test worker process
(tests/support/celery_app.py): the command's task goes where the test's worker listens.
"""
import os

from personal_site.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("TEST_CELERY_DEFAULT_QUEUE", "celery")
