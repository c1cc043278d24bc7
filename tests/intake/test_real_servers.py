"""The email intake against real servers: Dovecot (IMAP) on loopback, `manage.py ingest_email` as a mail server runs
it, a real Celery worker on Redis, and a real SMTP server (aiosmtpd) receiving the answers.

The whole corpus (tests/intake/corpus.py) goes in through both ways and each message must end in its state with
its one answer, or none; a worker killed in the middle of a batch must lose nothing.
"""
import datetime
import hashlib
import os
import subprocess
import sys
from collections import defaultdict

import pytest
from django.conf import settings
from django.utils import timezone

from intake import imap
from intake.models import InboundMessage
from intake.tasks import poll_imap, sweep_inbound
from outbox.models import OutboundMail
from outbox.services import outbox_sweep
from personal_site.celery import app
from submissions.models import Submission
from tests.conftest import REPO
from tests.support.celery_worker import WorkerProcess, database_url_for_worker, default_queue, wait_until

from .corpus import AUTHSERV_ID, LATE, OTHER_TWO_PAGES, OVERSIZE_CAP, PAPERS, VICTIM, corpus, message, raw, reply_to

pytestmark = pytest.mark.services
Status = InboundMessage.Status


@pytest.fixture
def victim(make_author):
    return make_author(VICTIM)


def all_processed(count: int) -> bool:
    return (InboundMessage.objects.count() >= count
            and not InboundMessage.objects.filter(status=Status.RECEIVED).exists())


def mail_settled() -> bool:
    return not OutboundMail.objects.filter(state__in=[OutboundMail.State.QUEUED, OutboundMail.State.SENDING]).exists()


def answers_by_recipient(smtp) -> dict[str, list]:
    received = defaultdict(list)
    for msg in smtp.messages:
        received[msg.envelope_rcpt[0]].append(msg)
    return received


def assert_corpus_outcome(items, rows, smtp):
    """Each message in its state; each sender got exactly the expected answers over SMTP, each once."""
    assert len(rows) == len(items)
    received = answers_by_recipient(smtp)
    expected = defaultdict(list)
    for item, row in zip(items, rows, strict=True):
        assert row.status == item.status, f"{item.name}: {row.status} ({row.error})"
        if item.answer:
            expected[item.sender].append((item, row))
        if item.status == Status.ACCEPTED:
            assert row.submission.status == Submission.Status.SUBMITTED
        else:
            assert row.submission_id is None, item.name
    for sender, pairs in expected.items():
        mails = received.get(sender, [])
        assert sorted(m["X-Outbox-Kind"] for m in mails) == sorted(i.answer for i, _ in pairs), sender
        for item, _row in pairs:
            [mail] = [m for m in mails if m["X-Outbox-Kind"] == item.answer]
            text = mail["Subject"] + mail.get_content()
            for phrase in item.says:
                assert phrase in text, f"{item.name}: {phrase!r} not in the answer"
    silent = {i.sender for i in items if i.answer is None and i.sender} - set(expected)
    assert not silent & set(received), f"answered what must never be answered: {silent & set(received)}"
    ids = smtp.message_ids()
    assert len(ids) == len(set(ids)), "an answer was delivered twice"
    assert Submission.objects.filter(contact__email=VICTIM).count() == 0


# --- IMAP -----------------------------------------------------------------------------------------------------


def test_the_corpus_through_imap(celery_worker_redis, smtp_backend, mailbox, intake_editions, victim):
    items = corpus()
    now = timezone.now()
    for item in items:
        mailbox.append(item.raw, arrived=now + item.arrived)

    poll_imap.delay()
    wait_until(lambda: all_processed(len(items)), timeout=90, message="every message processed")
    wait_until(mail_settled, timeout=30, message="every answer sent")
    smtp_backend.wait_quiet(0.5)

    rows = list(InboundMessage.objects.order_by("imap_uid").select_related("submission"))
    assert_corpus_outcome(items, rows, smtp_backend)
    assert all(r.channel == "imap" and r.imap_folder == "INBOX" for r in rows)
    for item, row in zip(items, rows, strict=True):  # the arrival is INTERNALDATE, to the second
        assert abs(row.received_at - (now + item.arrived)) < datetime.timedelta(seconds=1), item.name
    oversize = rows[[i.name for i in items].index("oversize message")]
    assert oversize.truncated and oversize.size > OVERSIZE_CAP and oversize.raw.size < 5000  # headers only

    # Every message is marked handled (a keyword: people reading the mailbox are not disturbed) and left unseen.
    flags = mailbox.flags()
    assert len(flags) == len(items) and all("IntakeStored" in f and "\\Seen" not in f for f in flags.values())
    assert imap.imap_poll() == {"stored": 0, "known": 0, "marked": 0}


