"""Every public page runs a fixed number of SQL queries, whatever the size of the program.

Built like pretalx's list-view tests: the same page with 1 and with 30 talks, the cache turned
off, must run exactly the same queries. A template that follows a relation the selector did not
fetch shows up here as a count that grows with the program.
"""
import datetime

import pytest

from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from speakers.models import Appearance, Person

UTC = datetime.UTC

# edition, sessions, talks, presenters, chairs, the footer's list of editions
PROGRAM_QUERIES = 6
# edition, presenter and chair appearances (with people, talks, sessions), editions
SPEAKERS_QUERIES = 3
# edition, important dates, call, topics, editions
CALL_QUERIES = 5
# edition, organizers, editions
ORGANIZERS_QUERIES = 3
# person, appearances (with editions, talks, sessions), current edition, editions
PERSON_QUERIES = 4


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def build_edition(talk_count: int) -> Edition:
    """An edition whose every talk has two presenters, plus a Q&A session with chairs and papers."""
    edition = Edition.objects.create(
        slug="big", name="Big", title="Big 2020", iteration=1, date=datetime.date(2020, 5, 29),
        is_current=True,
    )
    start = datetime.datetime(2020, 5, 29, 12, 0, tzinfo=UTC)
    shared = Person.objects.create(name="Shared Person", slug="shared", bio="Appears everywhere.")
    qa = Session.objects.create(
        edition=edition, title="Q&A", kind=Session.Kind.QA,
        start=start - datetime.timedelta(hours=1), end=start,
    )
    for index in range(talk_count):
        session = Session.objects.create(
            edition=edition, title=f"Session {index}", kind=Session.Kind.PLENARY,
            start=start + datetime.timedelta(minutes=30 * index),
            end=start + datetime.timedelta(minutes=30 * index + 30),
        )
        # Half the talks are plenary sessions of their own, half are papers in the Q&A session.
        target = session if index % 2 == 0 else qa
        kind = Talk.Kind.INVITED if index % 2 == 0 else Talk.Kind.RESEARCH
        talk = Talk.objects.create(session=target, title=f"Talk {index}", kind=kind, label=f"Talk {index}",
                                   order=index, abstract="An abstract.")
        person = Person.objects.create(name=f"Person {index}", slug=f"person-{index}", bio="A bio.")
        Appearance.objects.create(person=person, edition=edition, role=Appearance.Role.PRESENTER, talk=talk,
                                  affiliation=f"University {index}", order=1)
        Appearance.objects.create(person=shared, edition=edition, role=Appearance.Role.PRESENTER, talk=talk,
                                  affiliation="Shared Lab", order=2)
        Appearance.objects.create(person=person, edition=edition, role=Appearance.Role.CHAIR, session=qa,
                                  order=index)
        Appearance.objects.create(person=person, edition=edition, role=Appearance.Role.ORGANIZER, order=index)
        ImportantDate.objects.create(edition=edition, kind=ImportantDate.Kind.OTHER, label=f"Date {index}",
                                     moment=start - datetime.timedelta(days=index + 1), order=index)
    cfp = CallForParticipation.objects.create(edition=edition, introduction="Why.")
    for index in range(talk_count):
        Topic.objects.create(cfp=cfp, name=f"Topic {index}", order=index)
    return edition


# (page, its query count, what the last of the generated rows looks like on it)
PAGES = [
    ("/big/", PROGRAM_QUERIES, "Talk {last}"),
    ("/", PROGRAM_QUERIES, "Talk {last}"),
    ("/big/speakers/", SPEAKERS_QUERIES, "Person {last}"),
    ("/big/call/", CALL_QUERIES, "Topic {last}"),
    ("/big/organizers/", ORGANIZERS_QUERIES, "Person {last}"),
    ("/people/shared/", PERSON_QUERIES, "Talk {last}"),
]


@pytest.mark.parametrize("talk_count", [1, 30])
@pytest.mark.parametrize(("url", "queries", "last_row"), PAGES)
def test_page_query_count_does_not_grow_with_the_program(
    client, db, django_assert_num_queries, talk_count, url, queries, last_row
):
    build_edition(talk_count)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert last_row.format(last=talk_count - 1) in response.content.decode()


def test_the_big_program_really_shows_every_talk(client, db):
    build_edition(30)
    body = client.get("/big/").content.decode()
    assert all(f"Talk {index}" in body for index in range(30))
