"""Tasks of the submissions app, found by Celery's autodiscovery."""
from .intake.tasks import poll_imap, process_inbound_message, sweep_inbound

__all__ = ["poll_imap", "process_inbound_message", "sweep_inbound"]
