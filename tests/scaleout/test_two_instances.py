"""Issue #12: the same code as two stateless gunicorn instances, two Celery workers and one beat.

Every check goes through both instances (``SiteClient`` alternates, or names the instance with ``on=``); the
processes share only PostgreSQL, Redis and S3, as N instances behind a load balancer would.
"""
import datetime
import hashlib
import io
import os
import re
import time
from collections import Counter
from pathlib import Path

import lxml.html
import pikepdf
import pytest
import requests
from django.db import transaction
from django.utils import timezone

from tests.scaleout.conftest import wait_explained
from tests.support.celery_worker import wait_until
from tests.support.http_client import SiteClient
from tests.talkmedia import media

pytestmark = [pytest.mark.scaleout, pytest.mark.services]

PASSWORD = "correct-horse-battery-9"  # make_author's
# personal_site/public_cache.py: another process's program change shows within a second (the memory layer reads
# the shared generation at most once per PUBLIC_PAGE_GENERATION_CHECK_SECONDS, default 1.0 s).
STATED_DELAY = 1.0
HTTP_SLACK = 0.5  # a request to each instance and back, on a busy 2-core machine


def signed_in(site, email: str, *, on: int = 0) -> SiteClient:
    client = SiteClient(*site.urls)
    response = client.post_form("/accounts/login/", {"login": email, "password": PASSWORD}, form_on=on, on=on)
    assert response.status_code == 302, response.text[:500]
    return client


def pdf(label: str, pages: int = 2) -> bytes:
    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page(page_size=(612, 792))
    document.docinfo["/Title"] = label  # its own bytes, so its own SHA-256
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def paper_form(title: str, email: str) -> dict:
    return {
        "title": title, "abstract": "An abstract long enough to be one.",
        "authors-TOTAL_FORMS": "1", "authors-INITIAL_FORMS": "0", "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "20",
        "authors-0-name": "Ann Author", "authors-0-email": email, "authors-0-affiliation": "Scale U",
        "submit": "1",
    }


# --- Sessions ------------------------------------------------------------------------------------------------


def test_a_session_made_on_one_instance_is_valid_on_the_other(site, make_author):
    make_author("ann@example.org")
    client = signed_in(site, "ann@example.org", on=0)
    assert client.get("/submissions/", on=1).status_code == 200  # not a redirect to the login page
    assert client.get("/submissions/", on=0).status_code == 200
    # Signing out on the second ends the session on the first too.
    assert client.post("/accounts/logout/", data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
                       on=1).status_code == 302
    after = client.get("/submissions/", on=0)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]


# --- Papers --------------------------------------------------------------------------------------------------


def test_a_paper_submitted_on_one_and_replaced_on_the_other_keeps_one_history(site, open_edition, make_author):
    from submissions.models import PaperVersion, Submission

    make_author("ann@example.org")
    client = signed_in(site, "ann@example.org", on=1)
    first, second = pdf("first version"), pdf("second version")
    created = client.post_form(f"/submissions/new/{open_edition.slug}/", paper_form("Scaling Out", "ann@example.org"),
                               form_on=1, on=0, files={"pdf": ("paper.pdf", first, "application/pdf")})
    assert created.status_code == 302, created.text[:2000]
    detail = created.headers["Location"]
    pk = int(re.fullmatch(r"/submissions/(\d+)/", detail).group(1))
    replaced = client.post_form(f"{detail}edit/", paper_form("Scaling Out", "ann@example.org"), form_on=0, on=1,
                                files={"pdf": ("paper-v2.pdf", second, "application/pdf")})
    assert replaced.status_code == 302, replaced.text[:2000]

    [submission] = Submission.objects.all()
    assert submission.pk == pk and submission.status == Submission.Status.SUBMITTED
    versions = list(PaperVersion.objects.filter(submission=submission).order_by("pk"))
    assert len(versions) == 2
    assert [v.sha256 for v in versions] == [hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()]
    # Both files are in the bucket, and each instance serves each version.
    for n, version in enumerate(versions):
        download = client.get(f"/submissions/{pk}/versions/{version.pk}/paper.pdf", on=n % 2)
        assert download.status_code in (200, 302), download.status_code
        got = download.content if download.status_code == 200 else \
            requests.get(download.headers["Location"], timeout=30).content
        assert got == (first, second)[n]


