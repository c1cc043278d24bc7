"""Batches: many mails per send task over one SMTP connection, claimed at once, each marked as it goes.

Against a real SMTP server (aiosmtpd, ``smtp_backend``); the broker is replaced by a recorder (``handoffs``) and the
tests call the services as the task would.
"""
import datetime
import smtplib
import threading
from collections import Counter

import pytest
from django.db import connections, transaction
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboundMail
from outbox.services import SENDING_TIMEOUT, hand_over_rest, mail_queue, mail_send_batch, outbox_sweep
from tests.support.handoffs import broker_refuses, record_handoffs

State = OutboundMail.State
BATCH = "outbox.send_batch"


@pytest.fixture
def handoffs(monkeypatch):
    return record_handoffs(monkeypatch)


def queue(count, *, object_key="decisions:2020", prefix="author"):
    return mail_queue(kind="decision", object_key=object_key, recipients=[f"{prefix}{i:02}@example.org"
                                                                          for i in range(count)],
                      subject="Your submission to PeRSonAl 2020", body="The program committee has decided.")


def states(rows=None) -> Counter:
    found = OutboundMail.objects.all() if rows is None else OutboundMail.objects.filter(pk__in=[r.pk for r in rows])
    return Counter(found.values_list("state", flat=True))


def ids(rows):
    return [row.pk for row in rows]


def test_a_batch_goes_over_one_connection_and_each_mail_is_marked_sent(db, handoffs, smtp_backend):
    rows = queue(10)

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == dict.fromkeys(ids(rows), State.SENT) and outcome.left == []
    assert len(smtp_backend.messages) == 10 and smtp_backend.connections() == 1
    assert sorted(smtp_backend.message_ids()) == sorted(row.message_id for row in rows)
    assert set(OutboundMail.objects.values_list("state", "attempts", "sending_since")) == {(State.SENT, 1, None)}
    assert mail_send_batch(mail_ids=ids(rows)).states == {}  # handed over again: nothing is sent twice
    assert len(smtp_backend.messages) == 10


def test_the_mails_of_one_transaction_are_handed_over_in_batches_of_the_batch_size(
        transactional_db, handoffs, settings, smtp_backend):
    settings.OUTBOX_BATCH_SIZE = 3
    with transaction.atomic():
        rows = queue(7)
        assert handoffs == {}  # nothing before the commit

    assert handoffs.batches[BATCH] == [ids(rows)[:3], ids(rows)[3:6], ids(rows)[6:]]
    assert all(row.dispatched_at for row in OutboundMail.objects.all())
    # A worker given more ids than the batch size takes only that many, and hands the rest over again.
    outcome = mail_send_batch(mail_ids=ids(rows))
    assert list(outcome.states) == ids(rows)[:3] and outcome.left == ids(rows)[3:]
    assert len(smtp_backend.messages) == 3 and states() == {State.SENT: 3, State.QUEUED: 4}
    hand_over_rest(outcome)
    assert handoffs.batches[BATCH][3:] == [ids(rows)[3:6], ids(rows)[6:]]


def test_a_rolled_back_savepoint_takes_its_mails_out_of_the_hand_over(transactional_db, handoffs):
    with transaction.atomic():
        kept = queue(2)
        with pytest.raises(RuntimeError), transaction.atomic():
            queue(2, object_key="decisions:other")
            raise RuntimeError("that paper's decision failed")
        kept += queue(1, object_key="decisions:third")
    assert OutboundMail.objects.count() == 3
    assert handoffs.batches[BATCH] == [ids(kept)]  # one hand-over, without the rows that were rolled back


def test_one_refused_mail_waits_for_its_retry_and_the_others_go(db, handoffs, smtp_backend):
    rows = queue(5)
    greylisted = rows[2]
    smtp_backend.defer_recipient(greylisted.recipient)
    before = timezone.now()

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == {**dict.fromkeys(ids(rows), State.SENT), greylisted.pk: State.QUEUED}
    assert sorted(m.envelope_rcpt[0] for m in smtp_backend.messages) == sorted(
        row.recipient for row in rows if row != greylisted)
    assert smtp_backend.connections() == 1
    greylisted.refresh_from_db()
    assert (greylisted.state, greylisted.attempts, greylisted.sending_since) == (State.QUEUED, 1, None)
    assert "451 4.7.1" in greylisted.last_error
    assert greylisted.next_attempt_at >= before + delivery.backoff(1)
    # Its retry is handed over for when it is due, alone.
    hand_over_rest(outcome)
    assert handoffs.batches[BATCH] == [[greylisted.pk]] and handoffs.etas == [greylisted.next_attempt_at]
    smtp_backend.clear()
    assert mail_send_batch(mail_ids=[greylisted.pk]).states == {greylisted.pk: State.SENT}
    greylisted.refresh_from_db()
    assert (greylisted.state, greylisted.attempts, greylisted.last_error) == (State.SENT, 2, "")


