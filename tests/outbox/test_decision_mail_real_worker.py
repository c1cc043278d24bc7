"""200 decision mails through a real worker process on Redis and a real SMTP server, while things break.

One release of 200 staged decisions (20 accepted, 180 rejected: 200 decision mails, plus 20 "presenter info" mails
for the accepted papers' talks), sent by a real ``celery worker`` process on Redis to aiosmtpd, while:

(a) the SMTP server answers ``451`` to the first 40 delivery attempts (an outage): those mails wait for a retry;
(b) Redis "stops and starts" after the 24th hand-over to the broker (batches of five mails here, so after 120
    mails; see ``BrokerLine`` for what is real and what is simulated): the two hand-overs made while it is down
    (ten mails) fail for real, the messages waiting in it are lost, and the worker's own connection is cut under
    it and must come back by itself;
(c) when the beat's sweep (``outbox_sweep(now=later)``, called as beat would, with a ``now`` past the retry times)
    hands everything still queued to the worker, the worker is killed (SIGKILL) in the middle of an SMTP
    conversation and started again; a second sweep, ten minutes after the crash, finds the interrupted row.

The test proves: every author gets exactly one decision mail (counted at the SMTP server by envelope recipient and
by Message-ID), ``sent`` rows == messages the server accepted, no message is delivered twice, and the one row whose
worker died mid-conversation is ``uncertain``, shown on /organizer/outbox/ and never resent by a sweep; the organizer
then resends it deliberately from that page, and its author has exactly one.

Retries are driven by the sweep with a ``now`` in the future rather than by waiting: the worker process runs the
real backoff (a minute and more), which a test cannot shorten without monkeypatching code in another process.
"""
import contextlib
import datetime
import os
import socket
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundMail
from outbox.services import (
    MAX_ATTEMPTS,
    REDISPATCH_AFTER,
    SENDING_TIMEOUT,
    backoff,
    outbox_sweep,
)
from tests.support.celery_worker import (
    WorkerProcess,
    database_url_for_worker,
    default_queue,
    reset_connection_pools,
    wait_until,
)

pytestmark = pytest.mark.services


State = OutboundMail.State
PAPERS, ACCEPTED = 200, 20
SMTP_OUTAGE = 40  # delivery attempts answered 451
BATCH = 5  # OUTBOX_BATCH_SIZE here: 44 hand-overs of five mails, so that Redis can go down between two of them
REDIS_DOWN_AT, REDIS_DOWN_FOR = 24, 2  # hand-overs: the 25th and the 26th fail


class BrokerLine:
    """A TCP relay in front of the real Redis: the worker and this process reach the broker only through it.

    ``cut()`` closes every relayed connection and the listening socket, so connecting gets "connection refused" as
    from a stopped Redis; ``restore()`` listens again on the same port. What is real: the failures kombu and the
    worker see (refused connections, connections closed under them) and their own recovery. What is simulated:
    Redis itself keeps running (it is shared; this test must not stop it), so the loss of its data on a restart
    without persistence is played by ``RedisBroker.flush`` while the line is cut (every queued and unacknowledged
    message goes; kombu's routing keys stay, as the workers would declare them again on reconnecting).
    """

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            # shutdown() first: close() alone leaves the socket listening while a thread is blocked in accept().
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: the line is cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut while this connection was being set up
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class HandOverCounter:
    """Wraps the site's one hand-over to the broker (``personal_site.durable.publish``) for the send task: counts
    the hand-overs and runs a callback before the n-th one (to cut the line at a known point). The publishing
    itself is the real one, through kombu, to the broker behind the line."""

    def __init__(self, publish, callbacks: dict[int, callable]):
        self.publish, self.callbacks, self.calls, self.failed = publish, callbacks, 0, 0

    def __call__(self, task_name, args, eta=None):
        if task_name != "outbox.send_batch":
            return self.publish(task_name, args, eta)
        self.calls += 1
        if self.calls in self.callbacks:
            self.callbacks[self.calls]()
        try:
            return self.publish(task_name, args, eta)
        except Exception:
            self.failed += 1
            raise


def wait_explained(condition, worker: WorkerProcess, *, timeout: float, message: str) -> None:
    """``wait_until``, and on a timeout the row states, the queue and the worker's last words."""
    try:
        wait_until(condition, timeout=timeout, message=message)
    except TimeoutError as error:
        raise TimeoutError(f"{error}; rows: {dict(states())}\n--- worker log\n{worker.log_tail(60)}") from None


