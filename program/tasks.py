"""Beat tasks of the program (thin: the service queries the database)."""
from celery import shared_task

from .services.reminders import remind_event


@shared_task(name="program.remind_event", ignore_result=True)
def send_event_reminders() -> int:
    return remind_event()
