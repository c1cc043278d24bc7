"""Confirming a pending paper: the sender proves the address by link or by reply; the paper then
becomes a submission, judged at its arrival time (the raw message is read again, the one record)."""
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from submissions.models import Submission

from . import messages
from .models import InboundMessage
from .paper import EmailedPaper, PaperProblem, emailed_paper, submission_from_email
from .parsing import parse_message
from .storing import read_raw
from .upkeep import pending_expire
from .verification import confirm_key_hash

log = logging.getLogger(__name__)
Status = InboundMessage.Status


@dataclass
class Confirmation:
    inbound: InboundMessage | None
    submission: Submission | None = None
    problem: str = ""


def pending_for_key(key: str) -> InboundMessage | None:
    if not key:
        return None
    return (InboundMessage.objects.filter(confirm_key_hash=confirm_key_hash(key))
            .select_related("edition", "submission").first())


def _not_confirmable(inbound: InboundMessage, at: datetime.datetime) -> str:
    if inbound.status == Status.ACCEPTED and inbound.submission_id:
        return messages.ALREADY_CONFIRMED.format(pk=inbound.submission_id)
    if inbound.status == Status.EXPIRED or (inbound.status == Status.PENDING and inbound.expires_at
                                            and inbound.expires_at < at):
        return messages.EXPIRED.format(when=f"{inbound.expires_at:%B %-d, %Y, %H:%M}")
    if inbound.status != Status.PENDING:
        return messages.NOT_PENDING
    return ""


def pending_confirm(*, inbound_id: int, via: str, at: datetime.datetime, confirmer: str = "") -> Confirmation:
    """The sender proved the address: the pending paper becomes a submission, judged at its arrival time.

    ``confirmer`` (a reply's sender) must be the pending message's sender. Confirming after the
    deadline is fine: the paper arrived on time.
    """
    inbound = InboundMessage.objects.select_related("edition").get(pk=inbound_id)
    if confirmer and confirmer != inbound.from_address:
        return Confirmation(inbound, problem=messages.NOT_PENDING)
    problem = _not_confirmable(inbound, at)
    if problem:
        if inbound.status == Status.PENDING and inbound.expires_at and inbound.expires_at < at:
            pending_expire(now=at)
        return Confirmation(inbound, submission=inbound.submission, problem=problem)
    try:
        paper = _paper_again(inbound)
    except PaperProblem as problem:
        return Confirmation(inbound, problem=str(problem))
    with transaction.atomic():
        # No select_related here: PostgreSQL refuses to lock the nullable side of an outer join.
        locked = InboundMessage.objects.select_for_update().get(pk=inbound.pk)
        problem = _not_confirmable(locked, at)
        if problem:
            return Confirmation(locked, submission=locked.submission, problem=problem)
        locked.submission = submission_from_email(locked, paper)
        locked.status, locked.verified_by, locked.verified_at = Status.ACCEPTED, via, at
        locked.note = (locked.note + f" Confirmed by {InboundMessage.Verification(via).label.lower()}.").strip()[:500]
        locked.save()
    log.info("intake: message %s confirmed by %s: submission #%s", locked.pk, via, locked.submission_id)
    return Confirmation(locked, submission=locked.submission)


def _paper_again(inbound: InboundMessage) -> EmailedPaper:
    """The pending paper, read again from the stored raw message (the raw message is the one record)."""
    parsed = parse_message(read_raw(inbound), max_parts=settings.INTAKE_MAX_PARTS,
                           max_attachment_bytes=settings.INTAKE_MAX_ATTACHMENT_BYTES)
    paper = emailed_paper(parsed, edition=inbound.edition)
    if paper.pdf.result.sha256 != inbound.pdf_sha256:
        raise PaperProblem("The stored message no longer holds the PDF that was checked.")
    return paper


