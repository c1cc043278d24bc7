"""Every public page runs a small, fixed number of SQL queries, whatever the size of the program.

Built like pretalx's list-view tests: the same page with 1, 36 and 200 talks, fetched through the
real HTTP client (the whole middleware stack) right after the cache is cleared, must run the same
queries each time, and an HTML page at most ``PAGE_MAX_QUERIES``. A template that follows a relation
the selector did not fetch shows up here as a count that grows with the program.
"""
import datetime

import pytest
from django.core.cache import cache

from personal_site.public_cache import forget_public_pages
from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from speakers.models import Appearance, Person

UTC = datetime.UTC
SIZES = [1, 36, 200]

# The ceiling for an uncached HTML page of the program (issue #11).
PAGE_MAX_QUERIES = 3

# The exact counts, the same at every size. The frame (the edition and the footer's list of
# editions) is one query on every HTML page.
PROGRAM_QUERIES = 3  # editions (with the important dates), sessions with their talks, presenters and chairs
TALK_QUERIES = 3  # editions, the talk with its session, its presenters and its session's chairs
SPEAKERS_QUERIES = 2  # editions, presenter and chair appearances (with people, talks, sessions)
CALL_QUERIES = 3  # editions, important dates, the call with its topics
ORGANIZERS_QUERIES = 2  # editions, organizers
PERSON_QUERIES = 3  # person, appearances (with editions, talks, sessions), editions
# The exports load their own tree (program/exports/selectors.py); JSON also carries the dates, the call
# and the organizers, so it is held to its exact count only.
ICS_QUERIES = 3  # edition, sessions with their talks, presenters and chairs
JSON_QUERIES = 6  # the same, and important dates, the call with its topics, organizers
FRAB_QUERIES = 3
TALK_ICS_QUERIES = 3  # edition, talk with its session, presenters


def build_edition(talk_count: int) -> Edition:
    """An edition whose every talk has two presenters, plus a Q&A session with chairs and papers.

    Rows are bulk-created (no signals fire): the 200-talk edition would otherwise take seconds.
    """
    edition = Edition.objects.create(
        slug="big", name="Big", title="Big 2020", iteration=1, date=datetime.date(2020, 5, 29),
        is_current=True,
    )
    Edition.objects.create(slug="older", name="Older", title="Older 2019", iteration=0,
                           date=datetime.date(2019, 5, 29))
    start = datetime.datetime(2020, 5, 29, 12, 0, tzinfo=UTC)
    shared = Person.objects.create(name="Shared Person", slug="shared", bio="Appears everywhere.")
    qa = Session.objects.create(
        edition=edition, title="Q&A", kind=Session.Kind.QA,
        start=start - datetime.timedelta(hours=1), end=start,
    )
    # A session without any talk (a break) must still be shown.
    Session.objects.create(edition=edition, title="Coffee break", kind=Session.Kind.OTHER,
                           start=start - datetime.timedelta(hours=2), end=start - datetime.timedelta(hours=1))
    sessions = Session.objects.bulk_create(
        Session(edition=edition, title=f"Session {index}", kind=Session.Kind.PLENARY,
                start=start + datetime.timedelta(minutes=30 * index),
                end=start + datetime.timedelta(minutes=30 * index + 30))
        for index in range(talk_count)
    )
    # Half the talks are plenary sessions of their own, half are papers in the Q&A session.
    talks = Talk.objects.bulk_create(
        Talk(session=sessions[index] if index % 2 == 0 else qa, title=f"Talk {index}",
             kind=Talk.Kind.INVITED if index % 2 == 0 else Talk.Kind.RESEARCH, label=f"Talk {index}",
             order=index, abstract="An abstract.")
        for index in range(talk_count)
    )
    people = Person.objects.bulk_create(
        Person(name=f"Person {index}", slug=f"person-{index}", bio="A bio.") for index in range(talk_count)
    )
    appearances = []
    for index, (talk, person) in enumerate(zip(talks, people, strict=True)):
        appearances += [
            Appearance(person=person, edition=edition, role=Appearance.Role.PRESENTER, talk=talk,
                       affiliation=f"University {index}", order=1),
            Appearance(person=shared, edition=edition, role=Appearance.Role.PRESENTER, talk=talk,
                       affiliation="Shared Lab", order=2),
            Appearance(person=person, edition=edition, role=Appearance.Role.CHAIR, session=qa, order=index),
            Appearance(person=person, edition=edition, role=Appearance.Role.ORGANIZER, order=index),
        ]
    Appearance.objects.bulk_create(appearances)
    ImportantDate.objects.bulk_create(
        ImportantDate(edition=edition, kind=ImportantDate.Kind.OTHER, label=f"Date {index}",
                      moment=start - datetime.timedelta(days=index + 1), order=index)
        for index in range(talk_count)
    )
    cfp = CallForParticipation.objects.create(edition=edition, introduction="Why.")
    Topic.objects.bulk_create(Topic(cfp=cfp, name=f"Topic {index}", order=index) for index in range(talk_count))
    return edition


