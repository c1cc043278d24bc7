"""What public pages tell search engines and link previews, and what the practice edition never shows:
a real person's address, or an invented event with real speakers to be indexed."""
import datetime
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from lxml import html

from personal_site.public_cache import forget_public_pages
from program.models import Edition, Talk
from program.services.copying import edition_copy
from speakers.models import Person

REAL_ADDRESS = "ugupta@g.harvard.edu"
PRACTICE_ADDRESS = "practice-papers@personal.example.org"
SITE = "https://personal.example.org"


def meta(tree, name: str) -> str | None:
    found = tree.xpath(f'//head/meta[@property="{name}" or @name="{name}"]/@content')
    assert len(found) <= 1, name
    return found[0] if found else None


@pytest.fixture
def practice(personal_2020):
    return edition_copy(
        source=personal_2020, slug="practice", date=datetime.date.today() + datetime.timedelta(days=35),
        practice=True, title="Practice edition of PeRSonAl (not a real event)",
    )


def practice_urls(practice) -> list[str]:
    talk = Talk.objects.filter(session__edition=practice).order_by("id").first()
    return ["/practice/", "/practice/speakers/", "/practice/call/", "/practice/organizers/",
            f"/practice/talks/{talk.pk}/"]


# --- The practice edition ------------------------------------------------------------------------


def test_practice_pages_ask_not_to_be_indexed_also_when_served_from_the_cache(client, practice):
    for url in practice_urls(practice):
        for attempt in ("rendered", "from the shared cache", "from memory"):
            if attempt == "from the shared cache":
                forget_public_pages()
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["X-Robots-Tag"] == "noindex", (url, attempt)
            assert meta(html.fromstring(response.content), "robots") == "noindex", (url, attempt)


def test_practice_exports_ask_not_to_be_indexed_either(client, practice):
    talk = Talk.objects.filter(session__edition=practice).order_by("id").first()
    for url in ("/practice/program.ics", "/practice/program.json", "/practice/schedule.xml",
                f"/practice/talks/{talk.pk}.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Robots-Tag"] == "noindex", url
    assert "X-Robots-Tag" not in client.get("/2020/program.ics")


def test_real_editions_may_be_indexed(client, practice):
    for url in ("/2020/", "/2020/speakers/", "/2020/call/"):
        response = client.get(url)
        assert "X-Robots-Tag" not in response
        assert meta(html.fromstring(response.content), "robots") is None


def test_the_practice_call_takes_papers_at_a_practice_address_never_a_real_one(client, practice, settings):
    assert settings.PRACTICE_SUBMISSION_EMAIL == PRACTICE_ADDRESS
    tree = html.fromstring(client.get("/practice/call/").content)
    mailtos = set(tree.xpath('//a[starts-with(@href, "mailto:")]/@href'))
    assert mailtos == {f"mailto:{PRACTICE_ADDRESS}"}
    assert "Submissions should be sent to practice-papers@personal.example.org." in tree.text_content()
    for url in practice_urls(practice):
        body = client.get(url).content.decode()
        assert REAL_ADDRESS not in body, url
        # No organizer's (or anyone's) own address either.
        assert set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", body)) <= {PRACTICE_ADDRESS}, url
    # The real edition keeps its real address.
    assert REAL_ADDRESS in client.get("/2020/call/").content.decode()


def test_an_address_of_the_practice_edition_comes_from_the_setting(client, personal_2020, settings):
    settings.PRACTICE_SUBMISSION_EMAIL = "try-it@practice.example.net"
    edition_copy(source=personal_2020, slug="practice", date=datetime.date.today() + datetime.timedelta(days=35),
                 practice=True)
    assert Edition.objects.get(slug="practice").submission_email == "try-it@practice.example.net"
    assert "mailto:try-it@practice.example.net" in client.get("/practice/call/").content.decode()


def test_the_command_remakes_a_practice_edition_that_had_the_real_address(personal_2020, capsys):
    call_command("create_practice_edition")
    Edition.objects.filter(slug="practice").update(submission_email=REAL_ADDRESS)  # made by an older version
    call_command("create_practice_edition")
    practice = Edition.objects.get(slug="practice")
    assert practice.submission_email == PRACTICE_ADDRESS
    assert REAL_ADDRESS not in practice.cfp.how_to_submit
    call_command("create_practice_edition")
    assert "up to date" in capsys.readouterr().out


