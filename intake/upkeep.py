"""Upkeep of the intake for organizers and beat: re-process a message, expire unconfirmed papers,
hand messages left RECEIVED to a worker again (personal_site/durable.py)."""
import datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from personal_site import durable

from .models import InboundMessage
from .storing import PROCESS_TASK, dispatch_on_commit

Status = InboundMessage.Status
# A message in these states is still being handled (or became a paper): it is never re-processed.
OPEN_STATES = (Status.RECEIVED, Status.PENDING, Status.ACCEPTED)


def inbound_reprocess(*, inbound: InboundMessage, by=None) -> bool:
    """An organizer's re-process: back to RECEIVED, processed again, with a fresh answer. Not for open messages."""
    if inbound.status in OPEN_STATES:
        return False
    who = getattr(by, "email", "") or "an organizer"
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=Status.RECEIVED, reprocessed=F("reprocessed") + 1, attempts=0, error="", duplicate_of=None,
        confirm_key_hash="", expires_at=None, note=f"Re-processed by {who} (was {inbound.status})."[:500],
    )
    dispatch_on_commit(inbound.pk)
    return True


def pending_expire(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return InboundMessage.objects.filter(status=Status.PENDING, expires_at__lt=now).update(
        status=Status.EXPIRED, error=f"Not confirmed within {settings.INTAKE_PENDING_DAYS} days.",
    )


def inbound_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Dispatch again messages left RECEIVED (a lost task, a killed worker); expire unconfirmed papers."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.INTAKE_RETRY_AFTER_SECONDS)
    waiting = InboundMessage.objects.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale),
                                            status=Status.RECEIVED)
    gave_up = waiting.filter(attempts__gte=settings.INTAKE_MAX_ATTEMPTS).update(
        status=Status.FAILED, error=f"Gave up after {settings.INTAKE_MAX_ATTEMPTS} attempts; re-process it.",
    )
    dispatched = durable.redispatch(PROCESS_TASK, waiting, limit=500, now=now)
    return {"dispatched": dispatched, "failed": gave_up, "expired": pending_expire(now=now)}