def test_a_rejected_recipient_fails_alone(db, handoffs, smtp_backend):
    rows = queue(3)
    smtp_backend.reject_recipient(rows[0].recipient)

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert list(outcome.states.values()) == [State.FAILED, State.SENT, State.SENT]
    assert len(smtp_backend.messages) == 2 and smtp_backend.connections() == 1


def test_a_connection_the_server_closes_between_mails_is_opened_again(db, handoffs, smtp_backend):
    rows = queue(7)
    smtp_backend.close_after(3)  # a server's limit of messages per connection

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == dict.fromkeys(ids(rows), State.SENT)
    smtp_backend.wait_quiet(0.2)
    assert len(smtp_backend.messages) == 7 and smtp_backend.connections() == 3
    assert sorted(smtp_backend.message_ids()) == sorted(row.message_id for row in rows)


def test_a_connection_lost_during_data_makes_that_mail_uncertain_and_the_rest_goes_on_a_new_one(
        db, handoffs, smtp_backend, monkeypatch):
    rows = queue(5)
    real_data, calls = smtplib.SMTP.data, []

    def data(self, msg):
        calls.append(1)
        if len(calls) == 3:  # the third message is on its way when the line breaks
            self.close()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_data(self, msg)

    monkeypatch.setattr(smtplib.SMTP, "data", data)

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert list(outcome.states.values()) == [State.SENT, State.SENT, State.UNCERTAIN, State.SENT, State.SENT]
    assert len(smtp_backend.messages) == 4 and smtp_backend.connections() == 2
    assert rows[2].message_id not in smtp_backend.message_ids()
    assert outbox_sweep(now=timezone.now() + 2 * SENDING_TIMEOUT)["dispatched"] == 0  # never resent by itself


def test_an_unreachable_server_defers_the_whole_batch_at_once(db, handoffs, settings):
    from tests.support.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    rows = queue(4)

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == dict.fromkeys(ids(rows), State.QUEUED)
    assert {row.last_error.split(":")[0] for row in OutboundMail.objects.all()} == {"ConnectionRefusedError"}
    hand_over_rest(outcome)
    assert handoffs.batches[BATCH] == [ids(rows)]  # one retry for them all


def test_concurrent_claimers_never_share_a_row(transactional_db, handoffs, smtp_backend):
    """Four workers handed the same 40 ids (a sweep racing the first hand-over…): each mail goes exactly once."""
    rows = queue(40)
    start, results = threading.Barrier(4), []

    def worker():
        try:
            start.wait(5)
            results.append(mail_send_batch(mail_ids=ids(rows)).states)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    taken = [pk for states in results for pk in states]
    assert sorted(taken) == sorted(ids(rows))  # every row in exactly one claim
    assert len(smtp_backend.messages) == len(set(smtp_backend.message_ids())) == 40
    assert set(OutboundMail.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


def test_a_claim_skips_rows_another_claimer_holds_instead_of_waiting(transactional_db, handoffs, smtp_backend):
    from django.db import connection

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    rows = queue(6)
    locked, release = threading.Event(), threading.Event()

    def other_claimer():  # holds the first three rows locked, as a claim in progress does
        try:
            with transaction.atomic():
                list(OutboundMail.objects.filter(pk__in=ids(rows)[:3]).select_for_update())
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_claimer)
    thread.start()
    try:
        assert locked.wait(10)
        outcome = mail_send_batch(mail_ids=ids(rows))  # would block until release() without SKIP LOCKED
    finally:
        release.set()
        thread.join(10)
    assert list(outcome.states) == ids(rows)[3:]
    assert states() == {State.SENT: 3, State.QUEUED: 3}


def test_a_dead_workers_claim_is_judged_by_the_sweep(db, handoffs, smtp_backend, monkeypatch):
    """The worker died sending the third mail of five: that one is uncertain, the last two were never started."""
    rows = queue(5)
    claimed_at = timezone.now()
    real_send, sent = delivery.MailSession.send, []

    def send_then_die(self, message, before_data=None):
        if len(sent) == 2:
            raise SystemExit("SIGKILL")  # nothing after this line runs in a killed worker
        real_send(self, message, before_data)
        sent.append(message)

    monkeypatch.setattr(delivery.MailSession, "send", send_then_die)
    with pytest.raises(SystemExit):
        mail_send_batch(mail_ids=ids(rows))
    monkeypatch.setattr(delivery.MailSession, "send", real_send)
    assert states() == {State.SENT: 2, State.SENDING: 3}

    assert outbox_sweep(now=claimed_at + SENDING_TIMEOUT - datetime.timedelta(seconds=1)) == {
        "uncertain": 0, "released": 0, "dispatched": 0}  # not yet: the worker may be alive
    assert outbox_sweep(now=claimed_at + SENDING_TIMEOUT + datetime.timedelta(seconds=1)) == {
        "uncertain": 1, "released": 2, "dispatched": 2}
    assert handoffs.batches[BATCH] == [ids(rows)[3:]]
    released = OutboundMail.objects.filter(pk__in=ids(rows)[3:])
    assert {(r.state, r.attempts) for r in released} == {(State.QUEUED, 0)}

    assert mail_send_batch(mail_ids=handoffs[BATCH]).states == dict.fromkeys(ids(rows)[3:], State.SENT)
    assert states() == {State.SENT: 4, State.UNCERTAIN: 1}
    assert OutboundMail.objects.get(state=State.UNCERTAIN) == rows[2]
    assert len(smtp_backend.messages) == len(set(smtp_backend.message_ids())) == 4
    assert rows[2].message_id not in smtp_backend.message_ids()


