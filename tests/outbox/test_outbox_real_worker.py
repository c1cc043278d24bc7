"""The outbox with a real Celery worker on Redis and a real SMTP server: exactly once, retries, a worker crash."""
import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from outbox import delivery
from outbox.models import OutboundMail
from outbox.services import SENDING_TIMEOUT, mail_queue, outbox_sweep
from tests.support.celery_worker import wait_until

pytestmark = pytest.mark.services

State = OutboundMail.State


def queue_batch(count, *, object_key="decisions:2020"):
    """Decision mails to ``count`` authors, queued in one transaction as the organizers' bulk action does."""
    with transaction.atomic():
        return mail_queue(kind="decision", object_key=object_key,
                          recipients=[f"author{i:02}@example.org" for i in range(count)],
                          subject="Your submission to PeRSonAl 2020", body="The program committee has decided.")


def states() -> Counter:
    return Counter(OutboundMail.objects.values_list("state", flat=True))


def assert_delivered_exactly_once(smtp, rows):
    message_ids = smtp.message_ids()
    assert len(message_ids) == len(set(message_ids)), "a mail was delivered twice"
    sent = OutboundMail.objects.filter(pk__in=[r.pk for r in rows], state=State.SENT)
    assert sorted(message_ids) == sorted(row.message_id for row in sent)


@pytest.fixture
def short_backoff(monkeypatch):
    """Retry after 0.2 s instead of minutes (reaches the in-thread worker only: same process)."""
    monkeypatch.setattr(delivery, "backoff", lambda attempts: datetime.timedelta(seconds=0.2))


def test_a_batch_is_delivered_exactly_once_after_commit(celery_worker_redis, smtp_backend, redis_broker):
    with transaction.atomic():
        rows = queue_batch(20)
        # Nothing reaches the broker before the commit: the worker could not see the rows yet.
        assert redis_broker.queue_length(celery_worker_redis.queue) == 0

    smtp_backend.wait_for(20)
    wait_until(lambda: states() == {State.SENT: 20}, message="all 20 rows sent")
    celery_worker_redis.wait_idle()
    smtp_backend.wait_quiet(0.3)
    assert smtp_backend.data_attempts == 20
    assert smtp_backend.connections() == 1  # one batch task, one SMTP connection
    assert_delivered_exactly_once(smtp_backend, rows)
    assert sorted(m.envelope_rcpt[0] for m in smtp_backend.messages) == sorted(r.recipient for r in rows)
    assert set(OutboundMail.objects.values_list("attempts", flat=True)) == {1}


def test_queueing_the_batch_again_sends_nothing_more(celery_worker_redis, smtp_backend):
    queue_batch(5)
    smtp_backend.wait_for(5)
    wait_until(lambda: states() == {State.SENT: 5}, message="all 5 rows sent")

    queue_batch(5)

    smtp_backend.wait_quiet(0.5)
    assert OutboundMail.objects.count() == 5
    assert len(smtp_backend.messages) == 5


def test_duplicate_task_messages_send_a_row_once(celery_worker_redis, smtp_backend, redis_broker):
    from outbox.tasks import send_mail_batch, send_outbound_mail

    [row] = queue_batch(1)
    for _ in range(3):  # a redelivered message, a sweep racing the first dispatch…
        send_mail_batch.delay([row.pk])
    send_outbound_mail.delay(row.pk)  # and one published by the release before batches

    smtp_backend.wait_for(1)
    wait_until(lambda: redis_broker.queue_length(celery_worker_redis.queue) == 0, message="every message taken")
    celery_worker_redis.wait_idle()
    smtp_backend.wait_quiet(0.3)
    assert len(smtp_backend.messages) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 1)


def test_transient_refusals_are_retried_and_delivered_once(celery_worker_redis, smtp_backend, short_backoff):
    smtp_backend.fail_next(3)

    rows = queue_batch(6)

    wait_until(lambda: states() == {State.SENT: 6}, message="all 6 rows sent after retries")
    celery_worker_redis.wait_idle()
    smtp_backend.wait_quiet(0.3)
    assert smtp_backend.temporary_failures == 3
    assert smtp_backend.data_attempts == 9
    assert_delivered_exactly_once(smtp_backend, rows)
    assert sorted(OutboundMail.objects.values_list("attempts", flat=True)) == [1, 1, 1, 2, 2, 2]


def test_an_outage_is_ridden_out(celery_worker_redis, smtp_backend, short_backoff):
    smtp_backend.refuse(True)
    rows = queue_batch(5)
    wait_until(lambda: smtp_backend.temporary_failures >= 10, message="every mail refused at least once")
    assert State.SENT not in states()

    smtp_backend.refuse(False)

    wait_until(lambda: states() == {State.SENT: 5}, message="all 5 rows sent after the outage")
    celery_worker_redis.wait_idle()
    assert_delivered_exactly_once(smtp_backend, rows)
    assert all(row.attempts >= 2 for row in OutboundMail.objects.all())


def test_a_worker_killed_mid_batch_never_sends_twice(celery_worker_process, smtp_backend, redis_broker, settings):
    worker, smtp = celery_worker_process, smtp_backend
    settings.OUTBOX_BATCH_SIZE = 8  # the 20 mails are handed over as three batches: 8, 8 and 4
    smtp.hold_next(after=5)  # the sixth mail hangs in the SMTP conversation: that is where the worker dies

    rows = queue_batch(20)
    smtp.wait_until_held(timeout=20)
    killed_at = timezone.now()
    worker.kill()
    wait_until(lambda: smtp.abandoned == 1, timeout=5, message="the server noticed the dead client")
    smtp.release()

    # The first batch: five sent, the sixth in the conversation, the last two never started.
    assert states() == {State.SENT: 5, State.SENDING: 3, State.QUEUED: 12}
    in_flight, *unstarted = OutboundMail.objects.filter(state=State.SENDING).order_by("pk")
    assert in_flight.pk == rows[5].pk and [r.pk for r in unstarted] == [rows[6].pk, rows[7].pk]
    # And Redis lost the second batch's message (restarted without persistence): only the sweep can find it.
    assert redis_broker.lose_messages(worker.queue, 1) == 1

    worker.start()
    wait_until(lambda: states()[State.SENT] == 9 and redis_broker.queue_length(worker.queue) == 0,
               message="the restarted worker sent the third batch, still in the queue")
    assert states() == {State.SENT: 9, State.SENDING: 3, State.QUEUED: 8}

    # Ten minutes after the crash, the beat's sweep runs: the interrupted mail is uncertain, the two the dead
    # worker never started go back to the queue, and they are handed over with the eight Redis lost.
    assert outbox_sweep(now=killed_at + SENDING_TIMEOUT) == {"uncertain": 1, "released": 2, "dispatched": 10}

    wait_until(lambda: states() == {State.SENT: 19, State.UNCERTAIN: 1}, message="every row sent or uncertain")
    smtp.wait_quiet(0.5)
    in_flight.refresh_from_db()
    assert in_flight.state == State.UNCERTAIN
    assert in_flight.message_id not in smtp.message_ids()  # the interrupted mail never went out, and is not resent
    assert len(smtp.messages) == OutboundMail.objects.filter(state=State.SENT).count() == 19
    assert_delivered_exactly_once(smtp, rows)
    assert outbox_sweep(now=killed_at + 2 * SENDING_TIMEOUT) == {"uncertain": 0, "released": 0, "dispatched": 0}
