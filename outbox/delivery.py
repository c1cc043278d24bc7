"""Delivering outbox rows: a batch of them is claimed at once and sent over one connection, each marked as it goes.

The rules that keep every mail exactly once (or visibly UNCERTAIN) live here:

- ``mail_send_batch`` claims the QUEUED rows among the ids it was handed in one conditional UPDATE (SENDING, a new
  claim token), then sends them in id order, one after the other. Each one's outcome is one UPDATE that matches only
  while the claim is still intact; the next mail's DATA waits for it (``outbox.marks``: the commit runs while the
  next MAIL FROM and RCPT TO go out). So the mail that may be delivering is always the lowest id of its claim
  still SENDING.
- ``judge_stale_claims`` (run by the beat's sweep) takes claims older than SENDING_TIMEOUT, whose worker must have
  died: that lowest row may have gone out (UNCERTAIN, resent only by an organizer); the rows after it were never
  started and go back to the queue. A worker still alive finds its claim judged at its next UPDATE and stops.
- A refused mail (451, 550) or an unreachable server is recorded per mail: a transient failure waits for a retry
  with backoff, without failing the other mails of the batch.
"""
import datetime
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from personal_site import durable

from .marks import SentMarks
from .models import OutboundMail
from .smtp_session import CannotConnect, MailSession, MaybeDelivered, build_message, describe, is_transient

log = logging.getLogger(__name__)
State = OutboundMail.State
BATCH_TASK = "outbox.send_batch"  # a list of mail ids, delivered over one connection
SEND_TASK = "outbox.send"  # one id: messages published before batches existed still deliver

# Retry a transient failure after 1, 2, 4 … minutes, at most 30 minutes apart: always far below
# the broker's visibility timeout, so a waiting retry is never redelivered as a duplicate.
MAX_ATTEMPTS = 8
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
# A batch starts no new mail after this long (the rest goes back to the queue): far below SENDING_TIMEOUT, so the
# sweep judges a claim only when its worker, if alive, has long stopped starting mails.
BATCH_TIME_LIMIT = datetime.timedelta(minutes=2)


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 1800))


def batch_size() -> int:
    return settings.OUTBOX_BATCH_SIZE


@dataclass
class BatchOutcome:
    states: dict[int, str] = field(default_factory=dict)  # the new state of each mail this batch took
    left: list[int] = field(default_factory=list)  # ids not taken (beyond the batch size, or out of time)

    @property
    def deferred(self) -> list[int]:
        return [pk for pk, state in self.states.items() if state == State.QUEUED]


def _claim_batch(mail_ids: list[int], token: uuid.UUID) -> list[OutboundMail]:
    """Flip the QUEUED rows among ``mail_ids`` to SENDING under one new claim token, in one conditional UPDATE.

    Rows another claimer is taking at this moment are skipped (PostgreSQL: SKIP LOCKED), never waited for; a
    row is in at most one claim. The rows come back in id order, the order they are sent in.
    """
    chosen = OutboundMail.objects.filter(pk__in=mail_ids, state=State.QUEUED).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        chosen = chosen.select_for_update(skip_locked=True)
    claimed = durable.claim(OutboundMail.objects.filter(pk__in=chosen.values("pk")), state=State.SENDING,
                            claim_token=token, sending_since=timezone.now(), attempts=F("attempts") + 1)
    return list(OutboundMail.objects.filter(claim_token=token).order_by("pk")) if claimed else []


def _finish(token: uuid.UUID, pks: list[int], **changes) -> bool:
    """Record the outcome of mails of this claim: one UPDATE, which matches only while the claim is still ours."""
    return OutboundMail.objects.filter(pk__in=pks, claim_token=token, state=State.SENDING).update(
        sending_since=None, **changes) == len(pks)


def _refused(token: uuid.UUID, mails: list[OutboundMail], exc: Exception) -> dict[int, str] | None:
    """The server refused these mails, or could not be reached: a retry later (transient) or FAILED."""
    error, now, states = describe(exc), timezone.now(), {}
    for attempts in sorted({mail.attempts for mail in mails}):  # the backoff depends on the attempts made
        pks = [mail.pk for mail in mails if mail.attempts == attempts]
        state = State.QUEUED if is_transient(exc) and attempts < MAX_ATTEMPTS else State.FAILED
        retry = {"next_attempt_at": now + backoff(attempts), "dispatched_at": now} if state == State.QUEUED else {}
        if not _finish(token, pks, state=state, last_error=error, **retry):
            return None
        states.update(dict.fromkeys(pks, state))
    for mail in mails:
        if states[mail.pk] == State.QUEUED:
            log.info("outbox: mail %s (%s) deferred after a transient error: %s", mail.pk, mail.kind, error)
        else:
            log.warning("outbox: mail %s (%s) failed for good: %s", mail.pk, mail.kind, error)
    return states


class _ClaimJudged(Exception):
    """The sweep judged this batch's claim (its worker looked dead): start nothing more."""


def _deliver_one(session: MailSession, token: uuid.UUID, mail: OutboundMail, marks: SentMarks) -> dict | None:
    """Send one mail of the batch and record its outcome (SENT: begun in ``marks``, confirmed by the next
    ``marks.finish()``); None when the sweep judged this claim meanwhile."""

    def previous_mail_recorded():  # before DATA: the mail before this one must be recorded SENT
        if marks.finish() is False:
            raise _ClaimJudged

    try:
        session.send(build_message(mail), before_data=previous_mail_recorded)
    except _ClaimJudged:
        return None
    except (CannotConnect, DatabaseError):  # a database error: the previous mail's mark is unknown, stop here
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        if marks.finish() is False:
            return None
        if not isinstance(exc, MaybeDelivered):
            return _refused(token, [mail], exc)
        log.warning("outbox: mail %s (%s) is uncertain: %s", mail.pk, mail.kind, exc)
        return {mail.pk: State.UNCERTAIN} if _finish(
            token, [mail.pk], state=State.UNCERTAIN,
            last_error=f"The connection broke while the mail was handed over ({exc}); it may or may not have "
                       "gone out. Resend it deliberately if needed.") else None
    marks.start(mail.pk)
    return {mail.pk: State.SENT}


