"""The whole life of a paper in the practice edition, walked by its people in real browsers, by clicks and mail links.

Ann signs up and submits; the organizer invites Rita to review (a mail), Rita signs up from the invitation and
accepts; the organizer assigns her the paper (a mail), she reviews it; the organizer accepts it and releases the
decisions after a confirmation that counts the mails; Ann follows the decision mail to her paper page, reads the
decision and Rita's comments (never Rita's name), follows what is due to upload her video and her final paper; the
organizer publishes both; a visitor opens the program, then the talk's own page, and the video plays.

Everything runs for real: a live server over a transactional database, a Celery worker on Redis (a thread of this
process) that sends every mail to aiosmtpd and checks the video with ffmpeg. Each person types one address, the
first (the site's root, or nothing at all when a mail is their way in); every other hop is a click on a link or
button, or a link read from a mail the SMTP server received. Every mail's links point at ``SITE_URL``. Each page
is photographed at desktop and phone width (test-results/screenshots/life-*.png) and checked with axe-core.
"""
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot_path
from tests.submissions.conftest import pdf_with_pages
from tests.support.playback import play_video
from tests.talkmedia.media import small_mp4

pytestmark = [pytest.mark.browser, pytest.mark.services]

PASSWORD = "correct-horse-battery-9"
ORGANIZER_PASSWORD = "pw-orga-12345-life"
LINK = re.compile(r"https?://[^\s<>\"')]+")
WORKER_MS = 90_000


class Mailbox:
    """The mails aiosmtpd accepted, read as their recipients would: by subject, then by the links in the text."""

    def __init__(self, smtp, site_url: str):
        self.smtp, self.site_url = smtp, site_url

    def wait_for(self, recipient: str, subject: str, timeout: float = 30):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.smtp.messages):
                if recipient in message["To"] and subject in str(message["Subject"]):
                    return message
            time.sleep(0.1)
        seen = [(m["To"], str(m["Subject"])) for m in self.smtp.messages]
        raise AssertionError(f"no mail to {recipient} with {subject!r} within {timeout} s; received: {seen}")

    def links(self, message) -> list[str]:
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = [link.rstrip(".,;") for link in LINK.findall(text)]
        strangers = [link for link in links if not link.startswith(self.site_url)]
        assert strangers == [], f"links not at SITE_URL ({self.site_url}) in {message['Subject']!r}: {strangers}"
        return links

    def link(self, recipient: str, subject: str, path_pattern: str) -> str:
        message = self.wait_for(recipient, subject)
        wanted = [link for link in self.links(message) if re.search(path_pattern, urlsplit(link).path)]
        assert wanted, f"no link matching {path_pattern} in {message['Subject']!r}: {self.links(message)}"
        return wanted[0]


def wider_than_screen(page) -> list[str]:
    """The innermost elements reaching past the screen's right edge (outside any scroll box), for the message."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, found = [];
        for (const el of document.querySelectorAll("body *")) {
            if (el.closest(".overflow-auto")) continue;
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > width + 1))
                found.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} `
                           + `(${Math.round(box.right)} px): ${el.textContent.trim().slice(0, 40)}`);
        }
        return found.slice(0, 5);
    }""")


class Checks:
    """axe-core (no serious or critical violation) and a screenshot at desktop and phone width, per page."""

    def __init__(self):
        self.found: dict[str, list[str]] = {}

    def page(self, page, name: str, *, public: bool = False) -> None:
        """Public pages must be free of moderate violations too."""
        impacts = ("moderate", "serious", "critical") if public else ("serious", "critical")
        for viewport in ("desktop", "phone"):
            page.set_viewport_size(VIEWPORTS[viewport])
            page.screenshot(path=screenshot_path(f"life-{name}", viewport), full_page=True)
            results = Axe().run(page)
            problems = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
                        for v in results.response["violations"]
                        if v["impact"] in impacts]
            width = page.evaluate("document.documentElement.scrollWidth")
            if viewport == "phone" and width > VIEWPORTS["phone"]["width"]:
                problems.append(f"the page is {width} px wide on a phone, because of {wider_than_screen(page)}")
            self.found[f"{name} ({viewport})"] = problems
        page.set_viewport_size(VIEWPORTS["desktop"])

    def failures(self) -> dict[str, list[str]]:
        return {name: problems for name, problems in self.found.items() if problems}


@pytest.fixture
def site(live_server, settings, smtp_backend, tmp_path):
    settings.SITE_URL = live_server.url
    settings.VIDEO_WORK_DIR = str(tmp_path / "video-work")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return live_server


@pytest.fixture
def people(browser):
    """One browser context per person (their own cookies); console errors of every page are collected."""
    contexts, problems = [], []

    def open_as(name: str):
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"{name}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"{name}: {error}"))
        return page

    yield open_as, problems
    for context in contexts:
        context.close()


