"""Tasks of the personal_site app, found by Celery's autodiscovery."""
from .outbox.tasks import send_outbound_mail, sweep_outbox

__all__ = ["send_outbound_mail", "sweep_outbox"]
