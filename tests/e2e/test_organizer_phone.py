"""Issue #10: every organizer page works on a phone (375 x 812): nothing makes the page wider than the
screen; wide tables scroll inside their own labelled, focusable box. Screenshots of each page go to
test-results/screenshots/organizer-phone-*.png.

The data is made wide on purpose: a long title, a long address, mails with long subjects and bodies.
"""
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import screenshot_path
from tests.e2e.test_review_flow_browser import sign_in_with_session_cookie
from tests.organizer.conftest import organizer_pages
from tests.review import conftest as review_fixtures

pytestmark = pytest.mark.browser

review_world = review_fixtures.review_world
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def wide_world(review_world):
    from outbox.models import OutboundMail
    from review.models import Decision
    from review.services.decisions import decision_stage, decisions_release
    from review.services.reviewers import assignments_bulk

    w = review_world
    alpha = w["alpha"]
    alpha.title = "Alpha Embeddings for Personalised Recommendation at Scale: An Extraordinarily Long Title"
    alpha.save(update_fields=["title"])
    assignments_bulk(submissions=[alpha, w["gamma"]], reviewers=list(w["reviewers"].values())[:2], by=w["organizer"])
    decision_stage(submission=alpha, outcome=Decision.Outcome.ACCEPT, by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])  # alpha becomes a talk: talk media has a row
    decision_stage(submission=w["gamma"], outcome=Decision.Outcome.REJECT, by=w["organizer"])
    OutboundMail.objects.create(
        kind="receipt", object_key="submission-event:999",
        recipient="a.very.long.mailbox.name.for.testing.wrapping@subdomain.example.org",
        subject="A subject that goes on and on " * 4, body="A body line without any break " * 20,
        state=OutboundMail.State.FAILED, attempts=8, last_error="550 5.1.1 " + "x" * 120)
    return w


def test_every_organizer_page_fits_a_phone(browser, live_server, wide_world, broker_handoffs, browser_problems):
    context = browser.new_context(viewport=PHONE)
    try:
        sign_in_with_session_cookie(context, live_server, wide_world["organizer"])
        page = context.new_page()
        page.on("console", lambda m: browser_problems.append(m.text) if m.type == "error" else None)
        too_wide, violations = {}, {}
        for name, url in organizer_pages(wide_world).items():
            response = page.goto(live_server.url + url)
            assert response.status, name
            assert response.status == 200, (name, response.status)
            assert page.locator("nav.organizer-nav").count() == 1, name
            # Open every mail's text too: an opened <details> must not widen the page either.
            for summary in page.locator("details > summary").all():
                summary.click()
            page.screenshot(path=screenshot_path(f"organizer-phone-{name}", "375"), full_page=True)
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width > inner:
                culprits = page.evaluate("""(inner) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > inner && !e.closest('.overflow-auto'))
                    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""", inner)
                too_wide[name] = f"{width} px wide on a {inner} px screen: {culprits}"
            serious = [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in Axe().run(page).response[
                "violations"] if v["impact"] in ("serious", "critical")]
            if serious:
                violations[name] = serious
        assert too_wide == {}
        assert violations == {}
        assert browser_problems == []
    finally:
        context.close()


def test_an_invitation_opened_signed_out_on_a_phone_explains_itself_and_signs_in_back_to_it(
    browser, live_server, review_world, make_author, broker_handoffs, browser_problems
):
    from playwright.sync_api import expect

    from review.models import ReviewerInvitation

    w = review_world
    w["organizer"].first_name, w["organizer"].last_name = "Olga", "Organizer"
    w["organizer"].save()
    invitation = ReviewerInvitation.objects.create(edition=w["edition"], email="nora@example.org",
                                                   name="Nora Newcomer", invited_by=w["organizer"])
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/review/invitations/{invitation.token}/")
        main = page.locator("main")
        expect(main).to_contain_text(f"Olga Organizer, for the organizers of {w['edition'].title}")
        expect(main).to_contain_text("What accepting means")
        page.screenshot(path=screenshot_path("invitation-signed-out", "375"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")] == []
        make_author("nora@example.org")
        main.get_by_role("button", name="Sign in").click()
        page.get_by_label("Email").fill("nora@example.org")
        page.get_by_label("Password:", exact=True).fill("correct-horse-battery-9")
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Invitation to review for {w['edition'].title}")
        page.get_by_role("button", name="Accept the invitation").click()
        expect(page.locator(".messages")).to_contain_text(f"You are a reviewer of {w['edition'].title}.")
        assert browser_problems == []
    finally:
        context.close()
