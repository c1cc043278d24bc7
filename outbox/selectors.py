"""Reads of the outbox for organizers: counts by state, mails that need a look, one object's mail log."""
from django.db.models import Count, QuerySet

from .models import OutboundMail

State = OutboundMail.State
NEEDS_ATTENTION = (State.UNCERTAIN, State.FAILED, State.BOUNCED)


def mail_counts_by_state() -> dict[str, int]:
    """Every state with its number of mails (zero included), in one query."""
    found = dict(OutboundMail.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return {state: found.get(state, 0) for state, _ in State.choices}


def mails_needing_attention(limit: int = 500) -> QuerySet[OutboundMail]:
    return OutboundMail.objects.filter(state__in=NEEDS_ATTENTION).order_by("-created_at")[:limit]


def mails_about(object_keys) -> QuerySet[OutboundMail]:
    """Every mail about these objects (their outbox keys), newest first."""
    return OutboundMail.objects.filter(object_key__in=list(object_keys)).order_by("-created_at", "-id")
