"""Reads of the outbox for organizers: counts by state, mails that need a look, the searchable list of
every mail, one object's mail log."""
from django.db.models import Count, Q, QuerySet

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


def mails_search(*, query: str = "", state: str = "", kind: str = "") -> QuerySet[OutboundMail]:
    """Every mail, newest first, narrowed by text in the recipient or subject, by state and by kind.

    A kind names itself or its family: "account" finds every account-<template> mail.
    """
    mails = OutboundMail.objects.order_by("-created_at", "-id")
    if query:
        mails = mails.filter(Q(recipient__icontains=query) | Q(subject__icontains=query))
    if state:
        mails = mails.filter(state=state)
    if kind:
        mails = mails.filter(Q(kind=kind) | Q(kind__startswith=f"{kind}-")) if kind == "account" else \
            mails.filter(kind=kind)
    return mails
