"""HTTP tests of a talk's own page and of what the program page links to it, shows beside it, and says
before, during and after the event (with the clock set by time-machine)."""
import copy
import datetime
import json
import time

import pytest
from django.core.cache import cache
from lxml import html

from personal_site.public_cache import forget_public_pages
from program.models import Edition, Session, Talk
from speakers.models import Person

UTC = datetime.UTC
# PeRSonAl 2020 runs from 12:00pm to 2:15pm EDT on May 29, 2020 (16:00 to 18:15 UTC).
BEFORE = datetime.datetime(2020, 5, 28, 12, 0, tzinfo=UTC)
DURING = datetime.datetime(2020, 5, 29, 17, 0, tzinfo=UTC)
AFTER = datetime.datetime(2020, 5, 29, 18, 15, tzinfo=UTC)  # the last session's end: over from this second


def text_of(tree) -> str:
    """What a reader sees of ``tree`` (scripts and hidden elements left out; ``tree`` is not changed)."""
    tree = copy.deepcopy(tree)
    for hidden in tree.xpath(".//script|.//style|.//*[@hidden]"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def get_tree(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.content)


def talk_url(talk: Talk) -> str:
    return f"/{talk.session.edition.slug}/talks/{talk.pk}/"


@pytest.fixture
def plenary(personal_2020) -> Talk:
    return Talk.objects.select_related("session__edition").get(label="Plenary Talk 1")


@pytest.fixture
def paper(personal_2020) -> Talk:
    return Talk.objects.select_related("session__edition").get(label="Research paper 2")


def fresh(client, url):
    """The page as a first visitor after a change of clock gets it: nothing kept from before."""
    cache.clear()
    forget_public_pages()
    return get_tree(client, url)


# --- The talk's own page ------------------------------------------------------------------------


def test_a_talk_page_says_what_when_who_and_links_the_calendar(client, plenary):
    tree = get_tree(client, talk_url(plenary))
    main = tree.xpath("//main")[0]
    assert tree.xpath("//h1")[0].text_content() == "Time, Context and Causality in Recommender Systems"
    assert tree.findtext(".//title") == (
        "Plenary Talk 1: Time, Context and Causality in Recommender Systems · PeRSonAl 2020"
    )
    text = text_of(main)
    assert "Plenary Talk 1 · PeRSonAl 2020" in text
    assert "Session Plenary Talk 1" in text
    assert "When May 29, 2020, 12:15pm – 12:45pm EDT" in text
    # The visitor's own zone is filled in by the browser from the UTC instants.
    [local] = main.xpath('.//*[@data-local-time]')
    assert (local.get("data-start"), local.get("data-end")) == ("2020-05-29T16:15:00Z", "2020-05-29T16:45:00Z")
    assert main.xpath('.//*[@data-event-zone="America/New_York"]')
    assert tree.xpath('//script[@src="/static/js/local-times.js"]')
    assert "Presenter Yves Raimond (Netflix)" in text
    assert main.xpath('.//a[@href="/people/yves-raimond/"][normalize-space(.)="Yves Raimond"]')
    assert main.xpath('.//a[@href="/people/yves-raimond/#bio-heading"]')  # his biography
    assert "what makes a good recommendation?" in text
    assert main.xpath(f'.//a[@href="/2020/talks/{plenary.pk}.ics"][contains(., "Add to calendar")]')
    assert main.xpath(f'.//a[@href="/2020/#talk-{plenary.pk}"]')  # back to its place in the program
    assert not main.xpath('.//*[contains(., "Discussion chair")]')


def test_a_research_paper_page_names_its_discussion_chairs_and_its_format(client, paper):
    tree = get_tree(client, talk_url(paper))
    text = text_of(tree.xpath("//main")[0])
    assert "Research paper 2 · PeRSonAl 2020" in text
    assert "Session Research Talk Q&A Session" in text
    assert "1:45pm – 2:15pm EDT" in text
    assert "A pre-recorded presentation of 30 minutes" in text
    assert "Presenters Udit Gupta (Harvard University and FAIR) Samuel Hsia (Harvard University)" in text
    assert "Discussion chairs Bahar Asgari Ramyad Hadidi Youngeun Kwon Liu Ke Samuel Hsia" in text


def test_a_talk_page_shows_presenters_photos_with_their_consent_only(client, plenary):
    person = Person.objects.get(slug="yves-raimond")
    person.photo.name = "people/yves-raimond.jpg"
    person.save()
    tree = get_tree(client, talk_url(plenary))
    assert tree.xpath('//main//img[@src="/media/people/yves-raimond.jpg"]')
    person.publish_consent = False
    person.save()
    assert not get_tree(client, talk_url(plenary)).xpath('//main//img')


def test_a_talk_page_shows_published_video_and_paper(client, paper, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    assert "Video: to be announced" in text_of(get_tree(client, talk_url(paper)))
    paper.video_url = "https://videos.example.org/deeprecsys.mp4"
    paper.paper_url = "https://papers.example.org/deeprecsys.pdf"
    paper.save()
    tree = get_tree(client, talk_url(paper))
    assert tree.xpath('//main//a[@href="https://videos.example.org/deeprecsys.mp4"][starts-with(., "Video")]')
    assert tree.xpath('//main//a[@href="https://papers.example.org/deeprecsys.pdf"][starts-with(., "Paper")]')
    assert "to be announced" not in text_of(tree)


def test_a_talk_of_another_edition_or_no_talk_is_404(client, plenary):
    Edition.objects.create(slug="2021", name="PeRSonAl", title="PeRSonAl 2021", iteration=3,
                           date=datetime.date(2021, 5, 28))
    assert client.get(f"/2021/talks/{plenary.pk}/").status_code == 404
    assert client.get("/2020/talks/999999/").status_code == 404
    assert client.get(f"/nope/talks/{plenary.pk}/").status_code == 404


def test_the_program_links_every_talk_title_to_its_page(client, personal_2020):
    tree = get_tree(client, "/2020/")
    for talk in Talk.objects.filter(session__edition=personal_2020):
        [link] = tree.xpath(f'//article[@id="talk-{talk.pk}"]//*[@id="talk-{talk.pk}-title"]/a')
        assert link.get("href") == f"/2020/talks/{talk.pk}/"
        assert talk.title in link.text_content()
        assert client.get(link.get("href")).status_code == 200


def test_speaker_and_person_pages_link_talks_to_their_pages(client, plenary):
    expected = f'//main//a[@href="/2020/talks/{plenary.pk}/"]'
    assert get_tree(client, "/2020/speakers/").xpath(expected)
    assert get_tree(client, "/people/yves-raimond/").xpath(expected)


def test_the_exports_carry_the_talk_pages_address(client, plenary):
    page = f"http://testserver/2020/talks/{plenary.pk}/"
    document = json.loads(client.get("/2020/program.json").content)
    urls = [talk["url"] for session in document["sessions"] for talk in session["talks"]]
    assert page in urls
    assert f"URL:{page}" in client.get(f"/2020/talks/{plenary.pk}.ics").content.decode()
    assert f"<url>{page}</url>" in client.get("/2020/schedule.xml").content.decode()


# --- The program page: folded abstracts, important dates ----------------------------------------


def test_the_program_folds_each_abstract_under_a_summary(client, plenary):
    tree = get_tree(client, "/2020/")
    [details] = tree.xpath(f'//article[@id="talk-{plenary.pk}"]//details[@class="abstract"]')
    assert " ".join(details.xpath("./summary")[0].text_content().split()) == (
        "Abstract of “Time, Context and Causality in Recommender Systems”"
    )
    assert details.get("open") is None  # collapsed until the visitor opens it
    assert "what makes a good recommendation?" in details.text_content()
    assert len(tree.xpath("//details[@class='abstract']")) == 4  # the four talks that have one


def test_the_program_lists_the_important_dates(client, personal_2020):
    tree = get_tree(client, "/2020/")
    [section] = tree.xpath('//section[@aria-labelledby="dates-heading"]')
    rows = [" ".join(row.text_content().split()) for row in section.xpath(".//tbody/tr")]
    assert rows == [
        "Paper submission deadline May 7, 2020, 23:59:59 Anywhere on Earth (UTC−12)",
        "Paper notification May 11, 2020, 23:59:59 Anywhere on Earth (UTC−12)",
        "Pre-recorded presentation deadline May 26, 2020, 23:59:59 Anywhere on Earth (UTC−12)",
        "PeRSonAl tutorial May 29, 2020, 12:00pm EDT",
    ]


# --- The edition's state: upcoming, live, over --------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "state"), [(BEFORE, "upcoming"), (DURING, "live"), (AFTER - datetime.timedelta(seconds=1), "live"),
                          (AFTER, "over")],
)
def test_an_edition_is_upcoming_live_or_over_by_its_sessions(personal_2020, time_machine, moment, state):
    time_machine.move_to(moment, tick=False)
    assert Edition.objects.get(slug="2020").state == state


