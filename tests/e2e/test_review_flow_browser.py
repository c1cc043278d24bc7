"""Review and decisions in a real browser: assign, review, stage, preview, release once, see the program.

The same flows are tested over HTTP in tests/review/test_review_flow.py; here a real Chromium
clicks through the organizer area and the reviewer's page on a live server over a transactional database
(the server runs in another thread and sees only committed rows). The organizer's browser carries a session
cookie made by Django's test client (the demo organizer account has no verified address to sign in with);
the reviewer signs in through the login page. Every page of the flow is checked with axe-core (no serious or
critical violation) and photographed under test-results/screenshots/review-*.png.

No Celery worker runs here: the ids the outbox hands to the broker after commit are recorded instead
(the real worker and SMTP server are exercised in tests/outbox/test_decision_mail_real_worker.py).
"""
import contextlib
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot_path
from tests.review import conftest as review_fixtures

pytestmark = pytest.mark.browser

# The review package's fixtures, reused as they are (see tests/e2e/test_author_flow_browser.py for why
# assigning them is enough: with ``live_server`` in the test, their ``db`` becomes ``transactional_db``).
review_world = review_fixtures.review_world

PASSWORD = "correct-horse-battery-9"  # make_author's default


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in_with_session_cookie(context, live_server, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")  # the account hub


@contextlib.contextmanager
def visitor_page(browser):
    """An anonymous visitor's page in a browser context of its own (its own HTTP cache)."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    try:
        yield context.new_page()
    finally:
        context.close()


def check_page(page, found: dict, name: str, *, phone: bool = False) -> None:
    """Screenshot (desktop, and phone if asked) and axe-core on the page as it stands."""
    page.screenshot(path=screenshot_path(f"review-{name}", "desktop"), full_page=True)
    found[name] = serious_violations(page)
    if phone:
        page.set_viewport_size(VIEWPORTS["phone"])
        page.screenshot(path=screenshot_path(f"review-{name}", "phone"), full_page=True)
        found[f"{name} (phone)"] = serious_violations(page)
        # Reflow: nothing makes the whole page scroll sideways on a phone (wide tables scroll in their own box).
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > VIEWPORTS["phone"]["width"]:
            found[f"{name} (phone)"].append(f"the page is {width} px wide on a {VIEWPORTS['phone']['width']} px phone")
        page.set_viewport_size(VIEWPORTS["desktop"])


def test_organizer_assigns_reviewer_reviews_organizer_decides_previews_and_releases_once(
    browser, context, page, live_server, review_world, broker_handoffs, browser_problems
):
    from outbox.models import OutboundMail
    from program.deadlines import VIDEO
    from program.models import Talk
    from review.models import Assignment, Decision, Review
    from submissions.extensions import deadline_for

    w = review_world
    edition, alpha, gamma = w["edition"], w["alpha"], w["gamma"]
    found: dict[str, list[str]] = {}
    page.set_viewport_size(VIEWPORTS["desktop"])

    # --- The organizer opens the organizer area and the submissions table --------------------------------
    sign_in_with_session_cookie(context, live_server, w["organizer"])
    page.goto(live_server.url + "/submissions/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Organizer area").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organizer area")
    page.get_by_role("link", name=edition.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Submissions to {edition.title}")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Alpha Embeddings")).to_contain_text("0/0")
    check_page(page, found, "organizer-table", phone=True)

    # --- … and assigns Rita to Alpha on the paper page (the fixture's reviewers; nobody is invited) ------
    page.get_by_role("link", name="Alpha Embeddings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{alpha.pk} Alpha Embeddings")
    check_page(page, found, "organizer-paper")
    assign = page.get_by_role("group", name="Assign reviewers")
    assign.get_by_label("Rita").check()
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text(f"Rita is assigned to #{alpha.pk}.")
    expect(page.locator("main")).to_contain_text("Rita — not reviewed yet")
    assert list(Assignment.objects.values_list("submission_id", "reviewer__name")) == [(alpha.pk, "Rita")]

    # --- Rita signs in, finds the paper among her reviews and writes a review ----------------------------
    reviewer_context = browser.new_context(viewport=VIEWPORTS["desktop"])
    try:
        rita = reviewer_context.new_page()
        rita.on("console", lambda m: browser_problems.append(m.text) if m.type == "error" else None)
        rita.on("pageerror", lambda error: browser_problems.append(str(error)))
        sign_in(rita, live_server, "rita@example.org")
        rita.get_by_role("navigation", name="Account").get_by_role("link", name="My reviews").click()
        expect(rita.locator("main")).to_contain_text("Alpha Embeddings")
        expect(rita.locator("main")).not_to_contain_text("Gamma Caches")
        rita.get_by_role("link", name=re.compile("Alpha Embeddings")).click()
        expect(rita.get_by_role("heading", level=1)).to_have_text(f"#{alpha.pk} Alpha Embeddings")
        check_page(rita, found, "reviewer-paper", phone=True)

        score = rita.get_by_role("group", name="Overall score")
        confidence = rita.get_by_role("group", name="Confidence")
        expect(score.get_by_role("radio")).to_have_count(6)  # +3 … −3, no blank "---------" choice
        expect(confidence.get_by_role("radio")).to_have_count(3)
        score.get_by_label("+2 accept").check()
        confidence.get_by_label("3 high").check()
        rita.get_by_label("Comments for authors").fill("Clear and useful. Section 3 could cite prior caches.")
        rita.get_by_label("Comments for organizers").fill("Accept.")
        rita.get_by_role("button", name="Save the review").click()
        expect(rita.locator(".messages")).to_contain_text("Review saved.")
        expect(score.get_by_label("+2 accept")).to_be_checked()
        check_page(rita, found, "reviewer-paper-saved")
    finally:
        reviewer_context.close()
    review = Review.objects.get()
    assert (review.score, review.confidence, review.assignment.reviewer.name) == (2, 3, "Rita")

    # --- The organizer sees the review and stages accept for Alpha, reject for Gamma -------------------
    page.reload()
    expect(page.locator("main")).to_contain_text("Rita — reviewed (score +2, confidence 3)")
    expect(page.locator("article.review")).to_contain_text("Clear and useful.")
    stage = page.get_by_role("group", name="Stage a decision")
    stage.get_by_label("Accept").check()
    page.get_by_role("button", name="Stage decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision staged.")
    expect(page.locator("main")).to_contain_text("Staged: Accept (not released).")
    check_page(page, found, "organizer-paper-staged", phone=True)

    page.get_by_role("navigation", name="Organizer").get_by_role("link", name="Submissions").click()
    page.get_by_role("link", name="Gamma Caches").click()
    page.get_by_role("group", name="Stage a decision").get_by_label("Reject").check()
    page.get_by_role("button", name="Stage decision").click()
    expect(page.locator("main")).to_contain_text("Staged: Reject (not released).")
    assert dict(Decision.objects.values_list("submission_id", "outcome")) == {alpha.pk: "accept", gamma.pk: "reject"}

    # --- The decisions page, and the preview of each mail: every placeholder filled ----------------------
    page.get_by_role("navigation", name="Organizer").get_by_role("link", name="Decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Decisions for {edition.title}")
    staged = page.locator("table tbody tr")
    expect(staged).to_have_count(2)
    check_page(page, found, "decisions", phone=True)

    video_deadline = str(deadline_for(edition, VIDEO, submission=alpha))
    staged.filter(has_text="Alpha Embeddings").get_by_role("link", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Decision mail for #{alpha.pk} (Accept)")
    main = page.locator("main")
    expect(main).to_contain_text("To: ann@example.org, bob@example.org")
    expect(main).to_contain_text(f"[{edition.title}] Your paper “Alpha Embeddings” is accepted")
    body = page.locator("pre.mail-preview")
    expect(body).to_contain_text("Dear Ann, Bob,")  # the authors, in order
    expect(body).to_contain_text("“Alpha Embeddings” has been accepted")
    expect(body).to_contain_text("Review 1:\nClear and useful. Section 3 could cite prior caches.")
    expect(body).to_contain_text(f"by {video_deadline}:")
    expect(body).not_to_contain_text("Accept.")  # the comments for organizers stay with the organizers
    expect(body).not_to_contain_text("Rita")  # authors never learn who reviewed
    assert "(to be announced)" not in video_deadline
    assert not re.search(r"\{\w+\}", body.inner_text()), "a placeholder was left unfilled"
    check_page(page, found, "preview-accept")

    page.go_back()
    staged.filter(has_text="Gamma Caches").get_by_role("link", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Decision mail for #{gamma.pk} (Reject)")
    expect(main).to_contain_text("To: carol@example.org, gwen@example.org")
    expect(main).to_contain_text(f"[{edition.title}] Decision on your paper “Gamma Caches”")
    expect(body).to_contain_text("Dear Carol, Gwen,")
    expect(body).to_contain_text("could not be accepted this time")
    expect(body).to_contain_text("(No comments.)")
    assert not re.search(r"\{\w+\}", body.inner_text()), "a placeholder was left unfilled"
    check_page(page, found, "preview-reject")

    # Nothing has been queued, nor is anything on the program yet.
    assert not OutboundMail.objects.filter(kind="decision").exists()
    with visitor_page(browser) as visitor:
        visitor.goto(live_server.url + f"/{edition.slug}/")
        expect(visitor.locator("main")).to_contain_text("Q&A")
        expect(visitor.locator("main")).not_to_contain_text("Alpha Embeddings")

    # --- Release: the page says how many mails were queued; a second press sends nothing ---------------
    page.goto(live_server.url + f"/organizer/{edition.slug}/decisions/")
    page.get_by_role("button", name="Release decisions…").click()
    expect(page.locator("main")).to_contain_text(
        "4 decision mails will be sent to 4 authors for 2 papers; papers without decision: 0.")
    check_page(page, found, "release-confirm", phone=True)
    assert not OutboundMail.objects.filter(kind="decision").exists()  # asking is not releasing
    stale_tab = context.new_page()  # the same confirmation, left open in a second tab
    stale_tab.goto(page.url)
    page.get_by_role("button", name="Release and send 4 mails").click()
    expect(page.locator(".messages")).to_contain_text(
        "2 decision(s) released; 4 mail(s) queued; 0 already sent before, not sent again.")
    expect(page.locator("main")).to_contain_text("No staged decision.")
    released = page.get_by_role("heading", name="Released").locator("xpath=following-sibling::ul[1]")
    expect(released).to_contain_text("Alpha Embeddings — Accept")
    expect(released).to_contain_text("Gamma Caches — Reject")
    check_page(page, found, "decisions-released")
    decision_mails = OutboundMail.objects.filter(kind="decision")
    assert sorted(decision_mails.values_list("recipient", flat=True)) == [
        "ann@example.org", "bob@example.org", "carol@example.org", "gwen@example.org"]
    handed_after_first_release = list(broker_handoffs)
    assert set(decision_mails.values_list("pk", flat=True)) <= set(handed_after_first_release)

    page.get_by_role("button", name="Release decisions…").click()
    expect(page.locator("main")).to_contain_text("0 decision mails will be sent to 0 authors for 0 papers")
    expect(page.get_by_role("button", name=re.compile("Release and send"))).to_have_count(0)
    # The confirmation left open in the other tab posts again: nothing is sent twice.
    stale_tab.get_by_role("button", name="Release and send 4 mails").click()
    expect(stale_tab.locator(".messages")).to_contain_text(
        "Nothing new to release: every decision mail was already sent (4 mail(s)).")
    assert OutboundMail.objects.filter(kind="decision").count() == 4
    assert broker_handoffs == handed_after_first_release  # nothing handed to the broker a second time

    # --- The accepted paper is on the public program, in the Q&A session; the rejected one is not -------
    # A fresh visitor: public pages say "Cache-Control: public, max-age=60", so a browser that showed the
    # program a moment ago may show its own copy for up to a minute (the server's cache is cleared at once).
    talk = Talk.objects.get(submission=alpha)
    with visitor_page(browser) as visitor:
        visitor.goto(live_server.url + f"/{edition.slug}/")
        qa = visitor.locator(f"#session-{talk.session_id}")
        expect(qa).to_have_class(re.compile(r"\bsession-qa\b"))
        expect(qa.locator(f"#talk-{talk.pk}")).to_contain_text("Alpha Embeddings")
        expect(qa.locator(f"#talk-{talk.pk}")).to_contain_text("Ann")
        expect(visitor.locator("main")).not_to_contain_text("Gamma Caches")
        visitor.screenshot(path=screenshot_path("review-program-accepted", "desktop"), full_page=True)

    # --- Ann signs in, goes from the account hub to her paper: the decision, comments and what is due ------
    author_context = browser.new_context(viewport=VIEWPORTS["desktop"])
    try:
        ann = author_context.new_page()
        ann.on("pageerror", lambda error: browser_problems.append(str(error)))
        sign_in(ann, live_server, "ann@example.org")
        ann.get_by_role("main").get_by_role("link", name="My papers").click()
        expect(ann.locator("table tbody tr").filter(has_text="Alpha Embeddings")).to_contain_text("Accepted")
        ann.get_by_role("link", name=re.compile("Alpha Embeddings")).click()
        expect(ann.locator(".status")).to_contain_text("Status: Accepted.")
        decision = ann.get_by_role("region", name="Decision: accepted")
        expect(decision).to_contain_text("Clear and useful. Section 3 could cite prior caches.")
        expect(decision).not_to_contain_text("Rita")
        due = ann.get_by_role("region", name="What is due next")
        expect(due).to_contain_text("To do: Pre-recorded presentation (video) — Missing")
        expect(due).to_contain_text(video_deadline)
        check_page(ann, found, "author-paper-accepted", phone=True)
        due.get_by_role("link", name="Pre-recorded presentation (video)").click()
        expect(ann.get_by_role("heading", level=1)).to_have_text("Alpha Embeddings")
    finally:
        author_context.close()

    assert {name: v for name, v in found.items() if v} == {}
    assert browser_problems == []
