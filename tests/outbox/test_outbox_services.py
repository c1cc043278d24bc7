"""The outbox's services, one at a time: queueing, the claim, transient and permanent SMTP failures, the sweep.

No broker here: the task's ``delay``/``apply_async`` are replaced by a recorder (``dispatched``), and the tests call
``mail_send`` themselves. SMTP behaviour is checked against a real SMTP server (``smtp_backend``).
"""
import datetime
import smtplib

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox import services, tasks
from outbox.models import OutboundMail
from outbox.services import mail_queue, mail_resend, mail_send, outbox_sweep
from tests.support.handoffs import broker_refuses, record_handoffs

State = OutboundMail.State


@pytest.fixture
def handoffs(monkeypatch):
    return record_handoffs(monkeypatch)


@pytest.fixture
def dispatched(handoffs):
    """Mail ids handed to the broker for the batch send task, in order (recorded only)."""
    return handoffs["outbox.send_batch"]


def queue(recipients, *, object_key="submission-event:1", kind="receipt", **kwargs):
    return mail_queue(kind=kind, object_key=object_key, recipients=recipients,
                      subject=kwargs.pop("subject", "We received your paper"), body=kwargs.pop("body", "Thanks."),
                      **kwargs)


# --- mail_queue ------------------------------------------------------------------------------------------------


def test_mail_queue_writes_one_row_per_recipient(db, dispatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = queue(["Ada@Example.org", "bob@example.org", " ada@example.org ", "", "  "])

    assert [row.recipient for row in rows] == ["ada@example.org", "bob@example.org"]
    assert OutboundMail.objects.count() == 2
    assert {row.state for row in OutboundMail.objects.all()} == {State.QUEUED}
    assert dispatched == [row.pk for row in rows]


def test_mail_queue_twice_creates_and_sends_nothing_more(db, dispatched, django_capture_on_commit_callbacks,
                                                         smtp_backend):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(["ada@example.org", "bob@example.org"])
    for mail_id in dispatched:
        assert mail_send(mail_id=mail_id) == State.SENT

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = queue(["ada@example.org", "bob@example.org", "carol@example.org"])

    assert [row.pk for row in second[:2]] == [row.pk for row in first]
    assert OutboundMail.objects.count() == 3
    assert len(callbacks) == 1  # carol only
    assert dispatched == [first[0].pk, first[1].pk, second[2].pk]
    assert [m.envelope_rcpt for m in smtp_backend.messages] == [["ada@example.org"], ["bob@example.org"]]


def test_the_database_refuses_a_second_row_for_one_object_kind_and_recipient(db):
    queue(["ada@example.org"])
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMail.objects.create(kind="receipt", object_key="submission-event:1", recipient="ada@example.org",
                                    subject="again", body="again")
    # Other kinds, objects and recipients are separate mails.
    queue(["ada@example.org"], kind="decision")
    queue(["ada@example.org"], object_key="submission-event:2")
    assert OutboundMail.objects.count() == 3


def test_suppressed_recipients_get_a_suppressed_row_never_sent(db, dispatched, django_capture_on_commit_callbacks,
                                                              mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        rows = queue(["ada@example.org", "Mallory@example.org"], suppress=["mallory@EXAMPLE.org"])

    ada, mallory = rows
    assert (ada.state, mallory.state) == (State.QUEUED, State.SUPPRESSED)
    assert "Not sent" in mallory.last_error
    assert dispatched == [ada.pk]
    assert mail_send(mail_id=mallory.pk) == "skipped"
    assert outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))["dispatched"] == 1  # ada's, not mallory's
    assert dispatched == [ada.pk, ada.pk]
    assert mailoutbox == []
    mallory.refresh_from_db()
    assert (mallory.state, mallory.attempts) == (State.SUPPRESSED, 0)


def test_rows_are_dispatched_only_after_commit_in_one_hand_over(db, handoffs, dispatched,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = queue(["ada@example.org", "bob@example.org"])
        rows += queue(["carol@example.org"], kind="decision")
        assert dispatched == []
    assert len(callbacks) == 1  # every mail of the transaction: one hand-over
    assert all(row.dispatched_at is None for row in OutboundMail.objects.all())

    for callback in callbacks:
        callback()
    assert handoffs.batches["outbox.send_batch"] == [[row.pk for row in rows]]
    assert all(row.dispatched_at is not None for row in OutboundMail.objects.all())


def test_a_rolled_back_transaction_leaves_no_row_and_dispatches_nothing(transactional_db, dispatched):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(["ada@example.org"])
        raise RuntimeError("the submission failed to save")
    assert OutboundMail.objects.count() == 0
    assert dispatched == []

    with transaction.atomic():
        [row] = queue(["ada@example.org"])
        assert dispatched == []  # still inside the transaction: a worker could not see the row yet
    assert dispatched == [row.pk]


# --- mail_send -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.SENDING, State.SENT, State.FAILED, State.UNCERTAIN, State.BOUNCED])
def test_mail_send_sends_only_from_queued(db, dispatched, mailoutbox, state):
    [row] = queue(["ada@example.org"])
    OutboundMail.objects.filter(pk=row.pk).update(state=state)

    assert mail_send(mail_id=row.pk) == "skipped"

    row.refresh_from_db()
    assert (row.state, row.attempts) == (state, 0)
    assert mailoutbox == []


def test_mail_send_sends_a_queued_row_once_with_the_token_in_the_message_id(db, dispatched, smtp_backend):
    [row] = queue(["ada@example.org"], reply_to="chairs@example.org")

    assert mail_send(mail_id=row.pk) == State.SENT
    assert mail_send(mail_id=row.pk) == "skipped"

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error, row.sending_since) == (State.SENT, 1, "", None)
    assert row.sent_at is not None
    [message] = smtp_backend.messages
    assert message["Message-ID"] == f"<{row.token}@personal.example.org>" == row.message_id
    assert message.envelope_rcpt == ["ada@example.org"]
    assert message["Reply-To"] == "chairs@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Outbox-Kind"] == "receipt"
    assert message["Subject"] == "We received your paper"


