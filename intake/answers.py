"""Answers to senders: whom never to answer, how often at most, and the mails themselves (through the outbox).

Never answered, so that no mail loop can start: auto-replies (Auto-Submitted other than "no",
X-Autoreply), bounces (empty envelope sender, multipart/report, mailer-daemon or postmaster),
mailing-list and bulk traffic (List-Id, Precedence bulk/junk/list) and our own addresses. Past
``INTAKE_ANSWERS_PER_SENDER_PER_HOUR`` answers to one address, further answers are kept as
SUPPRESSED outbox rows (visible to organizers) and not sent.
"""
import datetime
import email.utils

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from intake.models import InboundMessage
from outbox.kinds import MailKind
from outbox.models import OutboundMail
from outbox.services import mail_queue
from program.models import Edition

from .parsing import ParsedMessage, addresses

REFUSAL = MailKind.INTAKE_REFUSAL
CONFIRM = MailKind.INTAKE_CONFIRM
ANSWER_KINDS = (REFUSAL, CONFIRM)
ROBOT_MAILBOXES = {"mailer-daemon", "postmaster"}


def _local_part(address: str) -> str:
    return address.strip("<> ").rpartition("@")[0].lower() or address.strip("<> ").lower()


def our_addresses() -> set[str]:
    ours = {email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
            email.utils.parseaddr(settings.SERVER_EMAIL)[1].lower()}
    ours |= {a.lower() for a in Edition.objects.exclude(submission_email="").values_list("submission_email", flat=True)}
    return ours - {""}


def bounce_reason(parsed: ParsedMessage, envelope_sender: str) -> str:
    """Why this message is a bounce (a delivery report); "" when it is not one."""
    if envelope_sender == "<>":
        return "empty envelope sender (MAIL FROM:<>), a bounce"
    if parsed.header("Return-Path").replace(" ", "") == "<>":
        return "empty Return-Path, a bounce"
    try:
        content_type = parsed.message.get_content_type()
    except Exception:  # noqa: BLE001
        content_type = ""
    if content_type == "multipart/report":
        return "a delivery or read report (multipart/report)"
    for address in (parsed.from_address, envelope_sender, *[a for _, a in _senders(parsed)]):
        if address and _local_part(address) in ROBOT_MAILBOXES:
            return f"sent by {address}, a mail system"
    return ""


def _senders(parsed: ParsedMessage) -> list[tuple[str, str]]:
    return addresses(parsed.message, "Sender")


def automatic_reason(parsed: ParsedMessage, envelope_sender: str) -> str:
    """Why this message must never be answered; "" when it may be."""
    auto = parsed.header("Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if parsed.header("X-Autoreply") or parsed.header("X-Autorespond"):
        return "an automatic reply (X-Autoreply)"
    bounce = bounce_reason(parsed, envelope_sender)
    if bounce:
        return bounce
    precedence = parsed.header("Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    if parsed.header("List-Id"):
        return "mailing-list traffic (List-Id)"
    if parsed.from_address in our_addresses():
        return "sent from one of our own addresses"
    return ""


def _over_budget(address: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    answered = (
        OutboundMail.objects.filter(kind__in=ANSWER_KINDS, recipient=address, created_at__gte=since)
        .exclude(state=OutboundMail.State.SUPPRESSED).count()
    )
    return answered >= settings.INTAKE_ANSWERS_PER_SENDER_PER_HOUR


def _queue(*, inbound: InboundMessage, kind: MailKind, context: dict) -> OutboundMail:
    recipient = inbound.from_address
    suppress = [recipient] if _over_budget(recipient) else []
    edition = inbound.edition
    [row] = mail_queue(kind=kind, object_key=inbound.object_key, recipients=[recipient],
                       context={"inbound": inbound, "edition": edition, **context},
                       reply_to=(edition.submission_email if edition else ""), suppress=suppress)
    if row.state == OutboundMail.State.SUPPRESSED:
        OutboundMail.objects.filter(pk=row.pk).update(last_error=(
            f"Not sent: more than {settings.INTAKE_ANSWERS_PER_SENDER_PER_HOUR} answers to this address in the "
            "last hour (mail-loop guard)."
        ))
    return row


def refusal_queue(*, inbound: InboundMessage, reason: str) -> OutboundMail:
    """Tell the sender why the message did not become a paper, and what to do."""
    return _queue(inbound=inbound, kind=REFUSAL, context={"reason": reason})


def confirmation_queue(*, inbound: InboundMessage, key: str, title: str, deadline) -> OutboundMail:
    """Ask the sender to prove the address: a link to press, or a reply to this very mail."""
    url = settings.SITE_URL + reverse("intake:confirm", kwargs={"key": key})
    return _queue(inbound=inbound, kind=CONFIRM, context={"url": url, "title": title, "deadline": deadline,
                           "days": settings.INTAKE_PENDING_DAYS})
