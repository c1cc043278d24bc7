"""Models of the cross-cutting personal_site app (the outbox)."""
from .outbox.models import OutboundMail

__all__ = ["OutboundMail"]