# --- Videos --------------------------------------------------------------------------------------------------


def test_a_video_uploaded_in_parts_alternating_between_instances_completes_once(site, media_world, tmp_path):
    from talkmedia.models import TalkVideo

    video = media.big_mkv(tmp_path / "talk.mkv")  # about 22 MB: five parts of 5 MiB
    data = video.read_bytes()
    client = signed_in(site, "tony@example.org", on=0)
    talk = f"/videos/talks/{media_world.research_talk.uid}/"
    assert client.get(talk, on=1).status_code == 200  # the speaker's page, on the other instance
    started = client.post(f"{talk}uploads/", on=0, json={
        "name": "talk.mkv", "size": len(data), "type": "video/x-matroska", "fingerprint": "1700000000000:scale"})
    assert started.status_code == 200, started.text
    upload = started.json()
    size, count = upload["partSize"], upload["partCount"]
    assert count >= 4
    etags = {}
    for number in range(1, count + 1):  # each part signed by the other instance than the last one
        signed = client.post(upload["signUrl"], json={"parts": [number]}, on=number % 2)
        assert signed.status_code == 200, signed.text
        put = requests.put(signed.json()["urls"][str(number)],
                                         data=data[(number - 1) * size: number * size], timeout=60)
        assert put.status_code == 200
        etags[number] = put.headers["ETag"]
    # Resuming on the other instance lists the parts S3 has.
    resumed = client.post(f"{talk}uploads/", on=1, json={
        "name": "talk.mkv", "size": len(data), "type": "video/x-matroska", "fingerprint": "1700000000000:scale"})
    assert resumed.json()["video"] == upload["video"]
    assert {p["number"]: p["etag"].strip('"') for p in resumed.json()["parts"]} == \
        {n: e.strip('"') for n, e in etags.items()}
    parts = {"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]}
    done = client.post(upload["completeUrl"], json=parts, on=0)
    assert done.status_code == 200 and done.json()["state"] == "processing", done.text
    again = client.post(upload["completeUrl"], json=parts, on=1)  # a retry through the load balancer
    assert again.status_code == 200 and again.json()["state"] in ("processing", "ready")

    def final():
        return client.get(upload["statusUrl"]).json()["final"]

    wait_explained(final, site, timeout=90, message="the video was processed")
    status = client.get(upload["statusUrl"], on=1).json()
    assert status["state"] == "ready", status
    [row] = TalkVideo.objects.all()
    assert row.pk == upload["video"] and row.state == "ready"
    processed = site.task_lines("videos.process")
    assert [line["state"] for line in processed] == ["SUCCESS"], processed  # processed once, by one worker
    s3 = site.s3.client()
    assert s3.list_multipart_uploads(Bucket=site.bucket).get("Uploads", []) == []


# --- Public pages --------------------------------------------------------------------------------------------


def admin_form_values(page: str, form_id: str) -> list[tuple[str, str]]:
    form = lxml.html.fromstring(page).get_element_by_id(form_id)
    return [(name, value) for name, value in form.form_values()]


def test_a_program_change_on_one_instance_shows_on_the_other_within_the_stated_delay(site, personal_2020, organizer):
    visitor = SiteClient(*site.urls)
    before = visitor.get("/", on=1)
    assert before.status_code == 200 and personal_2020.title in before.text
    assert visitor.get("/", on=1).status_code == 200  # now in instance 2's memory too
    new_title = f"{personal_2020.title} (moved online)"

    admin = SiteClient(*site.urls)
    login = admin.post_form("/admin/login/?next=/admin/", {"username": "orga", "password": "pw-orga-12345"},
                            form_on=0, on=0)
    assert login.status_code == 302, login.text[:300]
    change = f"/admin/program/edition/{personal_2020.pk}/change/"
    values = admin_form_values(admin.get(change, on=0).text, "edition_form")
    values = [(k, new_title if k == "title" else v) for k, v in values if k != "_addanother"]
    saved = admin.post(change, data=values + [("_save", "Save")], on=0)
    assert saved.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', saved.text, re.S)[:5]
    changed_at = time.monotonic()

    seen = None
    while time.monotonic() - changed_at < STATED_DELAY + HTTP_SLACK + 2:
        if new_title in visitor.get("/", on=1).text:
            seen = time.monotonic() - changed_at
            break
        time.sleep(0.05)
    assert seen is not None, "instance 2 never showed the change"
    assert seen <= STATED_DELAY + HTTP_SLACK, f"instance 2 showed the change after {seen:.2f} s"
    assert new_title in visitor.get("/", on=0).text  # the instance that made it, at once


# --- Beat ----------------------------------------------------------------------------------------------------


def test_beats_reminders_go_once_per_recipient_with_two_workers(site, open_edition, make_author, smtp_server):
    from program.models import ImportantDate
    from submissions.models import Submission, SubmissionAuthor

    authors = [make_author(f"draft{n}@example.org") for n in range(6)]
    with transaction.atomic():
        ImportantDate.objects.filter(edition=open_edition, kind=ImportantDate.Kind.SUBMISSION_DEADLINE).update(
            moment=timezone.now() + datetime.timedelta(days=1))
        for n, author in enumerate(authors):
            paper = Submission.objects.create(edition=open_edition, contact=author, title=f"Draft {n}",
                                              abstract="Unfinished.", status=Submission.Status.DRAFT)
            SubmissionAuthor.objects.create(submission=paper, order=1, name=f"A{n}", email=author.email)
            SubmissionAuthor.objects.create(submission=paper, order=2, name=f"B{n}", email=f"co{n}@example.org")
    expected = sorted([a.email for a in authors] + [f"co{n}@example.org" for n in range(6)])
    runs_before = len(site.task_lines("submissions.remind_drafts"))

    def reminded():
        return sorted(m.envelope_rcpt[0] for m in smtp_server.messages if m["X-Outbox-Kind"] == "reminder-draft")

    wait_explained(lambda: reminded() == expected, site, timeout=30, message="every draft's authors reminded")
    # Beat keeps sending the task every 2 s; both workers take runs; nobody is reminded again.
    wait_until(lambda: len(site.task_lines("submissions.remind_drafts")) >= runs_before + 4, timeout=30,
               message="four more reminder runs")
    smtp_server.wait_quiet(1.0)
    assert reminded() == expected
    assert max(Counter(reminded()).values()) == 1
    runs = site.task_lines("submissions.remind_drafts")
    assert {line["state"] for line in runs} == {"SUCCESS"}
    assert beat_sent(site) >= 5  # one beat, sending on schedule


def beat_sent(site) -> int:
    return site.beat.text().count("Sending due task remind-drafts")


def test_beat_is_the_only_scheduler(site):
    """One beat process, and the workers do not schedule (no embedded beat, ``-B``)."""
    assert site.beat.alive()
    for worker in site.workers:
        assert "-B" not in worker.argv() and "--beat" not in worker.argv()
        assert "beat: Starting" not in worker.text()


# --- Decision mails, a worker killed mid-way ----------------------------------------------------------------


def tcp_owner(local_port: int, remote_port: int, pids: list[int]) -> int | None:
    """The pid (of ``pids``) holding the TCP connection 127.0.0.1:local_port -> :remote_port (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == local_port and int(remote, 16) == remote_port:
                inodes.add(fields[9])
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


def test_200_decision_mails_arrive_exactly_once_with_a_worker_killed_mid_way(site, open_edition, organizer,
                                                                              smtp_server):
    from outbox.models import OutboundMail
    from outbox.services import SENDING_TIMEOUT, outbox_sweep
    from review.services.decisions import decision_stage
    from tests.outbox.test_decision_mail_real_worker import create_submitted_papers
    from tests.scaleout.conftest import OUTBOX_BATCH_SIZE as BATCH

    State = OutboundMail.State
    papers = create_submitted_papers(open_edition, organizer, 200)
    for paper in papers:
        decision_stage(submission=paper, outcome="reject", by=organizer)
    recipients = {f"author{i:03}@example.org" for i in range(200)}

    # The 81st mail is held in DATA; the worker sending it is SIGKILLed there, mid-conversation.
    smtp_server.hold_next(after=80)
    client = SiteClient(*site.urls)
    assert client.post_form("/admin/login/?next=/admin/", {"username": "orga", "password": "pw-orga-12345"},
                            form_on=1, on=1).status_code == 302
    assert client.get(f"/organizer/{open_edition.slug}/decisions/", on=0).status_code == 200  # a CSRF cookie
    released = client.post(f"/organizer/{open_edition.slug}/decisions/release/", on=0,
                           data={"csrfmiddlewaretoken": client.cookies["csrftoken"]})
    assert released.status_code == 302, released.text[:500]
    smtp_server.wait_until_held(timeout=60)
    holder = tcp_owner(smtp_server.held_peer[1], smtp_server.port, [w.pid for w in site.workers])
    assert holder is not None, "no worker holds the held SMTP conversation"
    [killed] = [w for w in site.workers if w.pid == holder]
    [survivor] = [w for w in site.workers if w is not killed]
    killed.kill()
    wait_until(lambda: smtp_server.abandoned == 1, timeout=5, message="the server dropped the cut conversation")
    smtp_server.release()

    # The survivor sends the rest. What the killed worker held stays behind: its batch (SENDING: the row it was
    # sending and those after it, never started), and the batch it had prefetched (QUEUED, unacknowledged in Redis
    # until the visibility timeout).
    def settled():
        counts = Counter(OutboundMail.objects.values_list("state", flat=True))
        return counts[State.SENT] == len(smtp_server.messages) and counts[State.SENT] >= 200 - 2 * BATCH \
            and not OutboundMail.objects.filter(state=State.SENDING).exclude(sending_since__lt=timezone.now() -
                                                                             datetime.timedelta(seconds=5)).exists()

    wait_explained(settled, site, timeout=120, message="the surviving worker sent the rest")
    smtp_server.wait_quiet(1.0)
    left = Counter(OutboundMail.objects.exclude(state=State.SENT).values_list("state", flat=True))
    assert 1 <= left[State.SENDING] <= BATCH, left  # the one cut mid-conversation, and the rest of its batch
    assert set(left) <= {State.SENDING, State.QUEUED}, left
    prefetched, unstarted = left[State.QUEUED], left[State.SENDING] - 1
    assert prefetched <= BATCH, left  # --prefetch-multiplier=1: at most one batch reserved besides the running one

    # systemd restarts the killed worker; the beat's sweep, ten minutes on, marks the cut row UNCERTAIN (it may
    # or may not have gone out: it is never resent on its own), queues again the rows of its batch it never
    # started, and hands those and the prefetched rows over again.
    killed.start()
    with site.publishing_here():
        swept = outbox_sweep(now=timezone.now() + SENDING_TIMEOUT + datetime.timedelta(minutes=1))
    assert swept == {"uncertain": 1, "released": unstarted, "dispatched": prefetched + unstarted}
    wait_explained(lambda: Counter(OutboundMail.objects.values_list("state", flat=True)) ==
                   {State.SENT: 199, State.UNCERTAIN: 1}, site, timeout=60, message="199 sent, 1 uncertain")
    smtp_server.wait_quiet(1.0)

    # At the SMTP server: 199 messages, none twice, exactly the SENT rows; the UNCERTAIN one never arrived
    # (the server dropped its cut conversation), so its author is the one without a decision, and the organizer
    # sees it on the outbox page to resend it deliberately.
    delivered = [m for m in smtp_server.messages if m["X-Outbox-Kind"] == "decision"]
    ids = [str(m["Message-ID"]) for m in delivered]
    assert len(ids) == len(set(ids)) == 199, "a mail was delivered twice or lost"
    by_recipient = Counter(m.envelope_rcpt[0] for m in delivered)
    assert max(by_recipient.values()) == 1
    [uncertain] = OutboundMail.objects.filter(state=State.UNCERTAIN)
    assert recipients - set(by_recipient) == {uncertain.recipient}
    assert sorted(ids) == sorted(row.message_id for row in OutboundMail.objects.filter(state=State.SENT))
    # Both workers did the work (200 mails in batches of 10), and a task line exists for every batch they ran.
    senders = Counter(line["worker"] for line in site.task_lines("outbox.send_batch"))
    assert senders[site.workers.index(survivor)] > 80 // BATCH and senders[site.workers.index(killed)] > 0, senders
    assert survivor.alive() and killed.alive()
