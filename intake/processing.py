"""Processing a stored message exactly once, and what follows: confirmation, expiry, re-processing, the sweep.

States of an InboundMessage::

    RECEIVED --process--> IGNORED     not an email, or automatic mail (never answered)
                      |-> DUPLICATE   same Message-ID as an earlier message (never answered)
                      |-> REFUSED     answered with what is wrong and what to do
                      |-> PENDING     a good paper from an unproven sender: confirmation mailed
                      |                  --link or reply--> ACCEPTED   (a submission, judged at arrival)
                      |                  --days pass-----> EXPIRED
                      |-> ACCEPTED    a submission created or changed (receipt mailed), or a reply that
                      |               confirmed a pending message
                      '-> FAILED      processing kept crashing (INTAKE_MAX_ATTEMPTS); re-process it

The slow part (reading, parsing, the PDF check) runs outside any transaction; the outcome is then
applied under a row lock, only if the message is still RECEIVED, together with its answer (an
outbox row) and any submission, so a repeated task or a worker killed half-way changes nothing twice.
"""
import datetime
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from intake.models import InboundMessage
from outbox.models import OutboundMail
from outbox.services import mail_mark_bounced
from program.deadlines import SUBMISSION, closed_message, is_open
from program.models import Edition
from submissions.extensions import deadline_for
from submissions.models import Submission, SubmissionEvent
from submissions.services.authoring import submission_update
from submissions.services.errors import SubmissionError

from . import answers, messages
from .accounts import account_for_address
from .confirmation import pending_confirm
from .paper import EmailedPaper, PaperProblem, attached_pdf, checked_pdf, emailed_paper, submission_from_email
from .parsing import NotAnEmail, ParsedMessage, parse_headers_only, parse_message
from .routing import edition_for
from .storing import read_raw
from .verification import dmarc_result, new_confirm_key, our_mail_domain, replied_mail

log = logging.getLogger(__name__)
Status = InboundMessage.Status
Verification = InboundMessage.Verification


@dataclass
class Outcome:
    status: str
    error: str = ""  # told to the sender (REFUSED) or why nothing was answered (IGNORED, DUPLICATE)
    note: str = ""
    edition: Edition | None = None
    paper: EmailedPaper | None = None
    verified_by: str = ""
    duplicate_of: InboundMessage | None = None
    confirms: InboundMessage | None = None  # a pending message this reply confirms
    replaces: Submission | None = None  # a submission whose PDF this reply replaces
    bounced_ids: tuple[str, ...] = ()


def _refused(reason: str, edition: Edition | None = None, note: str = "") -> Outcome:
    return Outcome(Status.REFUSED, error=reason, edition=edition, note=note)


# --- deciding (no writes) -------------------------------------------------------------------------


def _decide(inbound: InboundMessage) -> Outcome:
    if inbound.message_id and not inbound.reprocessed:
        earlier = (InboundMessage.objects.filter(message_id=inbound.message_id, pk__lt=inbound.pk)
                   .order_by("pk").first())
        if earlier is not None:
            return Outcome(Status.DUPLICATE, duplicate_of=earlier,
                           error=f"Same Message-ID as message #{earlier.pk}; not processed or answered again.")
    raw = read_raw(inbound)
    if inbound.truncated:
        parsed = parse_headers_only(raw)
        return _silence(parsed, inbound, raw) or _refused(
            messages.message_too_large(inbound.size, settings.INTAKE_MAX_MESSAGE_BYTES))
    try:
        parsed = parse_message(raw, max_parts=settings.INTAKE_MAX_PARTS,
                               max_attachment_bytes=settings.INTAKE_MAX_ATTACHMENT_BYTES)
    except NotAnEmail as not_email:
        return Outcome(Status.IGNORED, error=f"Not an email message: {not_email} Nobody to answer.")
    except Exception as exc:  # noqa: BLE001 - a structure the parser chokes on (nesting bombs and the like)
        log.warning("intake: message %s could not be parsed: %r", inbound.pk, exc)
        parsed = parse_headers_only(raw)
        return _silence(parsed, inbound, raw) or _refused(messages.UNREADABLE, note=f"parser: {exc!r}"[:500])
    silence = _silence(parsed, inbound, raw)
    if silence:
        return silence
    if parsed.too_many_parts:
        return _refused(messages.TOO_MANY_PARTS)
    mail = replied_mail(parsed)
    if mail is not None:
        pending = _pending_answered_by(mail)
        if pending is not None:
            return Outcome(Status.ACCEPTED, confirms=pending, verified_by=Verification.REPLY, edition=pending.edition,
                           note=f"A reply to the confirmation request of message #{pending.pk}.")
        submission = _submission_answered_by(mail)
        if submission is not None:
            return _replacement(parsed, inbound, submission)
    return _new_paper(parsed, inbound, proven_by_reply=mail is not None)


