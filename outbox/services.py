"""Queue mail in the current transaction; send one row; sweep rows that were left behind."""
import datetime
import logging
import smtplib
import socket
import ssl
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from personal_site import durable

from .compose import compose
from .kinds import MailKind
from .models import OutboundMail

log = logging.getLogger(__name__)
State = OutboundMail.State
SEND_TASK = "outbox.send"
SWEEP_TASK = "outbox.sweep"

# Retry a transient failure after 1, 2, 4 … minutes, at most 30 minutes apart: always far below
# the broker's visibility timeout, so a waiting retry is never redelivered as a duplicate.
MAX_ATTEMPTS = 8
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
REDISPATCH_AFTER = datetime.timedelta(minutes=2)


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 1800))


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
    rows = []
    for recipient in dict.fromkeys(r.strip().lower() for r in recipients if r and r.strip()):
        state = State.SUPPRESSED if recipient in suppressed else State.QUEUED
        try:
            with transaction.atomic():
                row = OutboundMail.objects.create(
                    kind=kind, object_key=object_key, recipient=recipient, subject=subject[:300], body=body,
                    html=html, state=state, triggered_by=triggered_by, reply_to=reply_to,
                    last_error="Not sent: too many receipts to other people from this account in the last hour."
                    if state == State.SUPPRESSED else "",
                )
        except IntegrityError:
            row = OutboundMail.objects.get(object_key=object_key, kind=kind, recipient=recipient,
                                           resend_of__isnull=True)
        else:
            if state == State.QUEUED:
                dispatch_on_commit(row.pk)
        rows.append(row)
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
    durable.dispatch_on_commit(SEND_TASK, mail_id, model=OutboundMail)


def _claim(mail_id: int) -> OutboundMail | None:
    """Flip QUEUED to SENDING atomically; None when the row is not ours to send."""
    claimed = durable.claim(OutboundMail.objects.filter(pk=mail_id, state=State.QUEUED),
                            state=State.SENDING, sending_since=timezone.now(), attempts=F("attempts") + 1)
    return OutboundMail.objects.get(pk=mail_id) if claimed else None


def is_transient(exc: Exception) -> bool:
    """A failure worth retrying: the server answered 4xx, or could not be reached at all.

    Configuration problems (no STARTTLS, a bad certificate, refused credentials) are permanent:
    retrying them for an hour and a half only hides them from the organizers.
    """
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, (ssl.SSLError, smtplib.SMTPNotSupportedError, smtplib.SMTPAuthenticationError)):
        return False
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                            socket.timeout, TimeoutError, socket.gaierror))


class _AmbiguousDelivery(Exception):
    """The connection broke while the message was being handed over: it may have been delivered."""


def describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}"


def build_message(mail: OutboundMail, connection=None) -> EmailMessage:
    headers = {"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated", "X-Outbox-Kind": mail.kind}
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.recipient],
        reply_to=[mail.reply_to] if mail.reply_to else None, headers=headers, connection=connection,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def _deliver(mail: OutboundMail) -> None:
    """Open the connection first: a failure there certainly sent nothing and may be retried. Once the
    message is on its way, only an answer from the server (a reply code) says it was not accepted;
    a dropped connection or a timeout then leaves the outcome unknown."""
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        build_message(mail, connection=connection).send(fail_silently=False)
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        raise
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise _AmbiguousDelivery(describe(exc)) from exc
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail; the outcome is known already
            pass


def mail_send(*, mail_id: int) -> str:
    """Send one row if it is QUEUED. Returns the row's new state; 'skipped' when it was not queued."""
    mail = _claim(mail_id)
    if mail is None:
        return "skipped"
    try:
        _deliver(mail)
    except _AmbiguousDelivery as exc:
        OutboundMail.objects.filter(pk=mail.pk, state=State.SENDING).update(
            state=State.UNCERTAIN, sending_since=None,
            last_error=f"The connection broke while the mail was handed over ({exc}); it may or may not have "
                       "gone out. Resend it deliberately if needed.",
        )
        log.warning("outbox: mail %s (%s) is uncertain: %s", mail.pk, mail.kind, exc)
        return State.UNCERTAIN
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        error = describe(exc)
        if is_transient(exc) and mail.attempts < MAX_ATTEMPTS:
            now = timezone.now()
            OutboundMail.objects.filter(pk=mail.pk, state=State.SENDING).update(
                state=State.QUEUED, last_error=error, sending_since=None,
                next_attempt_at=now + backoff(mail.attempts), dispatched_at=now,
            )
            log.info("outbox: mail %s (%s) deferred after a transient error: %s", mail.pk, mail.kind, error)
            return State.QUEUED
        OutboundMail.objects.filter(pk=mail.pk, state=State.SENDING).update(
            state=State.FAILED, last_error=error, sending_since=None,
        )
        log.warning("outbox: mail %s (%s) failed for good: %s", mail.pk, mail.kind, error)
        return State.FAILED
    OutboundMail.objects.filter(pk=mail.pk, state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now(), sending_since=None, last_error="",
    )
    log.info("outbox: mail %s (%s, %s) sent", mail.pk, mail.kind, mail.object_key)
    return State.SENT


def outbox_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Mark stale SENDING rows UNCERTAIN and re-dispatch QUEUED rows that are due and not in flight."""
    now = now or timezone.now()
    uncertain = OutboundMail.objects.filter(state=State.SENDING, sending_since__lt=now - SENDING_TIMEOUT).update(
        state=State.UNCERTAIN,
        last_error="The worker stopped while sending; the mail may or may not have gone out. Resend it deliberately.",
    )
    due = OutboundMail.objects.filter(state=State.QUEUED).exclude(next_attempt_at__gt=now).exclude(
        dispatched_at__gt=now - REDISPATCH_AFTER
    )
    return {"uncertain": uncertain, "dispatched": durable.redispatch(SEND_TASK, due, now=now)}


def retry_when_due(mail_id: int) -> None:
    """After a transient failure: hand the row over again for its next attempt (the sweep would too)."""
    mail = OutboundMail.objects.get(pk=mail_id)
    durable.enqueue(SEND_TASK, mail_id, eta=mail.next_attempt_at)


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
