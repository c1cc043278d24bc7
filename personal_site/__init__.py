"""The personal_site project: settings, URLs, the Celery app and cross-cutting helpers."""
from .celery import app as celery_app

__all__ = ("celery_app",)
