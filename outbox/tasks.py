"""Celery tasks of the outbox: thin wrappers around the services (which name them; see personal_site/durable.py)."""
from celery import shared_task

from . import services


@shared_task(name=services.SEND_TASK, ignore_result=True)
def send_outbound_mail(mail_id: int) -> str:
    state = services.mail_send(mail_id=mail_id)
    if state == services.State.QUEUED:
        services.retry_when_due(mail_id)
    return state


@shared_task(name=services.SWEEP_TASK, ignore_result=True)
def sweep_outbox() -> dict:
    return services.outbox_sweep()
