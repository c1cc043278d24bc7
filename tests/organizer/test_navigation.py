"""Issue #10: the organizer area links all of its parts, on every page, and every link answers."""
import re

import pytest
from django.urls import reverse

from tests.organizer.conftest import organizer_pages

pytestmark = pytest.mark.django_db


def nav_links(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="organizer-nav" aria-label="Organizer">(.*?)</nav>', page, re.S)
    assert nav, "the page has no organizer navigation"
    return {re.sub(r"<[^>]+>", "", text).strip(): href
            for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', nav.group(1), re.S)}


def test_every_organizer_page_shows_the_navigation_and_every_link_answers(client, organizer_world):
    w = organizer_world
    slug = w["edition"].slug
    client.force_login(w["organizer"])
    everywhere = {"Editions": reverse("organizer:editions"), "Outbox": reverse("organizer:outbox"),
                  "Mail the site sends": reverse("organizer:mail-previews"), "Admin": reverse("admin:index")}
    of_edition = {"Submissions": reverse("organizer:table", args=[slug]),
                  "Reviewers": reverse("organizer:reviewers", args=[slug]),
                  "Decisions": reverse("organizer:decisions", args=[slug]),
                  "Talk media: who is missing what": reverse("organizer:media", args=[slug])}
    followed = set()
    for name, url in organizer_pages(w).items():
        response = client.get(url)
        assert response.status_code == 200, name
        links = nav_links(response.content.decode())
        with_edition = name not in ("editions", "outbox", "mail-previews", "mail-preview")
        assert links == ({**everywhere, **of_edition} if with_edition else everywhere), name
        followed.update(links.values())
    for href in followed:
        assert client.get(href).status_code == 200, href
    assert followed == set(everywhere.values()) | set(of_edition.values())


def test_the_editions_page_links_each_part_of_each_edition(client, organizer_world):
    w = organizer_world
    client.force_login(w["organizer"])
    page = client.get(reverse("organizer:editions")).content.decode()
    main = page.split("<h1>Organizer area</h1>", 1)[1]
    for name in ("table", "reviewers", "decisions", "media"):
        assert f'href="{reverse(f"organizer:{name}", args=[w["edition"].slug])}"' in main, name
    for url in (reverse("organizer:outbox"), reverse("organizer:mail-previews"), reverse("admin:index")):
        assert f'href="{url}"' in main
    assert "who is missing what (final paper, video, captions, bio)" in main


def test_talk_media_says_who_is_missing_what(client, organizer_world):
    w = organizer_world
    client.force_login(w["organizer"])
    client.post(reverse("organizer:release", args=[w["edition"].slug]))  # alpha becomes a talk
    page = client.get(reverse("organizer:media", args=[w["edition"].slug])).content.decode()
    who = page.split('id="who-is-missing-what"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r"<strong>Ann</strong> &lt;ann@example.org&gt;:\s*final paper, video, captions for "
                     r"<a href=\"#talk-\d+\">“Alpha Embeddings”</a>; a bio on their profile", who), who
    assert "<strong>Bob</strong> &lt;bob@example.org&gt;" in who
    assert "Missing: final paper, video, captions, bio (from Ann, Bob)" in page
