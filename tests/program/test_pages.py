"""HTTP tests of the public pages: what each shows, what it must never show, 404s and caching."""
import datetime
import re

import pytest
from django.urls import reverse
from lxml import html

from program.deadlines import passed_as_shown
from program.models import Edition, ImportantDate, Talk
from program.services.copying import edition_copy
from program.templatetags.program_people import affiliation_groups
from program.templatetags.program_time import clock, long_date
from speakers.models import Appearance, Person

UTC = datetime.UTC


def page_text(response) -> str:
    """The visible text of the page, whitespace collapsed (what a reader sees)."""
    tree = html.fromstring(response.content)
    for hidden in tree.xpath("//script|//style|//*[@hidden]"):
        hidden.drop_tree()
    return " ".join(tree.text_content().split())


def main_text(response) -> str:
    tree = html.fromstring(response.content)
    return " ".join(tree.xpath("//main")[0].text_content().split())


def public_urls(edition_slug: str = "2020") -> list[str]:
    return [
        "/",
        reverse("program:edition", kwargs={"edition": edition_slug}),
        reverse("program:speakers", kwargs={"edition": edition_slug}),
        reverse("program:call", kwargs={"edition": edition_slug}),
        reverse("program:organizers", kwargs={"edition": edition_slug}),
        reverse("program:current-speakers"),
        reverse("program:current-call"),
        reverse("program:current-organizers"),
        reverse("program:person", kwargs={"slug": "carole-jean-wu"}),
    ]


# --- The program page ---------------------------------------------------------------------------


def test_current_edition_is_served_at_the_root_and_under_its_slug(client, personal_2020):
    root, by_slug = client.get("/"), client.get("/2020/")
    assert root.status_code == 200
    assert by_slug.status_code == 200
    assert main_text(root) == main_text(by_slug)


BEFORE_2020 = datetime.datetime(2020, 5, 28, 12, 0, tzinfo=UTC)  # the day before PeRSonAl 2020


def test_program_page_shows_the_edition_welcome_overview_and_watch_text(client, personal_2020):
    text = page_text(client.get("/2020/"))
    assert "PeRSonAl 2020" in text
    assert "Tutorial on Personalized Recommendation Systems" in text
    assert "Thank you for attending the second iteration of the PeRSonAl tutorial." in text
    assert "The program consists of three invited plenary talks" in text
    assert ("To watch the PeRSonAl tutorial: the event took place on May 29, 2020, and no webinar link was "
            "posted on this page.") in text
    assert "free and open to all" in text.lower()


def test_before_the_event_the_watch_link_is_still_to_come(client, personal_2020, time_machine):
    time_machine.move_to(BEFORE_2020, tick=False)
    text = page_text(client.get("/2020/"))
    assert "To watch the PeRSonAl tutorial: the webinar link is to be announced" in text
    assert "It will be posted on this page before the event." in text


def test_watch_link_appears_only_when_the_edition_has_one(client, personal_2020, time_machine):
    time_machine.move_to(BEFORE_2020, tick=False)
    body = client.get("/2020/").content.decode()
    assert "to be announced" in body
    assert 'href="https://' not in body  # no invented address anywhere

    personal_2020.watch_url = "https://webinar.example.org/personal-2020"
    personal_2020.save()
    response = client.get("/2020/")
    tree = html.fromstring(response.content)
    assert tree.xpath('//a[@href="https://webinar.example.org/personal-2020"]')
    assert "the webinar link is to be announced" not in page_text(response)


def test_free_and_open_is_said_only_when_true(client, personal_2020):
    personal_2020.free_and_open = False
    personal_2020.overview = "Talks and a Q&A session."
    personal_2020.save()
    assert "free and open to all" not in page_text(client.get("/2020/")).lower()


