"""Celery tasks of the outbox: thin wrappers around the services (which name them; see personal_site/durable.py)."""
from collections import Counter

from celery import shared_task

from . import services


@shared_task(name=services.BATCH_TASK, ignore_result=True)
def send_mail_batch(mail_ids: list[int]) -> dict:
    """Deliver a list of mails over one connection; hand over again what waits for a retry or was not taken."""
    outcome = services.mail_send_batch(mail_ids=mail_ids)
    services.hand_over_rest(outcome)
    return dict(Counter(outcome.states.values()))


@shared_task(name=services.SEND_TASK, ignore_result=True)
def send_outbound_mail(mail_id: int) -> str:
    """One mail, as the release before batches published them (such messages may still wait in the broker)."""
    outcome = services.mail_send_batch(mail_ids=[mail_id])
    services.hand_over_rest(outcome)
    return outcome.states.get(mail_id, "skipped")


@shared_task(name=services.SWEEP_TASK, ignore_result=True)
def sweep_outbox() -> dict:
    return services.outbox_sweep()