def _silence(parsed: ParsedMessage, inbound: InboundMessage, raw: bytes) -> Outcome | None:
    """IGNORED when the message must not be answered (nobody to answer, or automatic mail)."""
    if not parsed.from_address:
        return Outcome(Status.IGNORED, error="No single readable From address: nobody to answer.")
    reason = answers.automatic_reason(parsed, inbound.envelope_sender)
    if not reason:
        return None
    bounced = ()
    if answers.bounce_reason(parsed, inbound.envelope_sender):
        bounced = tuple(_our_message_ids(parsed, raw))
    return Outcome(Status.IGNORED, error=f"Not answered: {reason}.", bounced_ids=bounced)


def _our_message_ids(parsed: ParsedMessage, raw: bytes) -> list[str]:
    """Our own Message-IDs quoted in a bounce (its copy of the headers of the mail that bounced)."""
    domain = re.escape(our_mail_domain().encode())
    pattern = re.compile(rb"<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@" + domain + rb">",
                         re.IGNORECASE)
    texts, stack = [raw], [parsed.message]
    while stack and len(texts) < settings.INTAKE_MAX_PARTS:  # the parts, decoded (a report may be base64)
        part = stack.pop()
        try:
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(payload)
            else:
                texts.append(part.get_payload(decode=True) or b"")
        except Exception:  # noqa: BLE001 - an unreadable part holds nothing for us
            continue
    found = [m.decode() for text in texts for m in pattern.findall(text)]
    return list(dict.fromkeys(found))[:20]


def _inbound_of_answer(mail: OutboundMail) -> InboundMessage | None:
    if not mail.object_key.startswith("inbound:"):
        return None
    pk = mail.object_key.split(":")[1]
    return InboundMessage.objects.filter(pk=pk).first() if pk.isdigit() else None


def _pending_answered_by(mail: OutboundMail) -> InboundMessage | None:
    if mail.kind != answers.CONFIRM:
        return None
    return _inbound_of_answer(mail)


def _submission_answered_by(mail: OutboundMail) -> Submission | None:
    """The paper a mail of ours was about: a receipt's, or the one an answered message became."""
    if mail.object_key.startswith("submission-event:"):
        pk = mail.object_key.split(":", 1)[1]
        event = SubmissionEvent.objects.filter(pk=pk).select_related("submission").first() if pk.isdigit() else None
        return event.submission if event else None
    inbound = _inbound_of_answer(mail)
    return inbound.submission if inbound is not None else None


def _new_paper(parsed: ParsedMessage, inbound: InboundMessage, *, proven_by_reply: bool) -> Outcome:
    route = edition_for(recipients=parsed.recipients, envelope_recipient=inbound.envelope_recipient,
                        sender=parsed.from_address, at=inbound.received_at)
    if route.edition is None:
        return _refused(route.problem)
    edition = route.edition
    deadline = deadline_for(edition, SUBMISSION, author_emails=(parsed.from_address,))
    if not is_open(deadline, at=inbound.received_at):
        return _refused(messages.arrived_late(closed_message(deadline, "Submissions"), inbound.received_at), edition)
    try:
        paper = emailed_paper(parsed, edition=edition)
    except PaperProblem as problem:
        return _refused(str(problem), edition)
    dmarc = dmarc_result(parsed)
    note = f"DMARC result from our mail server: {dmarc}." if dmarc else ""
    if proven_by_reply:
        verified_by = Verification.REPLY
    elif dmarc == "pass":
        verified_by = Verification.DMARC
    else:
        verified_by = ""
    return Outcome(Status.ACCEPTED if verified_by else Status.PENDING, edition=edition, paper=paper,
                   verified_by=verified_by, note=note)


def _author_addresses(submission: Submission) -> set[str]:
    from personal_site.identity import verified_emails

    emails = {a.email.lower() for a in submission.authors.all()}
    return emails | set(verified_emails(submission.contact)) | {submission.contact.email.lower()}


def _replacement(parsed: ParsedMessage, inbound: InboundMessage, submission: Submission) -> Outcome:
    """A reply to one of our mails about a paper: its PDF replaces the paper's, if an author sent it in time."""
    edition = submission.edition
    if parsed.from_address not in _author_addresses(submission):
        return _refused(messages.NOT_AN_AUTHOR.format(pk=submission.pk, address=parsed.from_address), edition)
    if not any(a.looks_like_pdf for a in parsed.attachments):
        return _refused(messages.REPLY_WITHOUT_PDF.format(pk=submission.pk), edition)
    deadline = deadline_for(edition, submission=submission)
    if not is_open(deadline, at=inbound.received_at):
        return _refused(messages.arrived_late(closed_message(deadline, "Changes"), inbound.received_at), edition)
    try:
        pdf = checked_pdf(attached_pdf(parsed), edition=edition)
    except PaperProblem as problem:
        return _refused(str(problem), edition)
    return Outcome(Status.ACCEPTED, edition=edition, replaces=submission, verified_by=Verification.REPLY,
                   paper=EmailedPaper(details=None, pdf=pdf), note=f"Replaces the PDF of paper #{submission.pk}.")