def test_a_transient_451_leaves_the_row_queued_for_later(db, dispatched, smtp_backend):
    [row] = queue(["ada@example.org"])
    smtp_backend.fail_next(1)
    before = timezone.now()

    assert mail_send(mail_id=row.pk) == State.QUEUED

    row.refresh_from_db()
    assert (row.state, row.attempts, row.sending_since) == (State.QUEUED, 1, None)
    assert "451" in row.last_error
    assert row.next_attempt_at >= before + services.backoff(1)
    assert smtp_backend.messages == []
    # Once the server is back, the next attempt delivers it.
    assert mail_send(mail_id=row.pk) == State.SENT
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 2, "")
    assert len(smtp_backend.messages) == 1


def test_the_send_task_schedules_its_retry_when_the_row_is_due(db, dispatched, smtp_backend):
    [row] = queue(["ada@example.org"])
    smtp_backend.refuse(True)

    assert tasks.send_outbound_mail(row.pk) == State.QUEUED

    assert dispatched == [row.pk]  # apply_async(..., eta=next_attempt_at)


def test_an_unreachable_server_is_transient(db, dispatched, settings):
    from tests.support.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    [row] = queue(["ada@example.org"])

    assert mail_send(mail_id=row.pk) == State.QUEUED
    row.refresh_from_db()
    assert "ConnectionRefusedError" in row.last_error


def test_transient_failures_give_up_after_max_attempts(db, dispatched, smtp_backend):
    [row] = queue(["ada@example.org"])
    OutboundMail.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    smtp_backend.refuse(True)

    assert mail_send(mail_id=row.pk) == State.FAILED

    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.FAILED, services.MAX_ATTEMPTS)
    assert "451" in row.last_error


def test_a_550_fails_the_row_for_good_with_the_servers_answer(db, dispatched, smtp_backend):
    [row] = queue(["nobody@example.org"])
    smtp_backend.reject_recipient("nobody@example.org")

    assert mail_send(mail_id=row.pk) == State.FAILED

    row.refresh_from_db()
    assert row.state == State.FAILED
    assert row.last_error == (
        "nobody@example.org: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown")
    assert smtp_backend.messages == []
    assert mail_send(mail_id=row.pk) == "skipped"
    assert outbox_sweep(now=timezone.now() + datetime.timedelta(hours=2))["dispatched"] == 0


def test_permanent_and_transient_smtp_errors_are_told_apart():
    assert services.is_transient(smtplib.SMTPDataError(451, b"try later"))
    assert services.is_transient(smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"mailbox busy")}))
    assert services.is_transient(ConnectionRefusedError())
    assert not services.is_transient(smtplib.SMTPDataError(554, b"rejected"))
    assert not services.is_transient(smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}))
    assert not services.is_transient(smtplib.SMTPRecipientsRefused(
        {"a@example.org": (450, b"busy"), "b@example.org": (550, b"no such user")}))


# --- outbox_sweep ----------------------------------------------------------------------------------------------


def test_the_sweep_marks_stale_sending_rows_uncertain_and_never_resends_them(db, dispatched, mailoutbox):
    now = timezone.now()
    stale, fresh = queue(["stale@example.org", "fresh@example.org"])
    OutboundMail.objects.filter(pk=stale.pk).update(state=State.SENDING, attempts=1,
                                                    sending_since=now - datetime.timedelta(minutes=11))
    OutboundMail.objects.filter(pk=fresh.pk).update(state=State.SENDING, attempts=1,
                                                    sending_since=now - datetime.timedelta(minutes=5))

    assert outbox_sweep(now=now) == {"uncertain": 1, "released": 0, "dispatched": 0}

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == (State.UNCERTAIN, State.SENDING)
    assert "may or may not have gone out" in stale.last_error
    assert dispatched == []
    # Neither a later sweep nor a stray task message sends it again; only a deliberate resend does.
    later = now + datetime.timedelta(days=1)
    assert outbox_sweep(now=later) == {"uncertain": 1, "released": 0, "dispatched": 0}  # fresh's turn
    assert mail_send(mail_id=stale.pk) == "skipped"
    assert dispatched == [] and mailoutbox == []


