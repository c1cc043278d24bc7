"""An attendee's visit in a real browser: program, speakers, local times, calendar, "on now", countdown.

Also the accessibility check (axe-core: no serious or critical violation) and desktop and phone
screenshots of every public page, saved under test-results/screenshots/ for a human to look at.
"""
import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORTS, screenshot_path

pytestmark = pytest.mark.browser

UTC = datetime.UTC

PUBLIC_PAGES = {
    "program": "/",
    "speakers": "/2020/speakers/",
    "call": "/2020/call/",
    "organizers": "/2020/organizers/",
    "person": "/people/carole-jean-wu/",
    "talk": "/2020/talks/{plenary}/",
    "paper": "/2020/talks/{paper}/",
    "practice-program": "/practice/",
    "practice-call": "/practice/call/",
}
# axe-core's impacts that fail the check ("region", content outside every landmark, is moderate).
FAILING_IMPACTS = ("moderate", "serious", "critical")


def talk_ids() -> dict[str, int]:
    from program.models import Talk

    return {"plenary": Talk.objects.get(session__edition__slug="2020", label="Plenary Talk 1").pk,
            "paper": Talk.objects.get(session__edition__slug="2020", label="Research paper 2").pk}


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


def test_attendee_reads_the_program_and_follows_a_speaker(page, live_server, edition, browser_problems):
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("PeRSonAl 2020"))
    expect(page.get_by_role("heading", level=1)).to_have_text("PeRSonAl 2020")
    intro = page.locator("li.session").first
    expect(intro.locator(".session-time")).to_have_text("12:00pm – 12:15pm EDT")
    expect(intro).to_contain_text("Carole-Jean Wu and Udit Gupta (FAIR/Harvard)")

    intro.get_by_role("link", name="Carole-Jean Wu").click()
    expect(page).to_have_url(live_server.url + "/people/carole-jean-wu/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Carole-Jean Wu")
    expect(page.locator("main")).to_contain_text("Carole-Jean Wu is a Research Scientist at Facebook AI Research.")

    page.get_by_role("link", name="Speakers").click()
    expect(page).to_have_url(live_server.url + "/2020/speakers/")
    expect(page.locator("main")).to_contain_text("Yves Raimond is a Director of Machine Learning at Netflix")
    assert browser_problems == []


