"""What the site says, read page by page as its people would: never the project's code name, never a sentence whose
name went missing ("Hello from !"), and never a tense that contradicts the edition's state.

Each crawl starts at the site's root and follows every same-site link it finds (as a visitor, as an author with a
paper, as an organizer), with the clock frozen before, during and after PeRSonAl 2020 and on today's date. The
mails are read as they are queued: the account mails of a real sign-up and password reset, and every other kind
rendered from its templates.
"""
import datetime
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from lxml import html

from personal_site.public_cache import forget_public_pages

# PeRSonAl 2020: Friday, May 29, 2020, from 12:00 EDT (16:00 UTC) into the afternoon.
MOMENTS = {
    "upcoming": datetime.datetime(2020, 5, 20, 12, 0, tzinfo=datetime.UTC),
    "live": datetime.datetime(2020, 5, 29, 17, 0, tzinfo=datetime.UTC),
    "over": datetime.datetime(2020, 6, 15, 12, 0, tzinfo=datetime.UTC),
}
# Never, on any page or in any mail: the code name, or a "!" left behind by a missing name.
NEVER = [re.compile(r"personal_site", re.I), re.compile(r"(^|[\s,(])!")]
# Words that only fit some of an edition's states (on that edition's own pages).
WRONG_WHEN = {
    "upcoming": ["Thank you for attending", "No recording was published", "took place", "under way"],
    "live": ["Thank you for attending", "No recording was published", "took place"],
    "over": ["will be posted before the event", "to be announced", "Submissions are open", "Time left to submit",
             "will take place", "under way", "is tomorrow"],
}
SKIPPED = re.compile(r"\.(ics|json|xml|pdf|csv|zip|vtt|svg|png|jpg|webp|mp4)$|/(video|paper)$"
                     r"|^/(admin/.|static/|media/)|/accounts/(logout|email|password/change)/|/videos/parts/")


def visible_text(body: bytes) -> str:
    tree = html.fromstring(body)
    for node in tree.xpath("//script|//style|//template"):
        node.drop_tree()
    return re.sub(r"\s+", " ", tree.text_content())


def crawl(client, start: str = "/", limit: int = 250) -> dict[str, str]:
    """Every same-site HTML page reachable by links from ``start``: {path: visible text}."""
    seen, pages, queue = {start}, {}, deque([start])
    while queue and len(pages) < limit:
        path = queue.popleft()
        response = client.get(path, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages[path] = visible_text(response.content)
        for href in html.fromstring(response.content).xpath("//a/@href"):
            parts = urlsplit(urljoin(path, href))
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query and "page=" in parts.query else "")
            if target not in seen and not SKIPPED.search(parts.path):
                seen.add(target)
                queue.append(target)
    return pages


def problems_in(pages: dict[str, str], *, state: str | None = None, edition_prefix: str = "") -> list[str]:
    found = []
    for path, text in pages.items():
        for pattern in NEVER:
            for match in pattern.finditer(text):
                found.append(f"{path}: {text[max(match.start() - 40, 0):match.end() + 20]!r}")
        if state and path.startswith(edition_prefix):
            found += [f"{path} ({state}): says {words!r}" for words in WRONG_WHEN[state] if words in text]
    return found


def fresh_pages() -> None:
    """Public pages are cached no longer than the edition's state lasts; a frozen clock jumping back needs this."""
    cache.clear()
    forget_public_pages()


@pytest.fixture
def world(personal_2020, open_edition, make_author, organizer):
    from submissions.models import Submission, SubmissionAuthor

    ann = make_author("ann@example.org")
    paper = Submission.objects.create(edition=open_edition, contact=ann, title="Words Over Time",
                                      abstract="A paper.", status=Submission.Status.SUBMITTED)
    SubmissionAuthor.objects.create(submission=paper, order=1, name="Ann", email="ann@example.org")
    return {"organizer": organizer, "ann": ann, "paper": paper}


@pytest.mark.parametrize("state", MOMENTS)
def test_the_2020_pages_speak_in_the_tense_of_the_moment(client, personal_2020, time_machine, state):
    time_machine.move_to(MOMENTS[state], tick=False)
    fresh_pages()
    pages = crawl(client, "/2020/")
    assert len([p for p in pages if p.startswith("/2020/")]) >= 5, sorted(pages)
    assert problems_in(pages, state=state, edition_prefix="/2020/") == []


def test_years_later_the_2020_pages_still_say_it_is_over(client, personal_2020):
    fresh_pages()
    pages = crawl(client, "/2020/")
    assert problems_in(pages, state="over", edition_prefix="/2020/") == []
    assert "to be announced" not in " ".join(pages.values())


def test_every_page_a_visitor_author_or_organizer_reaches_is_free_of_code_names_and_lost_words(client, world):
    fresh_pages()
    visitor = crawl(client)
    assert {"/", "/practice/", "/practice/call/", "/accounts/login/", "/accounts/signup/"} <= set(visitor)
    client.force_login(world["ann"])
    author = crawl(client, "/submissions/")
    assert f"/submissions/{world['paper'].pk}/" in author
    client.force_login(world["organizer"])
    organizer = crawl(client, "/organizer/")
    assert "/organizer/outbox/" in organizer and "/organizer/practice/decisions/" in organizer
    assert problems_in(visitor, state="upcoming", edition_prefix="/practice/") == []
    assert problems_in(author) == [] and problems_in(organizer) == []


def test_account_mails_carry_the_sites_name(client, open_edition, settings):
    from outbox.models import OutboundMail

    client.post("/accounts/signup/", {"email": "new@example.org", "name": "New Author",
                                      "password1": "a-long-pass-2026-x", "password2": "a-long-pass-2026-x"})
    client.post("/accounts/password/reset/", {"email": "new@example.org"})
    mails = list(OutboundMail.objects.filter(recipient="new@example.org"))
    assert sorted(m.kind for m in mails) == ["account-confirmation-signup", "account-password-reset-key"]
    for mail in mails:
        text = f"{mail.subject}\n{mail.body}"
        assert problems_in({mail.kind: text}) == []
        assert settings.SITE_NAME in text, (mail.kind, text)


def test_no_mail_kind_says_the_code_name_or_loses_a_name(settings):
    from outbox.compose import compose
    from outbox.previews import previewable_kinds, sample_context

    for kind in previewable_kinds():
        mail = compose(kind, sample_context(site_url=settings.SITE_URL))
        assert problems_in({kind.value: f"{mail.subject}\n{mail.text}"}) == [], kind
