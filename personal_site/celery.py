"""The Celery app: configured from Django settings (CELERY_* names), tasks found by autodiscovery."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personal_site.settings")

app = Celery("personal_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import task_log  # noqa: E402,F401 - connects the signals that log every task with its request id