def test_an_edition_without_sessions_lasts_its_day_in_its_zone(db, time_machine):
    edition = Edition.objects.create(slug="x", name="X", title="X", iteration=1, date=datetime.date(2020, 5, 29),
                                     time_zone="America/New_York")
    # 23:59:59 EDT the day before
    time_machine.move_to(datetime.datetime(2020, 5, 29, 3, 59, 59, tzinfo=UTC), tick=False)
    assert edition.state == "upcoming"
    time_machine.move_to(datetime.datetime(2020, 5, 30, 3, 59, 59, tzinfo=UTC), tick=False)
    assert edition.state == "live"
    time_machine.move_to(datetime.datetime(2020, 5, 30, 4, 0, tzinfo=UTC), tick=False)
    assert edition.state == "over"


def test_before_the_event_nothing_is_thanked_and_links_are_still_to_come(client, paper, time_machine):
    time_machine.move_to(BEFORE, tick=False)
    program = text_of(fresh(client, "/2020/"))
    assert "Thank you for attending" not in program
    assert "It will be posted on this page before the event." in program
    assert program.count("Video: to be announced") == 3
    assert "No recording was published" not in program
    assert "Video: to be announced" in text_of(fresh(client, talk_url(paper)))


def test_during_the_event_no_link_is_promised_for_before_it(client, paper, time_machine):
    time_machine.move_to(DURING, tick=False)
    program = text_of(fresh(client, "/2020/"))
    assert "Thank you for attending" not in program
    assert "before the event" not in program
    assert "the event is under way; its webinar link has not been posted on this page." in program
    assert program.count("Video: to be announced") == 3