def sign_up(page, mailbox: Mailbox, *, email: str, name: str, link: str) -> None:
    """From a page whose link ``link`` leads to sign-up: create an account, then confirm the address from the mail.

    The sign-up link carries where the person was going (``next``), and confirming the address leads there.
    """
    page.locator("main a", has_text=re.compile(rf"^\s*{link}\s*$")).click()  # a link, or a link styled as a button
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    page.goto(mailbox.link(email, "Confirm", r"/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()


def test_a_paper_from_sign_up_to_the_video_on_its_talk_page(
    site, people, celery_worker_redis, smtp_backend, open_edition, tmp_path
):
    from django.core.management import call_command

    from program.models import Talk
    from review.models import Review
    from submissions.models import Submission

    mailbox = Mailbox(smtp_backend, site.url)
    checks = Checks()
    open_as, browser_problems = people
    edition = open_edition
    call_command("ensure_organizer", "--username", "orga", "--email", "orga@example.org",
                 "--password", ORGANIZER_PASSWORD, "--url", site.url)

    # --- Ann finds the practice edition's call from the site's root and signs up from the paper form ----------
    ann = open_as("Ann")
    ann.goto(site.url + "/")  # the one address Ann types
    ann.get_by_role("link", name=re.compile(r"^Practice edition")).first.click()
    checks.page(ann, "program", public=True)
    ann.get_by_role("link", name="Call for participation").first.click()
    checks.page(ann, "call", public=True)
    ann.get_by_role("button", name="Submit online").click()
    expect(ann).to_have_url(re.compile(r"/accounts/login/"))
    sign_up(ann, mailbox, email="ann@example.org", name="Ann Author", link="sign up")
    expect(ann).to_have_url(re.compile(rf"/submissions/new/{edition.slug}/$"))  # where "Submit online" led

    ann.get_by_label("Title").fill("Lifelong Recommenders")
    ann.get_by_label("Abstract").fill("Recommenders that keep learning from their users, year after year.")
    ann.get_by_role("group", name="Author 1").get_by_label("Affiliation").fill("University A")
    paper_pdf = tmp_path / "paper.pdf"
    paper_pdf.write_bytes(pdf_with_pages(2))
    ann.get_by_label("PDF").set_input_files(paper_pdf)
    ann.get_by_role("button", name="Submit", exact=True).click()
    expect(ann.locator(".status")).to_contain_text("Submitted")
    paper = Submission.objects.get(title="Lifelong Recommenders")
    mailbox.wait_for("ann@example.org", "Lifelong Recommenders")  # the receipt
    checks.page(ann, "paper-submitted")

    # --- The organizer signs in on the site's own page with what make run prints, and invites Rita ----------
    orga = open_as("organizer")
    orga.goto(site.url + "/")
    orga.get_by_role("link", name="Your account").click()  # every public page's header; the hub says what to do
    orga.locator("main a", has_text=re.compile(r"^\s*Sign in\s*$")).click()
    orga.get_by_label("Email").fill("orga@example.org")
    orga.get_by_label("Password:", exact=True).fill(ORGANIZER_PASSWORD)
    orga.get_by_role("button", name="Sign In").click()
    expect(orga.get_by_role("heading", level=1)).to_have_text("Organizer area")
    checks.page(orga, "organizer-area")
    orga.get_by_role("link", name=edition.title).first.click()
    orga.get_by_role("navigation", name="Organizer").get_by_role("link", name="Reviewers").click()
    orga.get_by_label("Name").fill("Rita Reviewer")
    orga.get_by_label("Email").fill("rita@example.org")
    orga.get_by_role("button", name="Send the invitation").click()
    checks.page(orga, "reviewers")

    # --- Rita opens the invitation signed out: it says what it is and who sent it; she signs up and accepts --
    invitation = mailbox.link("rita@example.org", "review", r"/review/invitations/")
    rita = open_as("Rita")
    rita.goto(invitation)
    expect(rita.locator("main")).to_contain_text(edition.title)
    expect(rita.locator("main")).to_contain_text("review")
    checks.page(rita, "invitation-signed-out", public=True)
    sign_up(rita, mailbox, email="rita@example.org", name="Rita Reviewer", link="Create an account")
    expect(rita).to_have_url(invitation)  # back on the invitation, signed in
    rita.get_by_role("button", name="Accept the invitation").click()
    expect(rita.locator(".messages")).to_contain_text(re.compile("reviewer", re.I))

    # --- The organizer assigns the paper to Rita; the assignment mail brings her to it ------------------------
    orga.get_by_role("navigation", name="Organizer").get_by_role("link", name="Submissions").click()
    orga.get_by_role("link", name="Lifelong Recommenders").click()
    orga.get_by_role("group", name="Assign reviewers").get_by_label(re.compile("Rita")).check()
    orga.get_by_role("button", name="Assign").click()
    expect(orga.locator(".messages")).to_contain_text("assigned")

    rita.goto(mailbox.link("rita@example.org", "to review:", rf"/review/papers/{paper.pk}/"))
    expect(rita.get_by_role("heading", level=1)).to_contain_text("Lifelong Recommenders")
    rita.get_by_role("group", name="Overall score").get_by_label("+2 accept").check()
    rita.get_by_role("group", name="Confidence").get_by_label("3 high").check()
    rita.get_by_label("Comments for authors").fill("A clear case for lifelong learning; add a forgetting study.")
    rita.get_by_label("Comments for organizers").fill("Strong accept, between us.")
    rita.get_by_role("button", name="Save the review").click()
    expect(rita.locator(".messages")).to_contain_text("Review saved.")
    checks.page(rita, "review")
    assert Review.objects.filter(assignment__submission=paper).count() == 1

    # --- The organizer accepts the paper and releases, after a confirmation that counts the mails ------------
    orga.reload()
    orga.get_by_role("group", name="Stage a decision").get_by_label("Accept").check()
    orga.get_by_role("button", name="Stage decision").click()
    orga.get_by_role("navigation", name="Organizer").get_by_role("link", name="Decisions").click()
    checks.page(orga, "decisions")
    orga.get_by_role("button", name=re.compile("Release")).first.click()
    expect(orga.locator("main")).to_contain_text("1 decision mail")
    checks.page(orga, "release-confirmation")
    orga.get_by_role("button", name=re.compile("Release|Confirm|Send")).first.click()
    expect(orga.locator(".messages")).to_contain_text("released")

    # --- Ann follows the decision mail to her paper page: decision, Rita's comments, what is due ------------
    ann.goto(mailbox.link("ann@example.org", "accepted", rf"/submissions/{paper.pk}/"))
    main = ann.locator("main")
    expect(main).to_contain_text("Accepted")
    expect(main).to_contain_text("A clear case for lifelong learning; add a forgetting study.")
    expect(main).not_to_contain_text("Rita")
    expect(main).not_to_contain_text("between us")
    checks.page(ann, "paper-accepted")
    # Withdrawing an accepted paper asks first and says what follows; Ann keeps it.
    ann.get_by_role("button", name="Withdraw").click()
    expect(ann.locator(".withdraw-consequences")).to_contain_text("The paper's talk is taken off the program")
    ann.get_by_role("link", name="Keep it").click()
    expect(main).to_contain_text("Decision: accepted")

    ann.get_by_role("link", name=re.compile(r"video", re.I)).first.click()
    video_file = small_mp4(tmp_path / "my talk.mp4")
    ann.get_by_label(re.compile("video file", re.I)).set_input_files(str(video_file))
    ann.get_by_role("button", name="Upload", exact=True).click()
    expect(ann.locator("[data-message]")).to_contain_text("Upload complete", timeout=30_000)
    expect(ann.locator("table.videos tbody tr").first.locator("[data-video-state]")).to_have_text(
        "Ready", timeout=WORKER_MS)
    ann.get_by_label("Final paper (PDF)").set_input_files(paper_pdf)
    ann.get_by_role("button", name="Upload the final paper").click()
    expect(ann.locator("#paper")).to_contain_text("2 pages, 759 bytes (current)")
    checks.page(ann, "talk-media")

    # --- The organizer publishes the video and the final paper from "who is missing what" ------------------
    orga.get_by_role("navigation", name="Organizer").get_by_role("link", name="Talk media: who is missing what").click()
    checks.page(orga, "talk-media-overview")
    orga.get_by_role("button", name="Publish the video of “Lifelong Recommenders”").click()
    expect(orga.locator(".messages")).to_contain_text("ublished")
    orga.get_by_role("button", name="Publish the paper of “Lifelong Recommenders”").click()
    expect(orga.locator(".messages")).to_contain_text("ublished")
    talk = Talk.objects.get(submission=paper)
    assert talk.video_url and talk.paper_url

    # --- A visitor opens the program, then the talk's own page, and the video plays -------------------------
    visitor = open_as("visitor")
    visitor.goto(site.url + "/")
    visitor.get_by_role("link", name=re.compile(r"^Practice edition")).first.click()
    visitor.get_by_role("link", name="Lifelong Recommenders").first.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Lifelong Recommenders")
    expect(visitor.locator("main")).to_contain_text("Recommenders that keep learning")
    expect(visitor.get_by_role("link", name=re.compile("paper", re.I)).first).to_be_visible()
    played = play_video(visitor, "main video")
    assert played["readyState"] >= 2 and played["time"] > 0 and played["duration"] > 2, played
    checks.page(visitor, "talk-page", public=True)

    assert checks.failures() == {}
    assert browser_problems == []