def _last_talk_id(last: int) -> int:
    return Talk.objects.get(title=f"Talk {last}").pk


# (page, its query count, what the last of the generated rows looks like on it, under PAGE_MAX_QUERIES)
PAGES = [
    ("/big/", PROGRAM_QUERIES, "Talk {last}", True),
    ("/", PROGRAM_QUERIES, "Talk {last}", True),
    ("/big/talks/{talk_id}/", TALK_QUERIES, "Talk {last}", True),
    ("/big/speakers/", SPEAKERS_QUERIES, "Person {last}", True),
    ("/speakers/", SPEAKERS_QUERIES, "Person {last}", True),
    ("/big/call/", CALL_QUERIES, "Topic {last}", True),
    ("/big/organizers/", ORGANIZERS_QUERIES, "Person {last}", True),
    ("/people/shared/", PERSON_QUERIES, "Talk {last}", True),
    ("/big/program.ics", ICS_QUERIES, "Talk {last}", True),
    ("/big/program.json", JSON_QUERIES, "Talk {last}", False),
    ("/big/schedule.xml", FRAB_QUERIES, "Talk {last}", True),
    ("/big/talks/{talk_id}.ics", TALK_ICS_QUERIES, "Talk {last}", True),
]


@pytest.mark.parametrize("talk_count", SIZES)
@pytest.mark.parametrize(("url", "queries", "last_row", "capped"), PAGES)
def test_page_query_count_does_not_grow_with_the_program(
    client, db, django_assert_max_num_queries, talk_count, url, queries, last_row, capped
):
    build_edition(talk_count)
    url = url.format(talk_id=_last_talk_id(talk_count - 1))
    cache.clear()
    forget_public_pages()
    with django_assert_max_num_queries(PAGE_MAX_QUERIES if capped else queries) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured) == queries, "\n".join(q["sql"] for q in captured.captured_queries)
    assert last_row.format(last=talk_count - 1) in response.content.decode()


@pytest.mark.parametrize("talk_count", SIZES)
def test_the_talk_page_shows_every_chair_and_the_program_every_date(client, db, talk_count):
    """What the constant counts above load is really on the pages: nothing was left out to save a query."""
    build_edition(talk_count)
    last = talk_count - 1
    body = client.get(f"/big/talks/{_last_talk_id(last)}/").content.decode()
    assert "Shared Person" in body and f"Person {last}" in body
    if last % 2:  # a paper in the Q&A session: the session's chairs are the talk's discussion chairs
        assert all(f"Person {index}</a>" in body for index in range(talk_count))
    program = client.get("/big/").content.decode()
    assert all(f"Date {index}" in program for index in range(talk_count))


def test_the_big_program_really_shows_every_talk_and_session(client, db):
    build_edition(36)
    body = client.get("/big/").content.decode()
    assert all(f"Talk {index}" in body for index in range(36))
    assert "Coffee break" in body
    assert body.index("Coffee break") < body.index("Q&amp;A") < body.index("Talk 0")
    # Each talk's presenters in their order, with this appearance's affiliation.
    assert "Person 35</a> <span class=\"affiliation\">(University 35)</span>" in body


def test_unknown_edition_and_no_current_edition_are_404(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/").status_code == 404
    build_edition(1)
    with django_assert_max_num_queries(1):
        assert client.get("/1999/").status_code == 404