def test_sessions_are_listed_in_order_with_times_in_the_event_zone(client, personal_2020):
    response = client.get("/2020/")
    tree = html.fromstring(response.content)
    sessions = tree.xpath('//ol[contains(@class, "schedule")]/li')
    times = [" ".join(s.xpath('.//p[@class="session-time"]')[0].text_content().split()) for s in sessions]
    assert times == [
        "12:00pm – 12:15pm EDT",
        "12:15pm – 12:45pm EDT",
        "12:45pm – 1:15pm EDT",
        "1:15pm – 1:45pm EDT",
        "1:45pm – 2:15pm EDT",
    ]
    first = sessions[0].xpath(".//time")
    assert [t.get("datetime") for t in first] == ["2020-05-29T16:00:00Z", "2020-05-29T16:15:00Z"]
    assert sessions[0].get("data-start") == "2020-05-29T16:00:00Z"
    assert sessions[0].get("data-end") == "2020-05-29T16:15:00Z"


def test_talks_show_label_title_abstract_and_presenters_grouped_by_affiliation(client, personal_2020):
    text = page_text(client.get("/2020/"))
    assert "Presenters: Carole-Jean Wu and Udit Gupta (FAIR/Harvard)" in text
    assert "Plenary Talk 1: Time, Context and Causality in Recommender Systems" in text
    assert "Presenter: Yves Raimond (Netflix)" in text
    assert "what makes a good recommendation?" in text
    assert (
        "Presenters: Udit Gupta (Harvard University and FAIR), Samuel Hsia (Harvard University)" in text
    )


def test_presenters_link_to_their_person_pages(client, personal_2020):
    tree = html.fromstring(client.get("/2020/").content)
    links = {a.text_content(): a.get("href") for a in tree.xpath('//p[@class="presenters"]//a')}
    assert links["Carole-Jean Wu"] == "/people/carole-jean-wu/"
    assert links["Tony Ginart"] == "/people/tony-ginart/"


def test_qa_session_lists_its_chairs_and_research_papers_inside_it(client, personal_2020):
    tree = html.fromstring(client.get("/2020/").content)
    [qa] = tree.xpath('//li[contains(@class, "session-qa")]')
    text = " ".join(qa.text_content().split())
    assert "Research Talk Q&A Session" in text
    assert "Discussion chairs: Bahar Asgari, Ramyad Hadidi, Youngeun Kwon, Liu Ke and Samuel Hsia" in text
    papers = qa.xpath('.//ol[@class="papers"]/li//h4')
    assert [" ".join(h.text_content().split()) for h in papers] == [
        "Research paper 1: Mixed Dimension Embedding with Application to Memory-Efficient Recommendation Systems",
        "Research paper 2: A Hands On Tutorial Using DeepRecSys to Optimize At-Scale Neural Recommendation "
        "Inference",
        "Research paper 3: Compositional Embeddings Using Complementary Partitions for Memory-Efficient "
        "Recommendation Systems",
    ]
    assert [a.get("href") for a in qa.xpath('.//p[@class="chairs"]//a')][0] == "/people/bahar-asgari/"


def test_video_and_paper_links_only_when_the_talk_has_them(client, personal_2020, time_machine):
    time_machine.move_to(BEFORE_2020, tick=False)
    tree = html.fromstring(client.get("/2020/").content)
    assert not tree.xpath('//a[starts-with(normalize-space(.), "Video")]')
    assert not tree.xpath('//a[starts-with(normalize-space(.), "Paper")]')
    assert "Video: to be announced" in page_text(client.get("/2020/"))

    talk = Talk.objects.get(label="Research paper 1")
    talk.video_url = "https://videos.example.org/mixed-dimension"
    talk.paper_url = "https://papers.example.org/mixed-dimension.pdf"
    talk.save()
    tree = html.fromstring(client.get("/2020/").content)
    article = tree.xpath(f'//article[@id="talk-{talk.pk}"]')[0]
    assert article.xpath('.//a[@href="https://videos.example.org/mixed-dimension"]')
    assert article.xpath('.//a[@href="https://papers.example.org/mixed-dimension.pdf"]')
    assert "Video: to be announced" not in " ".join(article.text_content().split())


