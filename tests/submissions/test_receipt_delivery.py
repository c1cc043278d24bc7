"""A receipt travels the whole way: web form → outbox row → real Celery worker on Redis → real SMTP server."""
import pytest
from django.urls import reverse

from outbox.models import OutboundMail
from submissions.models import Submission
from tests.support.celery_worker import wait_until

from .conftest import pdf_with_pages
from .test_author_flow import form_data, upload

pytestmark = pytest.mark.services


def test_the_receipt_reaches_every_author_through_a_real_worker(client, open_edition, make_author,
                                                                celery_worker_redis, smtp_backend):
    client.force_login(make_author("ann@example.org"))
    pdf = pdf_with_pages(2)
    data = form_data()
    data.update({"submit": "1", "pdf": upload(pdf)})
    assert client.post(reverse("submissions:new", args=[open_edition.slug]), data).status_code == 302

    smtp_backend.wait_for(2)
    wait_until(lambda: set(OutboundMail.objects.values_list("state", flat=True)) == {"sent"},
               message="both receipts sent")
    paper = Submission.objects.get()
    version = paper.versions.get()
    by_recipient = {m.envelope_rcpt[0]: m for m in smtp_backend.messages}
    assert sorted(by_recipient) == ["ann@example.org", "bob@example.org"]
    body = by_recipient["bob@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert "Sparse Embeddings at Scale" in by_recipient["bob@example.org"]["Subject"]
    assert version.sha256 in body and "Bob Coauthor" in body
    assert "You can update until" in body and "AoE (UTC−12)" in body
    assert len(smtp_backend.message_ids()) == 2


@pytest.mark.django_db
def test_failed_logins_are_throttled(client, make_author):
    make_author("ann@example.org", password="correct-horse-battery-9")
    url = reverse("account_login")
    pages = [client.post(url, {"login": "ann@example.org", "password": f"wrong-{i}"}).content.decode()
             for i in range(6)]
    assert all("password you specified are not correct" in page for page in pages[:5])
    assert "Too many failed login attempts. Try again later." in pages[5]
    # Even the right password is refused while the account is locked: guessing cannot go on.
    locked = client.post(url, {"login": "ann@example.org", "password": "correct-horse-battery-9"})
    assert locked.status_code == 200 and "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_ups_are_throttled_per_client(client):
    url = reverse("account_signup")
    codes = []
    for i in range(12):
        codes.append(client.post(url, {"email": f"new{i}@example.org", "name": "N", "password1": "a-Long-pass-9x",
                                       "password2": "a-Long-pass-9x"}).status_code)
        client.logout()
    assert codes[:10] == [302] * 10 and codes[10:] == [429, 429]