def mail_send_batch(*, mail_ids: list[int]) -> BatchOutcome:
    """Send the QUEUED rows among ``mail_ids`` (the first OUTBOX_BATCH_SIZE ids) over one connection.

    Returns each taken mail's new state, and the ids left for another batch. Ids of rows that are not QUEUED
    (sent, being sent by another worker, failed…) are skipped: handing an id over twice never sends twice.
    """
    ids = list(dict.fromkeys(mail_ids))
    outcome = BatchOutcome(left=ids[batch_size():])
    token, by_id = uuid.uuid4(), {}

    def marked(pk: int, matched: bool) -> None:
        if matched:
            log.info("outbox: mail %s (%s, %s) sent", pk, by_id[pk].kind, by_id[pk].object_key)
        else:  # the sweep judged the claim meanwhile: the row is its (UNCERTAIN), not ours to call sent
            outcome.states.pop(pk, None)

    # Set up before the claim: a setup that fails (mail settings, the database) leaves the rows QUEUED, never
    # SENDING with nothing sent (which the sweep would have to call uncertain).
    session, marks = MailSession(), SentMarks(token, marked)
    mails = _claim_batch(ids[:batch_size()], token)
    if not mails:
        return outcome
    by_id.update({mail.pk: mail for mail in mails})
    stop_at = time.monotonic() + BATCH_TIME_LIMIT.total_seconds()
    try:
        for position, mail in enumerate(mails):
            if time.monotonic() > stop_at:
                rest = [m.pk for m in mails[position:]]
                if marks.finish() is not False and _finish(token, rest, state=State.QUEUED,
                                                           attempts=F("attempts") - 1, dispatched_at=None):
                    outcome.left += rest
                break
            try:
                states = _deliver_one(session, token, mail, marks)
            except CannotConnect as exc:  # nothing more can go now: this mail and the rest wait (or fail)
                if marks.finish() is not False:
                    outcome.states.update(_refused(token, mails[position:], exc.__cause__ or exc) or {})
                break
            if states is None:
                log.warning("outbox: batch %s was judged by the sweep while it was sending; it stops", token)
                break
            outcome.states.update(states)
        marks.finish()
    finally:
        try:
            marks.finish()  # after an error: never leave an answer unread on the connection
        except Exception:  # noqa: BLE001 - the error already on its way matters more; the sweep judges the row
            log.warning("outbox: the SENT mark of batch %s could not be read", token, exc_info=True)
        session.close()
    return outcome


def mail_send(*, mail_id: int) -> str:
    """Send one row if it is QUEUED. Returns the row's new state; 'skipped' when it was not queued."""
    return mail_send_batch(mail_ids=[mail_id]).states.get(mail_id, "skipped")


def hand_over_rest(outcome: BatchOutcome) -> None:
    """After a batch: hand over again what it did not take, and the deferred mails for when their retry is due."""
    for chunk in durable.chunked(outcome.left, batch_size()):
        durable.enqueue(BATCH_TASK, chunk)
    retry_when_due(outcome.deferred)


def retry_when_due(mail_ids: list[int]) -> None:
    """Hand deferred rows over again for their next attempt (the sweep would too): those with as many attempts
    made (the same backoff) together, when the last of them is due."""
    due: dict[int, list] = {}
    for pk, attempts, at in OutboundMail.objects.filter(pk__in=mail_ids, state=State.QUEUED).values_list(
            "pk", "attempts", "next_attempt_at"):
        due.setdefault(attempts, []).append((at, pk))
    for rows in due.values():
        for chunk in durable.chunked(sorted(rows), batch_size()):
            durable.enqueue(BATCH_TASK, [pk for _, pk in chunk], eta=max(at for at, _ in chunk))


def judge_stale_claims(now: datetime.datetime) -> tuple[int, int]:
    """Claims whose worker vanished: the lowest row of each still SENDING becomes UNCERTAIN, the rows after it
    (never started) go back to the queue. Returns (uncertain, released)."""
    stale = OutboundMail.objects.filter(state=State.SENDING, sending_since__lt=now - SENDING_TIMEOUT)
    with transaction.atomic():  # the rows stay locked: a live worker's next UPDATE waits, then finds the judgement
        rows = list(stale.select_for_update().order_by("pk").values_list("pk", "claim_token"))
        first: dict = {}
        for pk, token in rows:
            first.setdefault(token or pk, pk)  # rows claimed one by one, before batches, are each their own
        in_flight = set(first.values())
        uncertain = stale.filter(pk__in=in_flight).update(
            state=State.UNCERTAIN, last_error="The worker stopped while sending; the mail may or may not have "
                                              "gone out. Resend it deliberately.")
        released = stale.filter(pk__in=[pk for pk, _ in rows if pk not in in_flight]).update(
            state=State.QUEUED, sending_since=None, dispatched_at=None, attempts=F("attempts") - 1,
            last_error="Sending was interrupted before this mail went out; it is sent again automatically.")
    if uncertain or released:
        log.warning("outbox: %s mail(s) of vanished workers are uncertain, %s never started are queued again",
                    uncertain, released)
    return uncertain, released