def test_program_links_to_the_calendar_json_and_schedule_exports(client, personal_2020):
    tree = html.fromstring(client.get("/2020/").content)
    hrefs = set(tree.xpath("//a/@href"))
    assert reverse("program:ics", kwargs={"edition": "2020"}) in hrefs
    assert reverse("program:json", kwargs={"edition": "2020"}) in hrefs
    assert reverse("program:frab", kwargs={"edition": "2020"}) in hrefs
    for talk in Talk.objects.filter(session__edition=personal_2020):
        assert reverse("program:talk-ics", kwargs={"edition": "2020", "talk_id": talk.pk}) in hrefs


def test_every_page_names_its_edition_and_links_the_others(client, personal_2020):
    for url in public_urls():  # a person's page is framed by the current edition
        response = client.get(url)
        tree = html.fromstring(response.content)
        brand = " ".join(tree.xpath('//p[@class="brand"]')[0].text_content().split())
        assert "PeRSonAl 2020" in brand, url
        nav = {a.text_content(): a.get("href") for a in tree.xpath("//header//nav//a")}
        assert nav == {
            "Program": "/2020/",
            "Speakers": "/2020/speakers/",
            "Call for participation": "/2020/call/",
            "Organizers": "/2020/organizers/",
        }, url


def test_headings_are_in_order_on_every_page(client, personal_2020):
    for url in public_urls():
        tree = html.fromstring(client.get(url).content)
        levels = [int(h.tag[1]) for h in tree.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4]")]
        assert levels[0] == 1, url
        assert levels.count(1) == 1, url
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)


# --- Speakers, people, organizers ---------------------------------------------------------------


def test_speakers_page_lists_presenters_and_chairs_with_bios(client, personal_2020):
    response = client.get("/2020/speakers/")
    assert response.status_code == 200
    text = page_text(response)
    for name in ["Carole-Jean Wu", "Yves Raimond", "Bilge Acun", "Weijie Zhao", "Tony Ginart", "Hao-Jun Michael Shi",
                 "Bahar Asgari", "Ramyad Hadidi", "Youngeun Kwon", "Liu Ke", "Udit Gupta", "Samuel Hsia"]:
        assert name in text
    assert "Yves Raimond is a Director of Machine Learning at Netflix" in text
    assert "Weijie Zhao is a researcher in Baidu Research USA." in text
    # Each person once, even with several roles (Samuel Hsia presents a paper and chairs).
    tree = html.fromstring(response.content)
    names = [h.text_content().strip() for h in tree.xpath('//article[contains(@class, "speaker")]//h3')]
    assert len(names) == len(set(names))
    assert "Gu-Yeon Wei" not in names  # organizers only: not a speaker