def test_confirm_by_link_confirm_by_reply_and_replace_by_reply_over_imap(
    celery_worker_redis, smtp_backend, mailbox, intake_editions, client,
):
    mailbox.append(raw(message(sender="Ann Author <ann@example.org>")))
    mailbox.append(raw(message(sender="Zoë Ünal <zoe@example.org>", subject="Réseaux neuronaux — 研究",
                               attachments=(("Étude ü.pdf", OTHER_TWO_PAGES, "application/pdf"),))))
    poll_imap.delay()
    [to_ann, to_zoe] = sorted(smtp_backend.wait_for(2), key=lambda m: m.envelope_rcpt[0])
    assert to_ann["Reply-To"] == PAPERS and to_ann["X-Outbox-Kind"] == "intake-confirm"

    # Ann presses the link's button: GET alone (a link scanner) confirms nothing.
    path = to_ann.get_content().split(settings.SITE_URL)[1].split()[0]
    assert client.get(path).status_code == 200 and Submission.objects.count() == 0
    assert client.post(path).status_code == 200
    receipt = smtp_backend.wait_for(3)[2]
    paper = Submission.objects.get(contact__email="ann@example.org")
    assert receipt.envelope_rcpt == ["ann@example.org"] and receipt["X-Outbox-Kind"] == "receipt"
    assert receipt["Reply-To"] == PAPERS and "/accounts/password/reset/" in receipt.get_content()

    # Zoë simply replies to the confirmation request.
    mailbox.append(reply_to(to_zoe, message_id=to_zoe["Message-ID"], sender="zoe@example.org",
                            subject=f"Re: {to_zoe['Subject']}"))
    poll_imap.delay()
    zoe_receipt = smtp_backend.wait_for(4)[3]
    zoe_paper = Submission.objects.get(contact__email="zoe@example.org")
    assert zoe_paper.title == "Réseaux neuronaux — 研究" and zoe_paper.versions.get().original_name == "Étude ü.pdf"
    assert zoe_receipt.envelope_rcpt == ["zoe@example.org"]

    # Ann replies to her receipt with a new PDF: it replaces the paper's.
    mailbox.append(reply_to(receipt, message_id=receipt["Message-ID"], sender="ann@example.org",
                            subject=f"Re: {receipt['Subject']}",
                            attachments=(("paper-v2.pdf", OTHER_TWO_PAGES, "application/pdf"),)))
    poll_imap.delay()
    replaced = smtp_backend.wait_for(5)[4]
    assert "PDF replaced" in replaced["Subject"]
    assert paper.versions.count() == 2 and paper.versions.latest().file.read() == OTHER_TWO_PAGES
    wait_until(lambda: all_processed(4), message="all four messages processed")
    assert list(InboundMessage.objects.order_by("pk").values_list("status", "verified_by")) == [
        ("accepted", "link"), ("accepted", "reply"), ("accepted", "reply"), ("accepted", "reply")]


