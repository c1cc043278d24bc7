"""Celery tasks of the email intake: thin wrappers, primitive ids in, the services decide."""
from celery import shared_task

from . import imap, processing, storing, upkeep


# Late acknowledgement: processing is idempotent (it acts only on RECEIVED rows, under a lock), so a
# task whose worker died is simply run again; the beat sweep also re-dispatches rows left RECEIVED.
@shared_task(name=storing.PROCESS_TASK, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def process_inbound_message(inbound_id: int) -> str:
    return processing.inbound_process(inbound_id=inbound_id)


@shared_task(name="intake.poll_imap", ignore_result=True)
def poll_imap() -> dict:
    return imap.imap_poll()


@shared_task(name="intake.sweep", ignore_result=True)
def sweep_inbound() -> dict:
    return upkeep.inbound_sweep()
