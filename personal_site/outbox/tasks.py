"""Celery tasks of the outbox: thin wrappers around the services."""
from celery import shared_task

from . import services


@shared_task(name="outbox.send", ignore_result=True)
def send_outbound_mail(mail_id: int) -> str:
    state = services.mail_send(mail_id=mail_id)
    if state == services.State.QUEUED:
        # A transient failure: come back when the row is due (the sweep would too).
        mail = services.OutboundMail.objects.get(pk=mail_id)
        send_outbound_mail.apply_async((mail_id,), eta=mail.next_attempt_at)
    return state


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep_outbox() -> dict:
    return services.outbox_sweep()