def states(**filters) -> Counter:
    return Counter(OutboundMail.objects.filter(**filters).values_list("state", flat=True))


def create_submitted_papers(edition, contact, count: int) -> list:
    from submissions.models import Submission, SubmissionAuthor

    now = timezone.now()
    with transaction.atomic():
        papers = Submission.objects.bulk_create(
            Submission(edition=edition, contact=contact, title=f"Paper {i:03}", abstract="An abstract.",
                       status=Submission.Status.SUBMITTED, submitted_at=now)
            for i in range(count)
        )
        SubmissionAuthor.objects.bulk_create(
            SubmissionAuthor(submission=paper, order=1, name=f"Author {i:03}", email=f"author{i:03}@example.org")
            for i, paper in enumerate(papers)
        )
    return papers


@pytest.fixture
def broker_line(redis_broker):
    """The line to the test Redis database, and its URL as the worker and this process use it."""
    parts = urlsplit(redis_broker.url)
    line = BrokerLine(parts.hostname or "127.0.0.1", parts.port or 6379)
    credentials = parts.netloc.rpartition("@")[0]
    line.broker_url = parts._replace(netloc=f"{credentials}@" * bool(credentials) + f"127.0.0.1:{line.port}").geturl()
    yield line
    line.cut()


@pytest.fixture
def worker(broker_line, redis_broker, smtp_backend, transactional_db, tmp_path):
    """A real worker process (``tests.support.celery_worker.WorkerProcess``) on the broker through the line; this
    process publishes through the line too (the release's hand-overs and the sweep)."""
    from django.db import connection

    from personal_site.celery import app

    process = WorkerProcess(
        queue=f"test-decisions-{os.getpid()}", broker_url=broker_line.broker_url,
        database_url=database_url_for_worker(connection), email_url=smtp_backend.url,
        log_path=tmp_path / "celery-worker.log",
    )
    saved = app.conf.broker_url
    app.conf.broker_url = broker_line.broker_url
    reset_connection_pools(app)
    try:
        with default_queue(app, process.queue):
            process.start()
            try:
                yield process
            finally:
                process.kill()
    finally:
        app.conf.broker_url = saved
        reset_connection_pools(app)


