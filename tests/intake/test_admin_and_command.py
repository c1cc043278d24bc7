"""Organizers see every inbound message in the admin and re-process one; `ingest_email` as a command; the settings."""
import io
import json
import math
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from intake.models import InboundMessage
from intake.processing import inbound_process
from submissions.models import Submission
from tests.conftest import REPO

from .corpus import TWO_PAGES, message, raw
from .test_processing import confirm_key, ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, intake_editions):
    call_command("ensure_organizer", "--username", "orga", "--password", "pw-for-tests-123", stdout=io.StringIO())
    assert client.login(username="orga", password="pw-for-tests-123")
    return client


def test_organizers_see_every_inbound_message_and_what_became_of_it(organizer_client, intake_editions):
    pending = ingest(raw(message(sender="Ann Author <ann@example.org>", subject="Pending paper")))
    refused = ingest(raw(message(sender="bea@example.org", subject="No file here", attachments=())))
    ignored = ingest(raw(message(sender="away@example.org", subject="Away",
                                 headers=(("Auto-Submitted", "auto-replied"),))))
    page = organizer_client.get(reverse("admin:intake_inboundmessage_changelist")).content.decode()
    for row in (pending, refused, ignored):
        assert row.from_address in page and row.subject in page
    assert "Pending: waiting for the sender to confirm the address" in page and "Refused" in page
    assert "Your message had no attachment" in page and "Not answered: Auto-Submitted: auto-replied" in page

    filtered = organizer_client.get(reverse("admin:intake_inboundmessage_changelist") + "?status=pending")
    assert "Pending paper" in filtered.content.decode() and "No file here" not in filtered.content.decode()

    detail = organizer_client.get(reverse("admin:intake_inboundmessage_change", args=[pending.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200 and "Subject: Pending paper" in text  # the raw headers
    assert pending.confirm_key_hash not in text  # never shown


def test_the_reprocess_action_processes_a_refused_message_again(organizer_client, intake_editions):
    refused = ingest(raw(message(sender="bea@example.org", subject="No file here", attachments=())))
    pending = ingest(raw(message(sender="ann@example.org")))
    response = organizer_client.post(reverse("admin:intake_inboundmessage_changelist"), {
        "action": "reprocess", "_selected_action": [refused.pk, pending.pk]}, follow=True)
    text = response.content.decode()
    assert "1 message(s) queued for processing again" in text and "1 message(s) skipped" in text
    refused.refresh_from_db()
    assert refused.status == InboundMessage.Status.RECEIVED and refused.reprocessed == 1
    assert "Re-processed by" in refused.note
    assert inbound_process(inbound_id=refused.pk) == InboundMessage.Status.REFUSED


def test_organizers_filter_emailed_papers_that_are_still_incomplete(organizer_client, client, intake_editions):
    ingest(raw(message(sender="ann@example.org", subject="Emailed Paper")))
    organizer_client.logout()
    from outbox.models import OutboundMail

    client.post(reverse("intake:confirm", args=[confirm_key(OutboundMail.objects.get())]))
    call_command("ensure_organizer", "--username", "orga", "--password", "pw-for-tests-123", stdout=io.StringIO())
    client.login(username="orga", password="pw-for-tests-123")
    url = reverse("admin:submissions_submission_changelist")
    incomplete = client.get(url + "?emailed=incomplete").content.decode()
    assert "Emailed Paper" in incomplete  # no topics yet: email cannot carry them
    paper = Submission.objects.get()
    paper.topics.set(intake_editions[0].cfp.topics.all()[:1])
    assert "Emailed Paper" not in client.get(url + "?emailed=incomplete").content.decode()
    assert "Emailed Paper" in client.get(url + "?emailed=complete").content.decode()


def test_ingest_email_stores_from_standard_input_and_reports(intake_editions):
    data = raw(message(sender="ann@example.org"))
    out = io.StringIO()
    call_command("ingest_email", "--sender=ann@example.org", "--recipient=papers@personal.example.org",
                 stdin=io.BytesIO(data), stdout=out)
    row = InboundMessage.objects.get()
    assert out.getvalue().startswith(f"Stored as inbound message #{row.pk}: {len(data)} bytes")
    assert row.channel == "pipe" and row.envelope_sender == "ann@example.org" and row.raw.read() == data
    out = io.StringIO()
    call_command("ingest_email", "--sender=", stdin=io.BytesIO(data), stdout=out)
    assert out.getvalue().startswith(f"Already stored as inbound message #{row.pk}")


def test_ingest_email_fails_with_75_when_storage_fails(intake_editions, settings, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    with pytest.raises(CommandError) as failure:
        call_command("ingest_email", stdin=io.BytesIO(raw(message(sender="ann@example.org"))), stdout=io.StringIO())
    assert failure.value.returncode == 75 and InboundMessage.objects.count() == 0


def test_an_oversize_message_keeps_its_headers_and_is_answered(intake_editions, settings):
    settings.INTAKE_MAX_MESSAGE_BYTES = 10_000
    data = raw(message(sender="ann@example.org", attachments=(("paper.pdf", TWO_PAGES * 30, "application/pdf"),)))
    call_command("ingest_email", stdin=io.BytesIO(data), stdout=io.StringIO())
    row = InboundMessage.objects.get()
    assert row.truncated and row.size == len(data) and row.raw.size < 2000
    inbound_process(inbound_id=row.pk)
    row.refresh_from_db()
    assert row.status == "refused"
    assert f"Your message is {math.ceil(len(data) / 1024)} KB; the limit is 9 KB." in row.error


@pytest.mark.parametrize("imap_host", ["", "imap.example.org"])
def test_the_imap_poll_is_scheduled_only_with_an_imap_host(imap_host, tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "personal_site.settings", "INTAKE_IMAP_HOST": imap_host,
           "VAR_DIR": str(tmp_path)}
    script = ("import json; from django.conf import settings; "
              "print(json.dumps({k: v['schedule'] for k, v in settings.CELERY_BEAT_SCHEDULE.items() "
              "if k.startswith('intake')}))")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {script}"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=True)
    schedule = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {"intake-sweep": 300.0} | ({"intake-poll-imap": 60.0} if imap_host else {})
    assert schedule == expected