def test_the_sweep_redispatches_queued_rows_that_are_due(db, dispatched):
    now = timezone.now()
    never, lost, backing_off, due, recent = queue(
        ["never@example.org", "lost@example.org", "backing-off@example.org", "due@example.org", "recent@example.org"])
    minutes = datetime.timedelta(minutes=1)
    OutboundMail.objects.filter(pk=lost.pk).update(dispatched_at=now - 3 * minutes)
    OutboundMail.objects.filter(pk=backing_off.pk).update(dispatched_at=now - 3 * minutes,
                                                          next_attempt_at=now + minutes)
    OutboundMail.objects.filter(pk=due.pk).update(dispatched_at=now - 3 * minutes, next_attempt_at=now - minutes)
    OutboundMail.objects.filter(pk=recent.pk).update(dispatched_at=now - minutes)

    assert outbox_sweep(now=now) == {"uncertain": 0, "released": 0, "dispatched": 3}

    assert sorted(dispatched) == sorted([never.pk, lost.pk, due.pk])
    assert set(OutboundMail.objects.filter(dispatched_at=now).values_list("pk", flat=True)) == set(dispatched)
    assert outbox_sweep(now=now)["dispatched"] == 0  # just handed over: not again for two minutes


# --- mail_resend -----------------------------------------------------------------------------------------------


def test_mail_resend_creates_a_new_row_marked_as_a_resend(db, dispatched, django_capture_on_commit_callbacks,
                                                         django_user_model, smtp_backend):
    organizer = django_user_model.objects.create_user(username="chair", email="chair@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # queued and handed over in an earlier transaction
        [original] = queue(["ada@example.org"], reply_to="chairs@example.org")
    OutboundMail.objects.filter(pk=original.pk).update(state=State.UNCERTAIN)
    dispatched.clear()

    with django_capture_on_commit_callbacks(execute=True):
        resend = mail_resend(mail=original, by=organizer)

    assert resend.pk != original.pk and resend.token != original.token
    assert (resend.resend_of, resend.triggered_by, resend.state) == (original, organizer, State.QUEUED)
    assert (resend.kind, resend.object_key, resend.recipient, resend.subject, resend.body, resend.reply_to) == (
        original.kind, original.object_key, original.recipient, original.subject, original.body, original.reply_to)
    assert dispatched == [resend.pk]
    assert mail_send(mail_id=resend.pk) == State.SENT
    [message] = smtp_backend.messages
    assert message["Message-ID"] == resend.message_id
    original.refresh_from_db()
    assert original.state == State.UNCERTAIN
    assert list(original.resends.all()) == [resend]


# --- the claim under real concurrency --------------------------------------------------------------------------


def test_two_senders_racing_for_one_row_send_it_once(transactional_db, dispatched, smtp_backend):
    import threading

    from django.db import connections

    [row] = queue(["ada@example.org"])
    start = threading.Barrier(4)
    results = []

    def send():
        try:
            start.wait(5)
            results.append(mail_send(mail_id=row.pk))
        finally:
            connections.close_all()  # this thread's connection; the test database is dropped at the end

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [State.SENT, "skipped", "skipped", "skipped"]
    assert len(smtp_backend.messages) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 1)


def test_a_connection_lost_while_handing_over_the_mail_makes_it_uncertain_not_resent(db, dispatched, smtp_backend,
                                                                                     monkeypatch):
    """Once the message is on its way, a dropped connection leaves the outcome unknown: never retried."""
    [row] = queue(["ada@example.org"])

    def drop(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "data", drop)  # the message is being handed over when the line breaks
    assert mail_send(mail_id=row.pk) == State.UNCERTAIN
    row.refresh_from_db()
    assert row.state == State.UNCERTAIN and "may or may not have gone out" in row.last_error
    assert outbox_sweep()["dispatched"] == 0 and dispatched == []


def test_a_configuration_error_fails_at_once_instead_of_retrying(db, dispatched, settings, monkeypatch):
    import ssl

    [row] = queue(["ada@example.org"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    def bad_certificate(self):
        raise ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr("django.core.mail.backends.smtp.EmailBackend.open", bad_certificate)
    assert mail_send(mail_id=row.pk) == State.FAILED
    row.refresh_from_db()
    assert "certificate verify failed" in row.last_error and row.attempts == 1


def test_the_sweep_stops_quietly_when_the_broker_is_down(db, monkeypatch):
    rows = queue(["a@example.org", "b@example.org"])
    broker_refuses(monkeypatch)
    assert outbox_sweep() == {"uncertain": 0, "released": 0, "dispatched": 0}
    assert all(r.dispatched_at is None for r in OutboundMail.objects.filter(pk__in=[r.pk for r in rows]))