def test_people_addresses_are_never_on_public_pages(client, practice):
    Person.objects.filter(slug="udit-gupta").update(email="udit.private@example.org")
    for url in [*practice_urls(practice), "/2020/organizers/", "/people/udit-gupta/"]:
        cache.clear()
        forget_public_pages()
        assert "udit.private@example.org" not in client.get(url).content.decode(), url


# --- Descriptions and link previews --------------------------------------------------------------


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE
    return SITE


def test_every_public_page_has_a_description_and_an_absolute_open_graph_address(client, personal_2020, site_url):
    talk = Talk.objects.get(label="Plenary Talk 1")
    for url in ("/", "/2020/", "/2020/speakers/", "/2020/call/", "/2020/organizers/", f"/2020/talks/{talk.pk}/",
                "/people/carole-jean-wu/"):
        tree = html.fromstring(client.get(url).content)
        assert meta(tree, "description"), url
        assert meta(tree, "og:title"), url
        assert meta(tree, "og:description") == meta(tree, "description"), url
        assert meta(tree, "og:url") == SITE + url, url
        assert meta(tree, "og:type") in ("website", "article", "profile"), url
        assert meta(tree, "twitter:card") == "summary", url


def test_a_talks_preview_is_its_title_and_abstract_with_the_presenters_photo(client, personal_2020, site_url):
    talk = Talk.objects.get(label="Plenary Talk 1")
    url = f"/2020/talks/{talk.pk}/"
    tree = html.fromstring(client.get(url).content)
    assert meta(tree, "og:title") == "Time, Context and Causality in Recommender Systems · PeRSonAl 2020"
    assert meta(tree, "og:type") == "article"
    assert meta(tree, "description").startswith("After a description of the recommendation problem")
    assert len(meta(tree, "description")) <= 200
    assert meta(tree, "og:image") is None  # no photo yet: no image rather than a made-up one
    assert tree.xpath('//link[@rel="canonical"]/@href') == [f"{SITE}{url}"]

    Person.objects.filter(slug="yves-raimond").update(photo="people/yves.jpg")
    cache.clear()
    forget_public_pages()
    tree = html.fromstring(client.get(url).content)
    assert meta(tree, "og:image") == f"{SITE}/media/people/yves.jpg"
    assert meta(tree, "twitter:image") == f"{SITE}/media/people/yves.jpg"


def test_a_persons_preview_is_their_name_bio_and_photo(client, personal_2020, site_url):
    Person.objects.filter(slug="carole-jean-wu").update(photo="people/cj.jpg")
    tree = html.fromstring(client.get("/people/carole-jean-wu/").content)
    assert meta(tree, "og:title") == "Carole-Jean Wu"
    assert meta(tree, "og:type") == "profile"
    assert meta(tree, "description").startswith("Carole-Jean Wu is a Research Scientist at Facebook AI Research.")
    assert meta(tree, "og:image") == f"{SITE}/media/people/cj.jpg"


def test_the_program_preview_describes_the_edition(client, personal_2020, site_url):
    tree = html.fromstring(client.get("/2020/").content)
    assert meta(tree, "og:title") == "PeRSonAl 2020"
    assert meta(tree, "description").startswith("Tutorial on Personalized Recommendation Systems")


def test_organizers_are_shown_with_affiliation_and_photo(client, personal_2020):
    organizer = personal_2020.appearances.get(role="organizer", person__slug="gu-yeon-wei")
    organizer.affiliation = "Harvard University"
    organizer.save()
    Person.objects.filter(slug="gu-yeon-wei").update(photo="people/gu.jpg")
    tree = html.fromstring(client.get("/2020/organizers/").content)
    [item] = [li for li in tree.xpath('//ul[@class="organizers"]/li') if "Gu-Yeon Wei" in li.text_content()]
    assert " ".join(item.text_content().split()) == "Gu-Yeon Wei (Harvard University)"
    assert item.xpath('.//img/@src') == ["/media/people/gu.jpg"]


def test_pages_have_a_real_favicon_also_at_favicon_ico(client, personal_2020):
    tree = html.fromstring(client.get("/2020/").content)
    [icon] = tree.xpath('//link[@rel="icon"]')
    assert icon.get("href") == "/static/favicon.svg"
    assert icon.get("type") == "image/svg+xml"
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/static/favicon.svg"