# --- applying (one transaction, under the row lock) -----------------------------------------------


def inbound_process(*, inbound_id: int) -> str:
    """Process one stored message if it is still RECEIVED; returns its new status (or what it already was)."""
    inbound = InboundMessage.objects.filter(pk=inbound_id).select_related("edition").first()
    if inbound is None:
        return "missing"
    if inbound.status != Status.RECEIVED:
        return inbound.status
    InboundMessage.objects.filter(pk=inbound.pk).update(attempts=F("attempts") + 1)
    inbound.attempts += 1
    try:
        outcome = _decide(inbound)
        with transaction.atomic():
            locked = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
            if locked.status != Status.RECEIVED:
                return locked.status
            _apply(locked, outcome)
    except Exception as exc:
        log.exception("intake: processing message %s failed (attempt %s)", inbound.pk, inbound.attempts)
        give_up = inbound.attempts >= settings.INTAKE_MAX_ATTEMPTS
        InboundMessage.objects.filter(pk=inbound.pk, status=Status.RECEIVED).update(
            status=Status.FAILED if give_up else Status.RECEIVED,
            error=f"Processing error (attempt {inbound.attempts}): {type(exc).__name__}: {exc}"[:2000],
        )
        return Status.FAILED if give_up else "error"
    log.info("intake: message %s is %s %s", locked.pk, locked.status,
             f"(submission #{locked.submission_id})" if locked.submission_id else locked.error[:200])
    return locked.status


def _apply(inbound: InboundMessage, outcome: Outcome) -> None:
    inbound.status, inbound.error, inbound.note = outcome.status, outcome.error, outcome.note[:500]
    inbound.edition = outcome.edition or inbound.edition
    inbound.duplicate_of = outcome.duplicate_of
    inbound.processed_at = timezone.now()
    if outcome.paper is not None:
        version = outcome.paper.pdf
        inbound.pdf_name = version.original_name[:255]
        inbound.pdf_sha256 = version.result.sha256
        inbound.pdf_pages = version.result.page_count
    for message_id in outcome.bounced_ids:
        mail_mark_bounced(message_id=message_id, reason=f"Bounce received as inbound message #{inbound.pk}.")
    try:
        with transaction.atomic():
            _act(inbound, outcome)
    except SubmissionError as refusal:
        inbound.status, inbound.error, inbound.submission = Status.REFUSED, str(refusal), None
        inbound.verified_by, inbound.verified_at = "", None
    if inbound.status == Status.REFUSED:
        answers.refusal_queue(inbound=inbound, reason=inbound.error)
    inbound.save()


def _act(inbound: InboundMessage, outcome: Outcome) -> None:
    """The outcome's consequence: a submission created or changed, a pending one confirmed, a confirmation asked."""
    now = timezone.now()
    if outcome.confirms is not None:
        result = pending_confirm(inbound_id=outcome.confirms.pk, via=Verification.REPLY, at=now,
                                 confirmer=inbound.from_address)
        if result.problem and result.submission is None:
            raise SubmissionError(result.problem)
        if result.problem:  # confirmed already (the link, an earlier reply): its receipt went out then
            inbound.note = f"{inbound.note} {result.problem}".strip()[:500]
        inbound.submission, inbound.verified_by, inbound.verified_at = result.submission, outcome.verified_by, now
    elif outcome.replaces is not None:
        user = account_for_address(email=inbound.from_address, name=inbound.from_name)
        change = submission_update(submission=outcome.replaces, user=user, details=None, pdf=outcome.paper.pdf,
                                   submit=False, at=inbound.received_at)
        inbound.submission, inbound.verified_by, inbound.verified_at = change.submission, outcome.verified_by, now
    elif outcome.status == Status.ACCEPTED:
        inbound.submission = submission_from_email(inbound, outcome.paper)
        inbound.verified_by, inbound.verified_at = outcome.verified_by, now
    elif outcome.status == Status.PENDING:
        key, inbound.confirm_key_hash = new_confirm_key()
        inbound.expires_at = now + datetime.timedelta(days=settings.INTAKE_PENDING_DAYS)
        deadline = deadline_for(inbound.edition, SUBMISSION, author_emails=(inbound.from_address,))
        answers.confirmation_queue(inbound=inbound, key=key, title=outcome.paper.details.title, deadline=deadline)
