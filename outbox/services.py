"""Queue mail in the current transaction, resend it deliberately, sweep rows left behind, record bounces.

Delivery itself (batches over one connection, the claim, retries) is ``outbox.delivery``; its names used by
callers are here too, so ``outbox.services`` stays the one place to call.
"""
import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from personal_site import durable

from .compose import compose
from .delivery import (
    BATCH_TASK,
    MAX_ATTEMPTS,
    SEND_TASK,
    SENDING_TIMEOUT,
    BatchOutcome,
    backoff,
    batch_size,
    hand_over_rest,
    judge_stale_claims,
    mail_send,
    mail_send_batch,
    retry_when_due,
)
from .kinds import MailKind
from .models import OutboundMail
from .smtp_session import build_message, describe, is_transient

__all__ = ["BATCH_TASK", "MAX_ATTEMPTS", "SEND_TASK", "SENDING_TIMEOUT", "BatchOutcome", "backoff", "build_message",
           "describe", "hand_over_rest", "is_transient", "mail_send", "mail_send_batch", "retry_when_due"]
log = logging.getLogger(__name__)
State = OutboundMail.State
SWEEP_TASK = "outbox.sweep"
# A hand-over older than this without an outcome is presumed lost with the broker's data.
REDISPATCH_AFTER = datetime.timedelta(minutes=2)


def mail_queue(
    *,
    kind: str,
    object_key: str,
    recipients: Iterable[str],
    context: dict | None = None,
    subject: str = "",
    body: str = "",
    triggered_by=None,
    suppress: Iterable[str] = (),
    reply_to: str = "",
) -> list[OutboundMail]:
    """Write one row per recipient (at most one per object, kind and recipient), sent after commit.

    With ``context``, the words come from the kind's templates (outbox.compose); without it, the
    caller has rendered them already (decision mail from the organizers' template, allauth's mail).

    Recipients in ``suppress`` get a row in the SUPPRESSED state: visible to organizers, never sent.
    Rows that exist already are returned unchanged, so calling this twice never sends twice.
    """
    html = ""
    if context is not None:
        composed = compose(MailKind(kind), context)
        subject, body, html = composed.subject, composed.text, composed.html
    suppressed = {r.strip().lower() for r in suppress}
    wanted = list(dict.fromkeys(r.strip().lower() for r in recipients if r and r.strip()))

    def new_row(recipient: str) -> OutboundMail:
        state = State.SUPPRESSED if recipient in suppressed else State.QUEUED
        return OutboundMail(
            kind=kind, object_key=object_key, recipient=recipient, subject=subject[:300], body=body, html=html,
            state=state, triggered_by=triggered_by, reply_to=reply_to,
            last_error="Not sent: too many receipts to other people from this account in the last hour."
            if state == State.SUPPRESSED else "",
        )

    rows = [new_row(recipient) for recipient in wanted]
    try:
        with transaction.atomic():  # one INSERT for them all: a burst of decisions is one statement
            created = OutboundMail.objects.bulk_create(rows)
    except IntegrityError:  # some exist already (queued before, or by another writer meanwhile): keep those
        rows, created = [], []
        for row in (new_row(recipient) for recipient in wanted):
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                row = OutboundMail.objects.get(object_key=object_key, kind=kind, recipient=row.recipient,
                                               resend_of__isnull=True)
            else:
                created.append(row)
            rows.append(row)
    for row in created:
        if row.state == State.QUEUED:
            dispatch_on_commit(row.pk)
    return rows


class MailNotResendable(Exception):
    """The mail is still on its way (queued or being sent): a resend now could deliver it twice."""


def mail_resend(*, mail: OutboundMail, by=None) -> OutboundMail:
    """A deliberate resend by an organizer: a new row, marked as a resend of the old one.

    Any mail that is no longer on its way may be resent (uncertain, failed, bounced, suppressed, or
    sent and lost by its recipient); a queued or sending one is refused.
    """
    mail.refresh_from_db(fields=["state"])  # the state now, not when the page was drawn
    if mail.state in (State.QUEUED, State.SENDING):
        raise MailNotResendable(f"Mail {mail.pk} is {mail.get_state_display().lower()}; it is on its way already, "
                                "nothing to resend.")
    row = OutboundMail.objects.create(
        kind=mail.kind, object_key=mail.object_key, recipient=mail.recipient, subject=mail.subject,
        body=mail.body, html=mail.html, reply_to=mail.reply_to, triggered_by=by, resend_of=mail,
    )
    dispatch_on_commit(row.pk)
    return row


def dispatch_on_commit(mail_id: int) -> None:
    """After the commit: every mail queued in the transaction goes in lists of OUTBOX_BATCH_SIZE to the task."""
    durable.dispatch_on_commit(BATCH_TASK, mail_id, model=OutboundMail, batch_size=batch_size())


def outbox_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Judge claims whose worker vanished, and re-dispatch QUEUED rows that are due and not in flight."""
    now = now or timezone.now()
    uncertain, released = judge_stale_claims(now)
    due = OutboundMail.objects.filter(state=State.QUEUED).exclude(next_attempt_at__gt=now).exclude(
        dispatched_at__gt=now - REDISPATCH_AFTER
    )
    return {"uncertain": uncertain, "released": released,
            "dispatched": durable.redispatch(BATCH_TASK, due, now=now, batch_size=batch_size())}


def mail_mark_bounced(*, message_id: str, reason: str = "") -> OutboundMail | None:
    """A bounce names our Message-ID (<token@domain>): mark that row BOUNCED with the reason."""
    token = message_id.strip().strip("<>").split("@", 1)[0]
    try:
        mail = OutboundMail.objects.get(token=token)
    except (OutboundMail.DoesNotExist, ValueError, ValidationError):
        return None
    OutboundMail.objects.filter(pk=mail.pk).update(state=State.BOUNCED, last_error=(reason or "Bounced")[:2000])
    mail.refresh_from_db()
    return mail
