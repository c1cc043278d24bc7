"""Beat-driven reminders (thin: the service queries the database)."""
from celery import shared_task

from .services.reminders import reminders_send


@shared_task(name="review.send_reminders", ignore_result=True)
def send_reminders() -> dict:
    return reminders_send()