def test_a_crash_between_storing_and_marking_loses_nothing(mailbox, intake_editions, monkeypatch, db):
    for n in range(3):
        mailbox.append(raw(message(sender=f"author{n}@example.org", subject=f"Paper {n}")))
    mark = imap._mark_handled

    def connection_lost_at_the_second(client, uid, config, flag):
        if uid == b"2":
            raise imap.imaplib.IMAP4.abort("connection lost")
        return mark(client, uid, config, flag)

    monkeypatch.setattr(imap, "_mark_handled", connection_lost_at_the_second)
    with pytest.raises(imap.imaplib.IMAP4.abort):
        imap.imap_poll()
    assert InboundMessage.objects.count() == 2  # the second was stored, not marked
    assert ["IntakeStored" in f for f in mailbox.flags().values()] == [True, False, False]

    monkeypatch.undo()
    assert imap.imap_poll() == {"stored": 1, "known": 1, "marked": 2}  # the second is recognized, not stored again
    assert InboundMessage.objects.count() == 3
    assert all("IntakeStored" in f for f in mailbox.flags().values())


def test_handled_mail_can_be_moved_to_a_folder_instead(mailbox, intake_editions, settings, db):
    settings.INTAKE_IMAP_DONE_FOLDER = "Intake-Stored"
    for n in range(2):
        mailbox.append(raw(message(sender=f"author{n}@example.org", subject=f"Paper {n}")))
    assert imap.imap_poll() == {"stored": 2, "known": 0, "marked": 2}
    assert mailbox.flags("INBOX") == {} and len(mailbox.flags("Intake-Stored")) == 2
    assert imap.imap_poll()["stored"] == 0


# --- the pipe ----------------------------------------------------------------------------------------------------


@pytest.fixture
def pipe_env(celery_worker_redis, redis_broker, intake_settings):
    """The environment a mail server's pipe gives `manage.py ingest_email`, on this test's database and worker."""
    from django.db import connection

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.intake.pipe_settings",
        "DATABASE_URL": database_url_for_worker(connection),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": redis_broker.url,
        "TEST_CELERY_DEFAULT_QUEUE": celery_worker_redis.queue,
        "INTAKE_MAX_MESSAGE_BYTES": str(OVERSIZE_CAP),
        "INTAKE_AUTHSERV_ID": AUTHSERV_ID,
    }


def run_pipe(data: bytes, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "ingest_email", *args], input=data, env=env, cwd=REPO,
                          capture_output=True, timeout=120)


def pipe_args(item) -> list[str]:
    sender = "" if item.name == "bounce" else item.sender  # Postfix with null_sender= passes it empty
    recipient = LATE if b"To: " + LATE.encode() in item.raw else PAPERS  # where the mail server delivered it
    return [f"--sender={sender}", f"--recipient={recipient}"]


def test_the_corpus_through_the_pipe_command(pipe_env, smtp_backend, intake_editions, victim):
    # The pipe's arrival is its own clock: the message that arrived before a deadline only exists over IMAP.
    items = [i for i in corpus() if not i.arrived]
    first, duplicate = items[:-1], items[-1]
    assert duplicate.name == "duplicate Message-ID"
    for item in first:  # one delivery after the other, as a pipe transport with a process limit of 1 does
        result = run_pipe(item.raw, pipe_env, *pipe_args(item))
        assert result.returncode == 0, f"{item.name}: {result.stderr.decode()[-2000:]}"
        assert result.stdout.decode().startswith("Stored as inbound message #"), item.name
    result = run_pipe(duplicate.raw, pipe_env, *pipe_args(duplicate))
    assert result.returncode == 0, result.stderr.decode()

    wait_until(lambda: all_processed(len(items)), timeout=90, message="every message processed")
    wait_until(mail_settled, timeout=30, message="every answer sent")
    smtp_backend.wait_quiet(0.5)

    by_hash = {r.sha256: r for r in InboundMessage.objects.select_related("submission")}
    rows = [by_hash[hashlib.sha256(item.raw).hexdigest()] for item in items]
    assert_corpus_outcome(items, rows, smtp_backend)
    assert {r.channel for r in rows} == {"pipe"} and {r.envelope_recipient for r in rows} == {PAPERS, LATE}
    assert rows[[i.name for i in items].index("bounce")].envelope_sender == "<>"

    # The mail server delivers the same message again (it never saw our exit status): recognized, exit 0.
    again = run_pipe(items[0].raw, pipe_env, *pipe_args(items[0]))
    assert again.returncode == 0 and again.stdout.decode().startswith("Already stored as inbound message #")
    assert InboundMessage.objects.count() == len(items)


