"""Beat tasks of the papers app (thin: the service queries the database)."""
from celery import shared_task

from .services.reminders import remind_drafts


@shared_task(name="submissions.remind_drafts", ignore_result=True)
def send_draft_reminders() -> int:
    return remind_drafts()
