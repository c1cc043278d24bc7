"""An author's journey in a real browser: sign up, confirm the address, draft, submit, replace, withdraw.

The same flows are tested over HTTP in tests/submissions/test_author_flow.py; here a real Chromium
fills the forms, uploads files with the file picker and follows the links, on a live server over a
transactional database (the server runs in another thread and sees only committed rows). Also the
accessibility check (axe-core: no serious or critical violation) of the sign-up page, the paper form
and the paper page, and screenshots under test-results/screenshots/author-*.png.
"""
import hashlib
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot_path
from tests.submissions.conftest import pdf_with_pages

pytestmark = pytest.mark.browser

# The submissions package's fixtures, reused as they are. They ask for ``db``; a test that also asks
# for ``live_server`` gets ``transactional_db`` instead (pytest-django gives it precedence), so the rows
# they create are committed and the live server sees them.

PASSWORD = "correct-horse-battery-9"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")  # the account hub


def test_an_author_signs_up_submits_replaces_and_withdraws(
    page, live_server, open_edition, broker_handoffs, browser_problems, tmp_path
):
    from outbox.models import OutboundMail
    from submissions.models import Submission

    found: dict[str, list[str]] = {}

    # --- Sign up with an email address and a password ---------------------------------------------
    page.goto(live_server.url + "/accounts/signup/")
    page.screenshot(path=screenshot_path("author-signup", "desktop"), full_page=True)
    found["signup"] = serious_violations(page)
    page.get_by_label("Email").fill("ann@example.org")
    page.get_by_label("Your name").fill("Ann Author")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")

    # --- The confirmation mail --------------------------------------------------------------------
    # Account mail goes through the outbox like every other mail: a row in OutboundMail, handed to a
    # Celery task after the commit. No worker runs in this test, so the link is read from the row.
    mail = OutboundMail.objects.get(recipient="ann@example.org")
    assert mail.kind.startswith("account-") and mail.state == OutboundMail.State.QUEUED
    assert broker_handoffs == [mail.pk]
    link = CONFIRM_LINK.search(mail.body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(page.locator("main")).to_contain_text("ann@example.org")
    found["email confirmation"] = serious_violations(page)
    page.get_by_role("button", name="Confirm").click()

    # Confirming signs the new author in and lands on the account hub, which leads to "My papers".
    expect(page).to_have_url(live_server.url + "/accounts/home/")
    expect(page.locator(".account-nav")).to_contain_text("Signed in as ann@example.org")
    page.get_by_role("main").get_by_role("link", name="My papers").click()
    expect(page).to_have_url(live_server.url + "/submissions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My papers")
    page.get_by_role("link", name="Submit a paper to Practice edition").click()
    expect(page).to_have_url(live_server.url + f"/submissions/new/{open_edition.slug}/")

    # --- A draft, without a PDF --------------------------------------------------------------------
    page.screenshot(path=screenshot_path("author-paper-form", "desktop"), full_page=True)
    found["paper form"] = serious_violations(page)
    page.get_by_label("Title").fill("Sparse Embeddings at Scale")
    page.get_by_label("Abstract").fill("We study embeddings for recommendation at scale.")
    first_author = page.get_by_role("group", name="Author 1")
    expect(first_author.get_by_label("Email")).to_have_value("ann@example.org")  # filled in from the account
    expect(first_author.get_by_label("Name")).to_have_value("Ann Author")  # the name given at sign-up
    first_author.get_by_label("Affiliation").fill("University A")
    second_author = page.get_by_role("group", name="Author 2")
    second_author.get_by_label("Name").fill("Bob Coauthor")
    second_author.get_by_label("Email").fill("bob@example.org")
    page.get_by_role("button", name="Save as draft").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^#\d+ Sparse Embeddings at Scale$"))
    expect(page.locator(".status")).to_contain_text("Draft — not submitted.")
    expect(page.locator("main")).to_contain_text("No PDF yet.")
    paper = Submission.objects.get()
    assert paper.status == Submission.Status.DRAFT

    # --- Upload a 2-page PDF and submit ------------------------------------------------------------
    two_pages = tmp_path / "paper.pdf"
    two_pages.write_bytes(pdf_with_pages(2))
    page.get_by_role("button", name="Complete and submit").click()
    expect(page.get_by_label("Title")).to_have_value("Sparse Embeddings at Scale")
    page.get_by_label("PDF").set_input_files(two_pages)
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page).to_have_url(live_server.url + paper.get_absolute_url())
    expect(page.locator(".status")).to_contain_text("Submitted")
    expect(page.locator(".messages")).to_contain_text("A receipt is on its way to every author.")
    sha256 = hashlib.sha256(two_pages.read_bytes()).hexdigest()
    expect(page.locator("code.hash")).to_have_text(sha256)
    expect(page.get_by_role("heading", name="Receipts sent to you")).to_be_visible()
    receipt = page.locator("details.receipt")
    expect(receipt).to_contain_text("Sparse Embeddings at Scale")
    expect(receipt).to_contain_text(sha256)
    expect(receipt).to_contain_text("Bob Coauthor")
    page.screenshot(path=screenshot_path("author-paper-submitted", "desktop"), full_page=True)
    found["paper page"] = serious_violations(page)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.screenshot(path=screenshot_path("author-paper-submitted", "phone"), full_page=True)
    found["paper page (phone)"] = serious_violations(page)
    page.set_viewport_size(VIEWPORTS["desktop"])

    # --- Replace the PDF with a 1-page one: both versions stay -------------------------------------
    one_page = tmp_path / "paper-v2.pdf"
    one_page.write_bytes(pdf_with_pages(1))
    page.get_by_role("button", name="Edit details or replace the PDF").click()
    page.get_by_label("PDF").set_input_files(one_page)
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(live_server.url + paper.get_absolute_url())
    versions = page.locator("table tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("(current)")
    expect(versions.first.locator("td").nth(1)).to_have_text("1")
    expect(versions.first.locator("code.hash")).to_have_text(hashlib.sha256(one_page.read_bytes()).hexdigest())
    expect(versions.nth(1).locator("code.hash")).to_have_text(sha256)
    expect(page.locator(".history")).to_contain_text("PDF replaced")
    expect(page.locator(".status")).to_contain_text("Submitted")

    # --- Withdraw: the box must be ticked ---------------------------------------------------------
    page.get_by_role("button", name="Withdraw", exact=True).click()
    page.get_by_role("button", name="Withdraw the paper").click()
    expect(page.locator(".field-error")).to_have_text("Tick the box to confirm.")
    page.get_by_label("Yes, withdraw this paper.").check()
    page.get_by_role("button", name="Withdraw the paper").click()

    expect(page).to_have_url(live_server.url + paper.get_absolute_url())
    expect(page.locator(".status")).to_contain_text("Withdrawn")
    expect(page.get_by_role("button", name="Withdraw", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Edit details or replace the PDF")).to_have_count(0)
    page.screenshot(path=screenshot_path("author-paper-withdrawn", "desktop"), full_page=True)
    paper.refresh_from_db()
    assert paper.status == Submission.Status.WITHDRAWN

    page.get_by_role("link", name="My papers").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text("Withdrawn")

    assert {name: v for name, v in found.items() if v} == {}
    assert browser_problems == []  # no refused inline script or style, no script error


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (pdf_with_pages(3), "Your PDF has 3 pages; the limit is 2."),
        (b"<!doctype html><html><body><p>not a paper</p></body></html>",
         "This file is not a PDF (it does not start with %PDF-). Please export your paper as PDF."),
    ],
    ids=["three-pages", "html-named-pdf"],
)
def test_a_refused_file_is_explained_and_the_typed_details_stay(
    page, live_server, open_edition, make_author, broker_handoffs, tmp_path, payload, message
):
    from submissions.models import PaperVersion, Submission

    make_author("ann@example.org")
    sign_in(page, live_server, "ann@example.org")
    page.goto(live_server.url + f"/submissions/new/{open_edition.slug}/")
    page.get_by_label("Title").fill("Typed Title Survives")
    page.get_by_label("Abstract").fill("An abstract typed once.")
    first_author = page.get_by_role("group", name="Author 1")
    first_author.get_by_label("Name").fill("Ann Author")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(payload)
    page.get_by_label("PDF").set_input_files(pdf)
    page.get_by_role("button", name="Submit", exact=True).click()

    # The page comes back at its top: the summary there says nothing was saved and why, in view, and
    # leads to the PDF field, far below, where the same message stands.
    summary = page.get_by_role("alert")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text("Not saved. The paper was not saved")
    expect(summary).to_contain_text(f"PDF: {message}")
    expect(summary).to_be_in_viewport()
    summary.get_by_role("link", name="PDF").click()
    expect(page.get_by_label("PDF")).to_be_in_viewport()
    error = page.locator(".field-error")
    expect(error).to_have_count(1)
    expect(error).to_have_text(message)
    expect(page.get_by_label("PDF")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value("Typed Title Survives")
    expect(page.get_by_label("Abstract")).to_have_value("An abstract typed once.")
    expect(first_author.get_by_label("Name")).to_have_value("Ann Author")
    expect(first_author.get_by_label("Email")).to_have_value("ann@example.org")
    page.screenshot(path=screenshot_path(f"author-refused-{'pages' if b'%PDF' in payload else 'not-pdf'}",
                                         "desktop"), full_page=True)
    assert serious_violations(page) == []
    assert not Submission.objects.exists() and not PaperVersion.objects.exists()
    assert broker_handoffs == []  # nothing stored, nothing mailed