def test_the_pipe_exits_75_when_it_cannot_store_the_message(pipe_env, intake_editions, tmp_path):
    data = raw(message(sender="ann@example.org"))
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("media cannot live under a file")
    storage_down = run_pipe(data, {**pipe_env, "MEDIA_ROOT": str(not_a_folder / "media")})
    assert storage_down.returncode == 75, storage_down.stderr.decode()
    assert "could not store the message" in storage_down.stderr.decode()
    database_down = run_pipe(data, {**pipe_env, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"})
    assert database_down.returncode == 75, database_down.stderr.decode()
    assert InboundMessage.objects.count() == 0
    stored = run_pipe(data, pipe_env)  # the mail server tries again once things are back: stored
    assert stored.returncode == 0 and InboundMessage.objects.count() == 1


# --- a worker killed in the middle of a batch -----------------------------------------------------------------


@pytest.fixture
def intake_worker(redis_broker, smtp_server, transactional_db, tmp_path, mailbox, intake_settings):
    """A worker process that polls the test mailbox itself (IMAP settings in its environment) and mails smtp_server."""
    from django.db import connection

    env = {name: str(value) for name, value in mailbox.settings().items()}
    env.update(MEDIA_ROOT=str(settings.MEDIA_ROOT), INTAKE_RETRY_AFTER_SECONDS="0", INTAKE_AUTHSERV_ID=AUTHSERV_ID,
               INTAKE_MAX_MESSAGE_BYTES=str(OVERSIZE_CAP), SITE_URL=settings.SITE_URL)
    worker = WorkerProcess(queue=f"test-intake-{os.getpid()}", broker_url=redis_broker.url,
                           database_url=database_url_for_worker(connection), email_url=smtp_server.url,
                           log_path=tmp_path / "worker.log", env=env)
    smtp_server.clear()
    redis_broker.flush()
    with default_queue(app, worker.queue):
        worker.start()
        try:
            yield worker
        finally:
            worker.kill()
    redis_broker.flush()
    smtp_server.clear()


def test_no_message_is_lost_when_the_worker_is_killed_mid_batch(intake_worker, smtp_server, mailbox,
                                                               intake_editions, victim):
    items = corpus()
    now = timezone.now()
    for item in items:
        mailbox.append(item.raw, arrived=now + item.arrived)
    poll_imap.delay()

    def in_the_middle() -> bool:
        done = InboundMessage.objects.exclude(status=Status.RECEIVED).count()
        started = InboundMessage.objects.filter(status=Status.RECEIVED, attempts__gte=1).exists()
        return done >= 3 and started

    wait_until(in_the_middle, timeout=90, interval=0.005, message="the worker in the middle of a message")
    intake_worker.kill()  # SIGKILL: no clean-up, as in an OOM kill
    unfinished = list(InboundMessage.objects.filter(status=Status.RECEIVED).values_list("pk", flat=True))
    assert unfinished, "the worker was killed mid-batch"
    assert InboundMessage.objects.filter(pk__in=unfinished, attempts__gte=1).exists()  # killed inside one

    intake_worker.start()
    sweep_inbound.delay()  # what beat does every few minutes: dispatch again what was left RECEIVED
    poll_imap.delay()  # and the next poll finds nothing new
    wait_until(lambda: all_processed(len(items)), timeout=120, message="every message processed after the restart")
    # Answers whose send task the dead worker had taken: the outbox's own sweep hands them out again.
    outbox_sweep(now=timezone.now() + datetime.timedelta(minutes=3))
    wait_until(mail_settled, timeout=60, message="every answer sent")
    smtp_server.wait_quiet(0.5)

    rows = list(InboundMessage.objects.order_by("imap_uid").select_related("submission"))
    assert_corpus_outcome(items, rows, smtp_server)
    assert all("IntakeStored" in f for f in mailbox.flags().values())
    assert OutboundMail.objects.values("object_key", "kind").distinct().count() == OutboundMail.objects.count()