def test_person_page_shows_bio_and_every_appearance_but_never_the_email(client, personal_2020):
    person = Person.objects.get(slug="udit-gupta")
    person.email = "udit.private@example.org"
    person.homepage = "https://udit.example.org/"
    person.save()
    response = client.get("/people/udit-gupta/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Udit Gupta" in text
    assert "Presenter of Introduction to PeRSonAl" in text
    assert "as FAIR/Harvard" in text
    assert "as Harvard University and FAIR" in text
    assert "Organizer of PeRSonAl 2020" in text
    assert "udit.private@example.org" not in response.content.decode()
    assert html.fromstring(response.content).xpath('//a[@href="https://udit.example.org/"]')

    bio = client.get("/people/yves-raimond/")
    assert "He holds a PhD from Queen Mary, University of London." in page_text(bio)


def test_person_page_shows_a_photo_when_there_is_one(client, personal_2020):
    person = Person.objects.get(slug="bilge-acun")
    person.photo.name = "people/bilge-acun.jpg"
    person.save()
    tree = html.fromstring(client.get("/people/bilge-acun/").content)
    assert tree.xpath('//img[@src="/media/people/bilge-acun.jpg"]')


def test_person_page_lists_appearances_across_editions(client, personal_2020):
    edition_copy(source=personal_2020, slug="2021", date=datetime.date(2021, 5, 28))
    text = page_text(client.get("/people/carole-jean-wu/"))
    assert "PeRSonAl 2020" in text
    assert "PeRSonAl 2021" in text


def test_organizers_page_lists_the_organizers_in_order(client, personal_2020):
    response = client.get("/2020/organizers/")
    tree = html.fromstring(response.content)
    names = [a.text_content() for a in tree.xpath('//ul[@class="organizers"]//a')]
    assert names == ["Udit Gupta", "Carole-Jean Wu", "Gu-Yeon Wei", "David Brooks"]
    assert tree.xpath('//ul[@class="organizers"]//a/@href')[2] == "/people/gu-yeon-wei/"


# --- The call for participation ---------------------------------------------------------------


def test_call_page_states_the_rules_and_how_to_submit(client, personal_2020):
    response = client.get("/2020/call/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Personalized recommendation is the process of ranking and recommending content" in text
    assert "The PeRSonAl tutorial invites submissions across all sub-areas" in text
    assert "Topics of interest include but are not limited to:" in text
    assert "Specialized systems and hardware" in text
    assert "Up to 2 pages" in text
    assert "up to 2 pages" in text
    assert "Following the same formatting guidelines as the conference" in text
    assert "30-minute pre-recorded presentations" in text
    tree = html.fromstring(response.content)
    assert tree.xpath('//a[@href="mailto:ugupta@g.harvard.edu"]')


def test_call_page_lists_important_dates_with_the_deadline_zone(client, personal_2020):
    text = page_text(client.get("/2020/call/"))
    assert "Paper submission deadline May 7, 2020, 23:59:59 Anywhere on Earth (UTC−12)" in text
    assert "Paper notification May 11, 2020" in text
    assert "Pre-recorded presentation deadline May 26, 2020" in text
    assert "PeRSonAl tutorial May 29, 2020, 12:00pm EDT" in text


def test_call_page_after_the_deadline_says_so_and_has_no_countdown(client, personal_2020):
    response = client.get("/2020/call/")
    assert "The submission deadline has passed." in page_text(response)
    assert not html.fromstring(response.content).xpath("//*[@data-countdown]")
    assert b"countdown.js" not in response.content


def test_call_page_before_the_deadline_has_a_countdown_from_the_server_time(client, personal_2020, time_machine):
    time_machine.move_to(datetime.datetime(2020, 5, 1, 12, 0, tzinfo=UTC), tick=False)
    response = client.get("/2020/call/")
    text = page_text(response)
    assert "Submissions are open until May 7, 2020" in text
    assert "has passed" not in text
    [countdown] = html.fromstring(response.content).xpath("//*[@data-countdown]")
    assert countdown.get("data-closes-at") == "2020-05-08T12:00:00Z"  # 23:59:59 AoE still counts
    assert countdown.get("data-server-now") == "2020-05-01T12:00:00Z"
    assert countdown.get("data-max-age") == "600"
    assert b"/static/js/countdown.js" in response.content


def test_the_deadline_second_itself_still_counts():
    deadline = ImportantDate(moment=datetime.datetime(2020, 5, 8, 11, 59, 59, tzinfo=UTC))
    assert not passed_as_shown(deadline.moment, at=datetime.datetime(2020, 5, 8, 11, 59, 59, 999999, tzinfo=UTC))
    assert passed_as_shown(deadline.moment, at=datetime.datetime(2020, 5, 8, 12, 0, 0, tzinfo=UTC))


# --- The practice edition and 404s ------------------------------------------------------------


def test_practice_edition_is_labelled_on_every_page(client, personal_2020):
    edition_copy(
        source=personal_2020, slug="practice", date=datetime.date.today() + datetime.timedelta(days=35),
        practice=True, title="Practice edition of PeRSonAl (not a real event)",
    )
    for url in public_urls("practice")[1:5]:
        response = client.get(url)
        assert response.status_code == 200, url
        tree = html.fromstring(response.content)
        # Inside a landmark of its own, so that no content is outside every landmark (axe's "region").
        banner = tree.xpath('//section[@class="practice-banner"][@aria-label="Practice edition"]')
        assert banner, url
        assert "Practice edition" in banner[0].text_content()
    assert not html.fromstring(client.get("/2020/").content).xpath('//*[@class="practice-banner"]')


@pytest.mark.parametrize(
    "url", ["/nope/", "/nope/speakers/", "/nope/call/", "/nope/organizers/", "/people/nobody/"]
)
def test_unknown_editions_and_people_are_404(client, personal_2020, url):
    assert client.get(url).status_code == 404


def test_root_is_404_until_an_edition_is_current(client, db):
    Edition.objects.create(slug="2019", name="PeRSonAl", title="PeRSonAl 2019", iteration=1,
                           date=datetime.date(2019, 6, 1))
    assert client.get("/").status_code == 404
    assert client.get("/2019/").status_code == 200


# --- Cacheable for everyone --------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def test_public_pages_carry_nothing_per_visitor(client, personal_2020):
    for url in public_urls():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "csrfmiddlewaretoken" not in body, url
        assert not response.cookies, url
        assert "Set-Cookie" not in response.headers, url
        assert "cookie" not in response.headers.get("Vary", "").lower(), url
        assert not INLINE_SCRIPT.search(body), url
        assert not INLINE_STYLE.search(body), url
        assert not INLINE_HANDLER.search(body), url
        assert response["Cache-Control"].startswith("public"), url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


def test_scripts_and_styles_are_our_own_static_files(client, personal_2020):
    tree = html.fromstring(client.get("/2020/").content)
    sources = tree.xpath("//script/@src") + tree.xpath('//link[@rel="stylesheet"]/@href')
    assert sources
    assert all(src.startswith("/static/") for src in sources)


def test_a_second_request_is_served_from_the_cache(client, personal_2020, django_assert_num_queries):
    first = client.get("/2020/")
    with django_assert_num_queries(0):
        second = client.get("/2020/")
    assert second.content == first.content


def test_changing_a_talk_title_through_the_orm_clears_the_cache(client, personal_2020):
    urls = ["/", "/2020/", "/2020/speakers/", "/people/yves-raimond/"]
    for url in urls:
        assert "Time, Context and Causality" in page_text(client.get(url))
    talk = Talk.objects.get(title="Time, Context and Causality in Recommender Systems")
    talk.title = "Time, Context and Causality, Revisited"
    talk.save()
    for url in urls:
        assert "Time, Context and Causality, Revisited" in page_text(client.get(url)), url


def test_changing_an_affiliation_clears_the_cache(client, personal_2020):
    assert "(Netflix)" in page_text(client.get("/2020/"))
    appearance = Appearance.objects.get(person__slug="yves-raimond")
    appearance.affiliation = "unchanged"
    appearance.save()
    assert "(unchanged)" in page_text(client.get("/2020/"))


# --- Formatting helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(0, 0, "12:00am"), (9, 5, "9:05am"), (12, 0, "12:00pm"), (13, 15, "1:15pm"), (23, 59, "11:59pm")],
)
def test_clock_prints_twelve_hour_times_like_the_2020_page(hour, minute, expected):
    assert clock(datetime.datetime(2020, 5, 29, hour, minute)) == expected


def test_long_date_has_no_leading_zero():
    assert long_date(datetime.date(2020, 5, 7)) == "May 7, 2020"


def test_affiliation_groups_join_consecutive_presenters_only():
    def appearance(name, affiliation):
        return Appearance(person=Person(name=name, slug=name.lower()), affiliation=affiliation)

    rows = [appearance("A", "X"), appearance("B", "X"), appearance("C", "Y"), appearance("D", "X")]
    groups = affiliation_groups(rows)
    assert [([a.person.name for a in g.appearances], g.affiliation) for g in groups] == [
        (["A", "B"], "X"), (["C"], "Y"), (["D"], "X"),
    ]