def test_a_live_worker_whose_claim_was_judged_stops_at_once(db, handoffs, smtp_backend, monkeypatch):
    """A worker stalled past SENDING_TIMEOUT: the sweep judged its claim during its second mail. That mail is
    uncertain (it did go out, once); the worker starts none of the mails the sweep gave back to the queue."""
    rows = queue(4)
    real_send, sent = delivery.MailSession.send, []

    def send(self, message, before_data=None):
        real_send(self, message, before_data)
        sent.append(message)
        if len(sent) == 2:
            outbox_sweep(now=timezone.now() + SENDING_TIMEOUT + datetime.timedelta(minutes=1))

    monkeypatch.setattr(delivery.MailSession, "send", send)
    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == {rows[0].pk: State.SENT}
    assert len(smtp_backend.messages) == 2
    assert [OutboundMail.objects.get(pk=row.pk).state for row in rows] == [
        State.SENT, State.UNCERTAIN, State.QUEUED, State.QUEUED]
    assert handoffs.batches[BATCH] == [ids(rows)[2:]]  # the sweep handed the unstarted ones over


def test_a_batch_out_of_time_gives_its_unstarted_mails_back(db, handoffs, smtp_backend, monkeypatch):
    rows = queue(4)
    monkeypatch.setattr(delivery, "BATCH_TIME_LIMIT", datetime.timedelta(seconds=-1))

    outcome = mail_send_batch(mail_ids=ids(rows))

    assert outcome.states == {} and outcome.left == ids(rows)
    assert set(OutboundMail.objects.values_list("state", "attempts", "sending_since")) == {(State.QUEUED, 0, None)}
    assert smtp_backend.messages == []


def test_mails_the_broker_refused_after_commit_are_handed_over_by_the_sweep_in_batches(
        transactional_db, settings, monkeypatch):
    settings.OUTBOX_BATCH_SIZE = 4
    broker_refuses(monkeypatch)
    with transaction.atomic():
        rows = queue(10)
    assert all(row.dispatched_at is None for row in OutboundMail.objects.all())  # so the sweep takes them at once

    handoffs = record_handoffs(monkeypatch)
    assert outbox_sweep() == {"uncertain": 0, "released": 0, "dispatched": 10}
    assert handoffs.batches[BATCH] == [ids(rows)[:4], ids(rows)[4:8], ids(rows)[8:]]


def test_a_burst_is_queued_in_one_insert_and_a_racing_writer_keeps_its_rows(transactional_db, handoffs,
                                                                             django_assert_max_num_queries):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    # 200 rows: one SELECT and one INSERT; after the commit, one SELECT and one stamp per list of 50 handed over.
    with django_assert_max_num_queries(11), transaction.atomic():
        queue(200, object_key="decisions:burst")
    assert OutboundMail.objects.count() == 200
    handoffs.clear()

    first_wrote, results = threading.Event(), {}

    def first_writer():
        try:
            with transaction.atomic():
                results["first"] = ids(queue(3, object_key="decisions:race"))
                first_wrote.set()
                threading.Event().wait(0.5)  # the second writer runs into our rows meanwhile
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert first_wrote.wait(10)
    with transaction.atomic():  # sees none of them yet, then waits for the first writer's commit on the insert
        second = queue(4, object_key="decisions:race")
    thread.join(10)

    assert ids(second)[:3] == results["first"]  # the first writer's rows, unchanged
    assert OutboundMail.objects.filter(object_key="decisions:race").count() == 4
    assert sorted(handoffs[BATCH]) == sorted(results["first"] + ids(second)[3:])  # each row handed over once


def test_a_database_failure_recording_a_sent_mail_stops_the_batch_for_the_sweep_to_judge(
        db, handoffs, smtp_backend, monkeypatch):
    from django.db import DatabaseError

    from outbox.marks import SentMarks

    rows = queue(3)
    claimed_at = timezone.now()

    def unreachable(self, pk):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(SentMarks, "start", unreachable)
    with pytest.raises(DatabaseError):
        mail_send_batch(mail_ids=ids(rows))
    monkeypatch.undo()

    assert len(smtp_backend.messages) == 1  # the first went out; no other started without its record
    assert states() == {State.SENDING: 3}  # nothing called failed or sent on a guess
    later = claimed_at + SENDING_TIMEOUT + datetime.timedelta(seconds=1)
    assert outbox_sweep(now=later) == {"uncertain": 1, "released": 2, "dispatched": 2}
    assert OutboundMail.objects.get(state=State.UNCERTAIN) == rows[0]  # it did go out: never resent by itself