def test_200_decision_mails_survive_an_smtp_outage_a_redis_restart_and_a_worker_kill(
    client, open_edition, organizer, worker, smtp_backend, redis_broker, broker_line, monkeypatch, settings
):
    from personal_site import durable
    from review.services.decisions import decision_stage

    smtp = smtp_backend
    settings.OUTBOX_BATCH_SIZE = BATCH  # this process hands the mails over (the worker takes any list it gets)
    papers = create_submitted_papers(open_edition, organizer, PAPERS)
    for i, paper in enumerate(papers):
        decision_stage(submission=paper, outcome="accept" if i < ACCEPTED else "reject", by=organizer,
                       program_order=i + 1 if i < ACCEPTED else 0)

    # (b) Redis goes away after the 120th hand-over and comes back after six more, which fail. While it is down
    # it loses what it held, as a restart without persistence does (RedisBroker.flush keeps kombu's routing keys).
    lost: list[int] = []

    def redis_stops():
        broker_line.cut()
        lost.append(redis_broker.queue_length(worker.queue))
        redis_broker.flush()

    hand_over = HandOverCounter(durable.publish, {
        REDIS_DOWN_AT + 1: redis_stops,
        REDIS_DOWN_AT + REDIS_DOWN_FOR + 1: broker_line.restore,
    })
    monkeypatch.setattr(durable, "publish", hand_over)
    # (a) The SMTP server refuses the first 40 delivery attempts.
    smtp.fail_next(SMTP_OUTAGE)

    client.force_login(organizer)
    response = client.post(reverse("organizer:release", args=[open_edition.slug]), follow=True)
    assert f"{PAPERS} decision(s) released; {PAPERS} mail(s) queued; 0 already sent before" in \
        response.content.decode()
    monkeypatch.setattr(durable, "publish", hand_over.publish)
    decision_rows = list(OutboundMail.objects.filter(kind="decision"))
    all_rows = OutboundMail.objects.count()
    assert len(decision_rows) == PAPERS and all_rows == PAPERS + ACCEPTED
    assert hand_over.calls == -(-all_rows // BATCH) and hand_over.failed == REDIS_DOWN_FOR

    # The worker's connection was cut under it: it reconnects and sends what was handed over after the restart.
    wait_explained(lambda: redis_broker.queue_length(worker.queue) == 0 and not states()[State.SENDING],
                   worker, timeout=60, message="the worker drained the queue after Redis came back")
    smtp.wait_quiet(1.0)
    assert "Connection to broker lost" in worker.text()  # the whole log: every task adds lines
    after_release = states()
    assert after_release[State.SENT] == len(smtp.messages) > 0
    assert smtp.temporary_failures == SMTP_OUTAGE
    # Refused (waiting for their retry), lost with Redis's data, or never handed over: all wait for the sweep.
    assert after_release[State.QUEUED] >= SMTP_OUTAGE + REDIS_DOWN_FOR * BATCH, \
        f"lost with Redis: {lost}, {after_release}"

    # The beat's sweep runs once the first retries are due and the hand-overs are old enough to be presumed
    # lost. (c) The worker is killed while sending the 21st of them: that mail hangs in DATA when SIGKILL comes.
    smtp.hold_next(after=20)
    first_sweep_at = timezone.now() + max(backoff(1), REDISPATCH_AFTER) + datetime.timedelta(seconds=1)
    assert outbox_sweep(now=first_sweep_at) == {"uncertain": 0, "released": 0,
                                                "dispatched": after_release[State.QUEUED]}
    smtp.wait_until_held(timeout=30)
    killed_at = timezone.now()
    worker.kill()
    wait_until(lambda: smtp.abandoned == 1, timeout=5, message="the server noticed the dead client")
    smtp.release()
    # The killed worker's batch: the mail in the conversation, and those after it it never started.
    in_flight, *unstarted = OutboundMail.objects.filter(state=State.SENDING).order_by("pk")
    assert len(unstarted) < BATCH
    worker.start()
    smtp.wait_quiet(1.0)  # the restarted worker sends what was still waiting in Redis

    # Ten minutes after the crash the sweep marks the interrupted mail uncertain, queues again the ones of its batch
    # the killed worker never started, and hands over the rest (and those it had taken from Redis but not started).
    later = max(killed_at + SENDING_TIMEOUT, first_sweep_at + backoff(MAX_ATTEMPTS))
    second = outbox_sweep(now=later)
    assert (second["uncertain"], second["released"]) == (1, len(unstarted))
    wait_explained(lambda: states() == {State.SENT: all_rows - 1, State.UNCERTAIN: 1}, worker, timeout=40,
                   message="every row sent but the one cut mid-conversation")
    smtp.wait_quiet(0.5)
    assert outbox_sweep(now=later + SENDING_TIMEOUT) == {"uncertain": 0, "released": 0, "dispatched": 0}

    # --- What reached the SMTP server ----------------------------------------------------------------------
    in_flight.refresh_from_db()
    assert in_flight.state == State.UNCERTAIN
    message_ids = smtp.message_ids()
    assert len(message_ids) == len(set(message_ids)), "a mail was delivered twice"
    sent = OutboundMail.objects.filter(state=State.SENT)
    assert sorted(message_ids) == sorted(row.message_id for row in sent)  # sent rows == delivered messages
    decisions_delivered = [m for m in smtp.messages if m["X-Outbox-Kind"] == "decision"]
    by_recipient = Counter(m.envelope_rcpt[0] for m in decisions_delivered)
    assert max(by_recipient.values()) == 1  # nobody got a decision twice
    # The server dropped the cut conversation, so its recipient has nothing yet; everybody else has one.
    missing = {row.recipient for row in decision_rows} - set(by_recipient)
    assert missing == ({in_flight.recipient} if in_flight.kind == "decision" else set())
    assert in_flight.message_id not in message_ids

    # --- The organizer sees the uncertain mail, and resends it deliberately -------------------------------
    page = client.get(reverse("organizer:outbox")).content.decode()
    assert "Uncertain (worker died while sending)" in page and in_flight.recipient in page
    assert f"{State.UNCERTAIN}: 1" in page
    client.post(reverse("organizer:outbox-resend", args=[in_flight.pk]))
    smtp.wait_for(len(message_ids) + 1, timeout=20)
    wait_until(lambda: states(resend_of=in_flight) == {State.SENT: 1}, message="the resend sent")
    smtp.wait_quiet(0.5)
    decisions_delivered = [m for m in smtp.messages if m["X-Outbox-Kind"] == "decision"]
    assert sorted(m.envelope_rcpt[0] for m in decisions_delivered) == sorted(r.recipient for r in decision_rows)
    # 219 rows sent once each, plus the deliberate resend: one message each, none twice.
    assert len(set(smtp.message_ids())) == len(smtp.messages) == all_rows
