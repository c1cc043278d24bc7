"""Authors submit, see receipts, replace, withdraw — through HTTP, as a browser without JS would."""
import datetime
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outbox.models import OutboundMail
from program.models import ImportantDate
from submissions.models import PaperVersion, Submission

from .conftest import pdf_with_pages

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "title": "Sparse Embeddings at Scale",
        "abstract": "We study embeddings.",
        "authors-TOTAL_FORMS": "3", "authors-INITIAL_FORMS": "0",
        "authors-MIN_NUM_FORMS": "0", "authors-MAX_NUM_FORMS": "20",
        "authors-0-name": "Ann Author", "authors-0-email": "ann@example.org", "authors-0-affiliation": "Uni A",
        "authors-1-name": "Bob Coauthor", "authors-1-email": "bob@example.org", "authors-1-affiliation": "Lab B",
        "authors-2-name": "", "authors-2-email": "", "authors-2-affiliation": "",
    }
    data.update(overrides)
    return data


def status_of(page: str) -> str:
    """The paper page's status line, as read on screen."""
    found = re.search(r'<p class="status[^"]*">(.*?)</p>', page, re.S)
    assert found, "the page shows no status"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def upload(data: bytes, name="paper.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def ann(make_author, client):
    user = make_author("ann@example.org")
    client.force_login(user)
    return user


def submit(client, edition, *, pdf=None, **fields):
    data = form_data(**fields)
    data["submit"] = "1"
    if pdf is not None:
        data["pdf"] = upload(pdf)
    return client.post(reverse("submissions:new", args=[edition.slug]), data)


def test_anonymous_visitor_is_sent_to_sign_in(client, open_edition):
    response = client.get(reverse("submissions:new", args=[open_edition.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_submit_a_two_page_paper_and_get_a_receipt(client, ann, open_edition, django_capture_on_commit_callbacks):
    pdf = pdf_with_pages(2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(client, open_edition, pdf=pdf, topics=[open_edition.cfp.topics.first().pk])
    assert response.status_code == 302
    paper = Submission.objects.get()
    assert response["Location"] == paper.get_absolute_url()
    assert paper.status == Submission.Status.SUBMITTED and paper.contact == ann
    assert [a.email for a in paper.authors.all()] == ["ann@example.org", "bob@example.org"]
    version = paper.versions.get()
    assert version.sha256 == hashlib.sha256(pdf).hexdigest() and version.page_count == 2 and version.size == len(pdf)
    assert version.file.read() == pdf  # stored unchanged
    assert "paper.pdf" not in version.file.name  # the server chose the name

    receipts = OutboundMail.objects.filter(kind="receipt").order_by("recipient")
    assert [r.recipient for r in receipts] == ["ann@example.org", "bob@example.org"]
    assert all(r.state == OutboundMail.State.QUEUED for r in receipts)
    assert len(callbacks) == 1  # both handed to Celery only after the commit, in one batch
    body = receipts[0].body
    assert "Sparse Embeddings at Scale" in body and "Ann Author" in body and "Bob Coauthor" in body
    assert version.sha256 in body
    assert "You can update until" in body and "AoE (UTC−12)" in body

    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Submitted" in page and version.sha256 in page and "Sparse Embeddings at Scale" in page
    assert status_of(page).startswith("Status: Submitted. Submitted on ")
    assert "Receipts sent to you" in page and "You can update until" in page


def test_a_draft_is_plainly_not_submitted(client, ann, open_edition):
    data = form_data(abstract="")
    data["draft"] = "1"
    response = client.post(reverse("submissions:new", args=[open_edition.slug]), data)
    paper = Submission.objects.get()
    assert response.status_code == 302 and paper.status == Submission.Status.DRAFT
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "Draft — not submitted." in page
    assert status_of(page).startswith("Status: Draft — not submitted.")
    mine = client.get(reverse("submissions:mine")).content.decode()
    assert "Draft — not submitted" in mine


def test_submit_without_pdf_keeps_a_draft_and_says_what_is_missing(client, ann, open_edition):
    response = submit(client, open_edition)
    paper = Submission.objects.get()
    assert paper.status == Submission.Status.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "NOT submitted: the paper still needs a PDF." in page


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (pdf_with_pages(3), "Your PDF has 3 pages; the limit is 2."),
        (b"<html><body>not a paper</body></html>", "This file is not a PDF"),
        (b"", "empty"),
    ],
)
def test_refused_files_keep_what_the_author_typed(client, ann, open_edition, payload, message):
    response = submit(client, open_edition, pdf=payload, title="Typed Title Survives")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="Typed Title Survives"' in page and "bob@example.org" in page
    assert not Submission.objects.exists() and not PaperVersion.objects.exists()


def test_replace_the_pdf_keeps_every_version(client, ann, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    second = pdf_with_pages(1)
    data = form_data(title="Sparse Embeddings at Scale (revised)")
    data["save"] = "1"
    data["pdf"] = upload(second)
    response = client.post(reverse("submissions:edit", args=[paper.pk]), data)
    assert response.status_code == 302
    assert paper.versions.count() == 2
    assert paper.versions.latest().sha256 == hashlib.sha256(second).hexdigest()
    page = client.get(paper.get_absolute_url()).content.decode()
    assert "(revised)" in page and "PDF replaced" in page and page.count("Download") == 2


def test_any_author_may_withdraw_and_all_are_told(client, ann, make_author, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    bob = make_author("bob@example.org")
    client.force_login(bob)  # a co-author who verified the listed address
    response = client.post(reverse("submissions:withdraw", args=[paper.pk]), {"confirm": "on", "reason": "Too early"})
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.status == Submission.Status.WITHDRAWN
    withdrawn = paper.events.get(action="withdrawn")
    assert sorted(OutboundMail.objects.filter(object_key=withdrawn.object_key).values_list("recipient", flat=True)) \
        == ["ann@example.org", "bob@example.org"]
    page = client.get(paper.get_absolute_url()).content.decode()
    assert status_of(page).startswith("Status: Withdrawn. Withdrawn on ")
    # Withdrawn already: the page offers no withdrawal, and the withdraw address says why.
    assert reverse("submissions:withdraw", args=[paper.pk]) not in page
    again = client.get(reverse("submissions:withdraw", args=[paper.pk]), follow=True).content.decode()
    assert "This paper is withdrawn already." in again


def test_two_withdrawals_at_once_make_one_event_and_one_notice(client, ann, open_edition):
    from django.utils import timezone

    from submissions.services.authoring import submission_withdraw
    from submissions.services.errors import SubmissionError

    submit(client, open_edition, pdf=pdf_with_pages(2))
    first_tab, second_tab = Submission.objects.get(), Submission.objects.get()  # both loaded before either posts
    submission_withdraw(submission=first_tab, user=ann, at=timezone.now())
    with pytest.raises(SubmissionError, match="withdrawn already"):
        submission_withdraw(submission=second_tab, user=ann, at=timezone.now())
    assert first_tab.events.filter(action="withdrawn").count() == 1


def test_the_withdraw_page_asks_for_confirmation_and_says_what_follows(client, ann, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    page = client.get(paper.get_absolute_url()).content.decode()
    url = reverse("submissions:withdraw", args=[paper.pk])
    assert f'href="{url}"' in page
    confirm = " ".join(re.sub(r"<[^>]+>", " ", client.get(url).content.decode()).split())
    assert "Every author receives a notice by email" in confirm
    assert "Its review stops: reviewers no longer see it and no decision is made." in confirm
    assert "This cannot be undone" in confirm
    assert "Submissions are still open, until" in confirm and "submit the work again as a new paper" in confirm
    # Without the tick nothing happens.
    refused = client.post(url, {"reason": "oops"})
    assert refused.status_code == 200 and "Tick the box to confirm." in refused.content.decode()
    paper.refresh_from_db()
    assert not paper.is_withdrawn


def test_co_author_with_verified_email_may_edit(client, ann, make_author, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    client.force_login(make_author("bob@example.org"))
    assert client.get(paper.get_absolute_url()).status_code == 200
    assert client.get(reverse("submissions:edit", args=[paper.pk])).status_code == 200


def test_unverified_address_does_not_open_the_paper(client, ann, make_author, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    client.force_login(make_author("bob@example.org", verified=False))
    assert client.get(paper.get_absolute_url()).status_code == 404


def test_after_the_deadline_nothing_changes_and_the_page_says_why(client, ann, open_edition):
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    deadline = ImportantDate.objects.get(edition=open_edition, kind="submission_deadline")
    deadline.moment = datetime.datetime(2020, 5, 8, 11, 59, 59, tzinfo=datetime.UTC)
    deadline.save()
    response = client.post(reverse("submissions:edit", args=[paper.pk]), {**form_data(title="Late"), "save": "1"})
    assert response.status_code == 403
    assert "Changes closed at the deadline, May 7, 2020, 23:59:59 AoE (UTC−12)." in response.content.decode()
    paper.refresh_from_db()
    assert paper.title == "Sparse Embeddings at Scale"
    new = client.get(reverse("submissions:new", args=[open_edition.slug]))
    assert new.status_code == 403 and "Submissions closed at the deadline" in new.content.decode()
    assert "can no longer be changed" in client.get(paper.get_absolute_url()).content.decode()
    # Withdrawing still makes sense (it stops the review), but the work cannot come back to this edition.
    confirm = client.get(reverse("submissions:withdraw", args=[paper.pk])).content.decode()
    assert "Submissions to Practice edition are closed: the work cannot be submitted again" in confirm


def test_download_is_an_attachment_for_authors_only(client, ann, make_author, open_edition):
    pdf = pdf_with_pages(2)
    submit(client, open_edition, pdf=pdf)
    version = PaperVersion.objects.get()
    url = reverse("submissions:download", args=[version.submission_id, version.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf
    client.force_login(make_author("eve@example.org"))
    assert client.get(url).status_code == 404


def test_receipts_to_strangers_are_throttled_per_account(client, ann, open_edition, settings):
    settings.RECEIPTS_TO_OTHERS_PER_HOUR = 1
    submit(client, open_edition, pdf=pdf_with_pages(2))
    paper = Submission.objects.get()
    client.post(reverse("submissions:edit", args=[paper.pk]), {**form_data(title="Again"), "save": "1"})
    to_bob = OutboundMail.objects.filter(recipient="bob@example.org").order_by("created_at", "id")
    assert [m.state for m in to_bob] == [OutboundMail.State.QUEUED, OutboundMail.State.SUPPRESSED]
    to_ann = OutboundMail.objects.filter(recipient="ann@example.org")
    assert to_ann.count() == 2 and not to_ann.filter(state=OutboundMail.State.SUPPRESSED).exists()


def test_at_most_twenty_authors(client, ann, open_edition):
    data = form_data()
    data["authors-TOTAL_FORMS"] = "21"
    for i in range(21):
        data[f"authors-{i}-name"] = f"Author {i}"
        data[f"authors-{i}-email"] = f"a{i}@example.org"
        data[f"authors-{i}-affiliation"] = ""
    data["submit"] = "1"
    response = client.post(reverse("submissions:new", args=[open_edition.slug]), data)
    assert response.status_code == 400
    assert "20" in response.content.decode()
    assert not Submission.objects.exists()


def test_oversize_upload_is_refused_with_its_size(client, ann, open_edition, settings):
    settings.PDF_MAX_BYTES = 1024 * 1024
    response = submit(client, open_edition, pdf=pdf_with_pages(2) + b"%" * 1_200_000)
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not PaperVersion.objects.exists()