def test_attendee_opens_a_talk_from_the_program_and_adds_it_to_the_calendar(new_context, live_server, edition):
    page = new_context(timezone_id="Europe/Berlin", locale="en-GB").new_page()
    page.goto(live_server.url + "/")
    talk = page.locator("article.talk").filter(has_text="Time, Context and Causality")
    abstract = talk.locator("details.abstract")
    expect(abstract.get_by_text("what makes a good recommendation?")).to_be_hidden()
    abstract.locator("summary").click()
    expect(abstract.get_by_text("what makes a good recommendation?")).to_be_visible()

    talk.get_by_role("link", name="Plenary Talk 1: Time, Context and Causality in Recommender Systems").click()
    expect(page).to_have_url(re.compile(r"/2020/talks/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Time, Context and Causality in Recommender Systems")
    expect(page.locator("main")).to_contain_text("12:15pm – 12:45pm EDT")
    expect(page.locator("main [data-local-time]")).to_have_text(re.compile(r"^Your time: 18:15 – 18:45 (CEST|GMT\+2)$"))
    expect(page.locator("main")).to_contain_text("Yves Raimond (Netflix)")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Add to calendar")).click()
    with open(download_info.value.path(), encoding="utf-8") as calendar:
        assert "SUMMARY:Plenary Talk 1: Time" in calendar.read()
    page.get_by_role("link", name="Yves Raimond").first.click()
    expect(page).to_have_url(live_server.url + "/people/yves-raimond/")


def test_times_are_also_shown_in_the_visitors_zone(new_context, live_server, edition):
    context = new_context(timezone_id="Europe/Berlin", locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/")
    first = page.locator("li.session").first
    expect(first.locator(".session-time")).to_have_text("12:00pm – 12:15pm EDT")
    expect(first.locator("[data-local-time]")).to_be_visible()
    expect(first.locator("[data-local-time]")).to_have_text(re.compile(r"^Your time: 18:00 – 18:15 (CEST|GMT\+2)$"))
    expect(page.locator("[data-local-zone-note]")).to_contain_text("Europe/Berlin")


def test_no_second_line_for_a_visitor_in_the_events_zone(new_context, live_server, edition):
    page = new_context(timezone_id="America/New_York", locale="en-US").new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("li.session").first.locator("[data-local-time]")).to_be_hidden()


def test_the_program_is_complete_without_javascript(new_context, live_server, edition):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    sessions = page.locator("li.session")
    expect(sessions).to_have_count(5)
    expect(sessions.nth(4).locator(".session-time")).to_have_text("1:45pm – 2:15pm EDT")
    expect(sessions.nth(4)).to_contain_text("Discussion chairs: Bahar Asgari")
    expect(page.locator("[data-local-time]").first).to_be_hidden()


def test_the_program_downloads_as_a_calendar(page, live_server, edition):
    page.goto(live_server.url + "/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="whole program (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), encoding="utf-8") as calendar:
        assert "BEGIN:VCALENDAR" in calendar.read()
    response = page.request.get(live_server.url + "/2020/program.ics")
    assert response.headers["content-type"].startswith("text/calendar")


def test_the_session_on_now_is_marked_during_the_event(page, live_server, edition):
    # 1:00pm EDT: Plenary Talk 2 (12:45pm – 1:15pm) is on.
    page.clock.install(time=datetime.datetime(2020, 5, 29, 17, 0, tzinfo=UTC))
    page.goto(live_server.url + "/")
    live = page.locator("li.session.is-now")
    expect(live).to_have_count(1)
    expect(live).to_contain_text("Ins and Outs of Using GPUs for Training Recommendation Models")
    expect(live.locator("[data-now-badge]")).to_be_visible()
    expect(live).to_have_attribute("aria-current", "time")
    expect(page.locator("[data-now-status]")).to_have_text(
        "On now: Ins and Outs of Using GPUs for Training Recommendation Models"
    )

    page.clock.run_for("30:00")  # 1:30pm EDT: Plenary Talk 3
    expect(live).to_have_count(1)
    expect(live).to_contain_text("Training Massive Scale Deep Learning Ads Systems")

    page.clock.run_for("01:00:00")  # 2:30pm EDT: the event is over
    expect(live).to_have_count(0)
    expect(page.locator("[data-now-status]")).to_be_hidden()


def test_nothing_is_marked_before_the_event(page, live_server, edition):
    page.clock.install(time=datetime.datetime(2020, 5, 29, 15, 0, tzinfo=UTC))
    page.goto(live_server.url + "/")
    expect(page.locator("li.session.is-now")).to_have_count(0)
    expect(page.locator("[data-now-status]")).to_be_hidden()


def test_countdown_to_an_open_deadline(page, live_server, practice):
    page.goto(live_server.url + "/practice/call/")
    expect(page.locator(".practice-banner")).to_contain_text("Practice edition")
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(re.compile(r"^Time left to submit: \d+ days, \d+ hours?, \d+ minutes?$"))


def test_countdown_trusts_the_server_when_the_visitors_clock_is_wrong(page, live_server, practice):
    page.clock.install(time=datetime.datetime(2040, 1, 1, tzinfo=UTC))  # years after the deadline
    page.goto(live_server.url + "/practice/call/")
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^Time left to submit: \d+ days"))


def test_countdown_says_when_the_deadline_passes_while_reading(page, live_server, practice):
    # A deadline a few seconds from now, on the server's clock and the browser's alike.
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    deadline = practice.important_dates.get(kind="submission_deadline")
    deadline.moment = now + datetime.timedelta(seconds=4)
    deadline.save()
    page.clock.install(time=now)
    page.goto(live_server.url + "/practice/call/")
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^Time left to submit: 0 minutes, [45] seconds$"))
    page.clock.run_for(6000)
    expect(countdown).to_have_text("The submission deadline has passed.")


def test_a_past_deadline_is_said_in_plain_text(page, live_server, edition):
    page.goto(live_server.url + "/2020/call/")
    expect(page.locator(".deadline-box")).to_contain_text("The submission deadline has passed.")
    expect(page.locator(".deadline-box")).to_contain_text("Anywhere on Earth (UTC−12)")
    expect(page.locator("[data-countdown]")).to_have_count(0)
    expect(page.get_by_role("link", name="ugupta@g.harvard.edu").first).to_have_attribute(
        "href", "mailto:ugupta@g.harvard.edu"
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_is_accessible_and_photographed(new_context, live_server, practice, viewport):
    """axe-core finds no moderate, serious or critical problem; full-page screenshots for a human to look at."""
    context = new_context(viewport=VIEWPORTS[viewport], timezone_id="Europe/Berlin", locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    found = {}
    ids = talk_ids()
    for name, path in PUBLIC_PAGES.items():
        path = path.format(**ids)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.screenshot(path=screenshot_path(name, viewport), full_page=True)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    assert problems == []  # no refused inline script or style, no script error


def test_keyboard_users_can_skip_to_the_content(page, live_server, edition):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