def test_after_the_event_attendees_are_thanked_and_nothing_is_still_to_come(client, paper, time_machine):
    time_machine.move_to(AFTER, tick=False)
    for url in ("/2020/", talk_url(paper), "/2020/speakers/", "/2020/call/", "/2020/organizers/"):
        text = text_of(fresh(client, url))
        assert "before the event" not in text, url
        assert "to be announced" not in text, url
    program = text_of(fresh(client, "/2020/"))
    assert "Thank you for attending the second iteration of the PeRSonAl tutorial." in program
    assert "the event took place on May 29, 2020, and no webinar link was posted on this page." in program
    assert program.count("No recording was published") == 3
    assert "No recording was published" in text_of(fresh(client, talk_url(paper)))


def test_a_cached_upcoming_page_is_not_served_once_the_event_starts(client, db):
    """The shared cache and each process's memory keep a page no longer than the state it states."""
    now = datetime.datetime.now(UTC)
    edition = Edition.objects.create(slug="soon", name="Soon", title="Soon 2026", iteration=1, date=now.date(),
                                     time_zone="UTC", is_current=True)
    session = Session.objects.create(edition=edition, title="Opening", kind=Session.Kind.OTHER,
                                     start=now + datetime.timedelta(seconds=2), end=now + datetime.timedelta(hours=1))
    talk = Talk.objects.create(session=session, title="Opening talk", kind=Talk.Kind.RESEARCH)
    for url in ("/soon/", f"/soon/talks/{talk.pk}/"):
        first = client.get(url)
        assert "Video: to be announced" in first.content.decode()
        assert int(first["Cache-Control"].split("max-age=")[1]) <= 2
    assert "to be announced" in client.get("/soon/").content.decode()  # a repeat, from the cache
    time.sleep(max(0.0, (session.start - datetime.datetime.now(UTC)).total_seconds()) + 0.2)
    assert "the event is under way" in client.get("/soon/").content.decode()
    assert "Video: to be announced" in client.get(f"/soon/talks/{talk.pk}/").content.decode()  # still live


def test_an_edition_that_is_over_is_cached_as_long_as_ever(client, personal_2020, settings):
    assert client.get("/2020/")["Cache-Control"] == f"public, max-age={min(settings.PUBLIC_PAGE_CACHE_SECONDS, 60)}"


def test_a_video_published_on_this_site_plays_on_the_talk_page_as_on_the_program(client, paper, settings):
    """talkmedia publishes a video by setting Talk.video_url to its own page; both pages show the player."""
    from django.urls import reverse

    paper.video_url = settings.SITE_URL + reverse("videos:talk-video", kwargs={"uid": paper.uid})
    paper.save()
    for url in (talk_url(paper), "/2020/"):
        tree = get_tree(client, url)
        [video] = tree.xpath(f'//main//video[@aria-label="Pre-recorded presentation: {paper.title}"]')
        assert video.get("src") == reverse("videos:talk-video", kwargs={"uid": paper.uid}), url


@pytest.mark.parametrize(("moment", "dates_first"), [(BEFORE, True), (AFTER, False)])
def test_the_dates_come_before_the_program_while_they_are_ahead(client, personal_2020, time_machine, moment,
                                                                  dates_first):
    time_machine.move_to(moment, tick=False)
    headings = [h.text_content() for h in fresh(client, "/2020/").xpath("//main//h2")]
    assert headings.count("Important dates") == 1
    assert (headings.index("Important dates") < headings.index("Program")) is dates_first
