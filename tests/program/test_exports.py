"""The program exports (.ics, .json, frab schedule XML) of PeRSonAl 2020, through the URLs people use."""
import datetime
import json
import os
from pathlib import Path

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from program.models import Edition, Session, Talk
from program.services.copying import edition_copy
from speakers.models import Appearance, Person
from tests.services import missing

UTC = datetime.UTC
FRAB_XSD = Path(os.environ.get("FRAB_XSD", Path(__file__).resolve().parent.parent / "data" / "frab-schedule.xml.xsd"))

# (label or title, start, end) in UTC: 12:00pm EDT on May 29, 2020 is 16:00 UTC.
EXPECTED_UTC = [
    ("Introduction to PeRSonAl", "16:00", "16:15"),
    ("Plenary Talk 1", "16:15", "16:45"),
    ("Plenary Talk 2", "16:45", "17:15"),
    ("Plenary Talk 3", "17:15", "17:45"),
    ("Research paper 1", "17:45", "18:15"),
    ("Research paper 2", "17:45", "18:15"),
    ("Research paper 3", "17:45", "18:15"),
]


def _utc(hhmm: str) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date(2020, 5, 29), datetime.time.fromisoformat(hhmm), tzinfo=UTC)


def _events(response) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return sorted(calendar.walk("VEVENT"), key=lambda event: (event.start, str(event["SUMMARY"])))


def _talk(edition: Edition, label: str) -> Talk:
    return Talk.objects.get(session__edition=edition, label=label)


# --- iCalendar -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name, kwargs", [("program:current-ics", {}), ("program:ics", {"edition": "2020"})])
def test_program_ics_has_every_talk_at_its_utc_time(client, personal_2020, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="personal-2020.ics"'
    events = _events(response)
    assert [(event.start, event.end) for event in events] == [
        (_utc(start), _utc(end)) for _, start, end in EXPECTED_UTC
    ]
    assert all(event.start.tzinfo is not None and event.start.utcoffset() == datetime.timedelta(0) for event in events)
    assert b"DTSTART:20200529T160000Z" in response.content


def test_program_ics_calendar_and_event_properties(client, personal_2020):
    response = client.get(reverse("program:ics", kwargs={"edition": "2020"}))
    calendar = icalendar.Calendar.from_ical(response.content)
    plenary = _talk(personal_2020, "Plenary Talk 1")
    event = next(e for e in calendar.walk("VEVENT") if e["UID"] == f"{plenary.uid}@personal_site")

    assert calendar["X-WR-CALNAME"] == "PeRSonAl 2020"
    assert calendar["X-WR-TIMEZONE"] == "America/New_York"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-PUBLISHED-TTL"] == "PT6H"
    assert event["SUMMARY"] == "Plenary Talk 1: Time, Context and Causality in Recommender Systems"
    assert event["URL"] == f"http://testserver/2020/talks/{plenary.id}/"
    assert event["LOCATION"] == "Online (webinar)"
    assert isinstance(event["DTSTAMP"].dt, datetime.datetime)
    description = str(event["DESCRIPTION"])
    assert description.startswith("Presented by Yves Raimond (Netflix)\n\nAfter a description of the recommendation")
    assert f"Details: http://testserver/2020/talks/{plenary.id}/" in description

    introduction = next(e for e in calendar.walk("VEVENT") if e["SUMMARY"] == "Introduction to PeRSonAl")
    assert "Carole-Jean Wu (FAIR/Harvard), Udit Gupta (FAIR/Harvard)" in str(introduction["DESCRIPTION"])
    paper = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Research paper 2: "))
    assert "Udit Gupta (Harvard University and FAIR), Samuel Hsia (Harvard University)" in str(paper["DESCRIPTION"])
    assert "during the Research Talk Q&A Session" in str(paper["DESCRIPTION"])


def test_program_ics_location_is_the_watch_url_once_known(client, personal_2020):
    personal_2020.watch_url = "https://example.org/webinar"
    personal_2020.save()

    events = _events(client.get(reverse("program:current-ics")))

    assert {str(event["LOCATION"]) for event in events} == {"https://example.org/webinar"}


def test_uids_survive_editing_a_talk(client, personal_2020):
    url = reverse("program:current-ics")
    before = {str(event["UID"]) for event in _events(client.get(url))}
    talk = _talk(personal_2020, "Plenary Talk 2")
    talk.title = "GPUs for Recommendation Models, Revisited"
    talk.save()

    events = _events(client.get(url))

    assert {str(event["UID"]) for event in events} == before
    assert len(before) == 7
    edited = next(event for event in events if event["UID"] == f"{talk.uid}@personal_site")
    assert edited["SUMMARY"] == "Plenary Talk 2: GPUs for Recommendation Models, Revisited"


def test_talk_ics_holds_one_talk(client, personal_2020):
    paper = _talk(personal_2020, "Research paper 1")

    response = client.get(reverse("program:talk-ics", kwargs={"edition": "2020", "talk_id": paper.id}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="personal-2020-research-paper-1.ics"'
    [event] = _events(response)
    assert str(event["UID"]) == f"{paper.uid}@personal_site"
    assert (event.start, event.end) == (_utc("17:45"), _utc("18:15"))
    assert str(event["SUMMARY"]).startswith("Research paper 1: Mixed Dimension Embedding")


def test_talk_ics_of_a_talk_from_another_edition_is_404(client, personal_2020):
    other = edition_copy(source=personal_2020, slug="2021", date=datetime.date(2021, 5, 28))
    talk_of_2021 = Talk.objects.filter(session__edition=other).first()

    wrong = client.get(reverse("program:talk-ics", kwargs={"edition": "2020", "talk_id": talk_of_2021.id}))
    right = client.get(reverse("program:talk-ics", kwargs={"edition": "2021", "talk_id": talk_of_2021.id}))
    unknown = client.get(reverse("program:talk-ics", kwargs={"edition": "2020", "talk_id": 999999}))

    assert (wrong.status_code, right.status_code, unknown.status_code) == (404, 200, 404)


# --- JSON ----------------------------------------------------------------------------------------


def _program_json(client, **kwargs) -> dict:
    response = client.get(reverse("program:json" if kwargs else "program:current-json", kwargs=kwargs))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def test_program_json_edition_and_key_order(client, personal_2020):
    document = _program_json(client)

    assert list(document) == [
        "format", "format_version", "edition", "sessions", "important_dates", "call_for_participation", "organizers",
    ]
    assert document["edition"] == {
        "slug": "2020",
        "name": "PeRSonAl",
        "title": "PeRSonAl 2020",
        "subtitle": "Tutorial on Personalized Recommendation Systems",
        "iteration": 2,
        "date": "2020-05-29",
        "time_zone": "America/New_York",
        "format": "virtual_webinar",
        "is_practice": False,
        "watch_url": None,
        "free_and_open": True,
        "url": "http://testserver/2020/",
    }
    assert _program_json(client, edition="2020") == document


def test_program_json_sessions_and_talks_carry_the_event_offset(client, personal_2020):
    sessions = _program_json(client, edition="2020")["sessions"]

    assert [(s["title"], s["start"], s["end"]) for s in sessions] == [
        ("Introduction to PeRSonAl", "2020-05-29T12:00:00-04:00", "2020-05-29T12:15:00-04:00"),
        ("Plenary Talk 1", "2020-05-29T12:15:00-04:00", "2020-05-29T12:45:00-04:00"),
        ("Plenary Talk 2", "2020-05-29T12:45:00-04:00", "2020-05-29T13:15:00-04:00"),
        ("Plenary Talk 3", "2020-05-29T13:15:00-04:00", "2020-05-29T13:45:00-04:00"),
        ("Research Talk Q&A Session", "2020-05-29T13:45:00-04:00", "2020-05-29T14:15:00-04:00"),
    ]
    qa = sessions[-1]
    assert [chair["name"] for chair in qa["chairs"]] == [
        "Bahar Asgari", "Ramyad Hadidi", "Youngeun Kwon", "Liu Ke", "Samuel Hsia",
    ]
    assert qa["chairs"][0] == {"name": "Bahar Asgari", "affiliation": None, "url": "http://testserver/people/bahar-asgari/"}
    assert [talk["label"] for talk in qa["talks"]] == ["Research paper 1", "Research paper 2", "Research paper 3"]
    paper = qa["talks"][1]
    talk = _talk(personal_2020, "Research paper 2")
    assert paper == {
        "id": talk.id,
        "uid": str(talk.uid),
        "label": "Research paper 2",
        "title": "A Hands On Tutorial Using DeepRecSys to Optimize At-Scale Neural Recommendation Inference",
        "kind": "research",
        "abstract": None,
        "start": "2020-05-29T13:45:00-04:00",
        "end": "2020-05-29T14:15:00-04:00",
        "presentation_minutes": 30,
        "presenters": [
            {"name": "Udit Gupta", "affiliation": "Harvard University and FAIR",
             "url": "http://testserver/people/udit-gupta/"},
            {"name": "Samuel Hsia", "affiliation": "Harvard University", "url": "http://testserver/people/samuel-hsia/"},
        ],
        "video_url": None,
        "paper_url": None,
        "url": f"http://testserver/2020/talks/{talk.id}/",
        "ics_url": f"http://testserver/2020/talks/{talk.id}.ics",
    }
    plenary = sessions[1]["talks"][0]
    assert plenary["presenters"] == [
        {"name": "Yves Raimond", "affiliation": "Netflix", "url": "http://testserver/people/yves-raimond/"}
    ]
    assert plenary["abstract"].startswith("After a description of the recommendation problem")


def test_program_json_dates_call_and_organizers(client, personal_2020):
    document = _program_json(client)

    assert [(d["kind"], d["moment"], d["zone"], d["is_deadline"]) for d in document["important_dates"]] == [
        ("submission_deadline", "2020-05-07T23:59:59-12:00", "Etc/GMT+12", True),
        ("notification", "2020-05-11T23:59:59-12:00", "Etc/GMT+12", True),
        ("video_deadline", "2020-05-26T23:59:59-12:00", "Etc/GMT+12", True),
        ("event", "2020-05-29T12:00:00-04:00", "America/New_York", False),
    ]
    assert document["important_dates"][0]["zone_label"] == "AoE (UTC−12)"
    assert document["call_for_participation"]["topics"][0] == "Emerging algorithms for personalized recommendation"
    assert len(document["call_for_participation"]["topics"]) == 5
    assert [person["name"] for person in document["organizers"]] == [
        "Udit Gupta", "Carole-Jean Wu", "Gu-Yeon Wei", "David Brooks",
    ]


def test_program_json_is_utf8_not_escaped(client, personal_2020):
    response = client.get(reverse("program:current-json"))

    assert "system’s community".encode() in response.content
    assert b"\\u2019" not in response.content


# --- frab schedule XML ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frab_schema():
    etree = pytest.importorskip("lxml.etree")
    if not FRAB_XSD.exists():
        missing(f"the frab schedule contract {FRAB_XSD}", "set FRAB_XSD to a copy of frab-schedule.xml.xsd")
    return etree.XMLSchema(etree.parse(str(FRAB_XSD)))


def _schedule(client, frab_schema, url):
    from lxml import etree

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = etree.fromstring(response.content)
    frab_schema.assertValid(document)
    return document


@pytest.mark.parametrize("url_name, kwargs", [("program:current-frab", {}), ("program:frab", {"edition": "2020"})])
def test_schedule_xml_validates_and_holds_every_talk(client, personal_2020, frab_schema, url_name, kwargs):
    document = _schedule(client, frab_schema, reverse(url_name, kwargs=kwargs))

    assert document.findtext("conference/acronym") == "personal-2020"
    assert document.findtext("conference/start") == "2020-05-29"
    assert document.findtext("conference/days") == "1"
    assert document.findtext("conference/time_zone_name") == "America/New_York"
    [day] = document.findall("day")
    assert day.attrib == {
        "index": "1", "date": "2020-05-29", "start": "2020-05-29T12:00:00-04:00", "end": "2020-05-29T14:15:00-04:00",
    }
    [room] = day.findall("room")
    assert room.get("name") == "Webinar"
    events = room.findall("event")
    talks = Talk.objects.filter(session__edition=personal_2020).order_by("session__start", "order")
    assert [event.get("guid") for event in events] == [str(talk.uid) for talk in talks]
    assert [(event.findtext("subtitle") or event.findtext("title"), event.findtext("start"),
             event.findtext("duration")) for event in events] == [
        ("Introduction to PeRSonAl", "12:00", "00:15"),
        ("Plenary Talk 1", "12:15", "00:30"),
        ("Plenary Talk 2", "12:45", "00:30"),
        ("Plenary Talk 3", "13:15", "00:30"),
        # research papers span the whole Q&A session in which they are discussed
        ("Research paper 1", "13:45", "00:30"),
        ("Research paper 2", "13:45", "00:30"),
        ("Research paper 3", "13:45", "00:30"),
    ]
    assert events[1].findtext("date") == "2020-05-29T12:15:00-04:00"
    assert events[1].findtext("room") == "Webinar"
    assert [p.text for p in events[0].findall("persons/person")] == ["Carole-Jean Wu", "Udit Gupta"]
    assert events[1].findtext("abstract").startswith("After a description of the recommendation problem")
    assert events[1].findtext("description") == "Presented by Yves Raimond (Netflix)"  # no second abstract


def test_schedule_xml_with_links_and_a_practice_edition_still_validates(client, personal_2020, frab_schema):
    practice = edition_copy(source=personal_2020, slug="practice", date=datetime.date(2030, 1, 10), practice=True)
    talk = Talk.objects.filter(session__edition=practice).first()
    talk.video_url, talk.paper_url = "https://example.org/v.mp4", "https://example.org/p.pdf"
    talk.save()

    document = _schedule(client, frab_schema, reverse("program:frab", kwargs={"edition": "practice"}))

    assert document.findtext("conference/title") == "PeRSonAl 2030 (practice edition)"
    event = document.find(f"day/room/event[@guid='{talk.uid}']")
    assert [(link.get("href"), link.text) for link in event.findall("links/link")] == [
        ("https://example.org/v.mp4", "Video"), ("https://example.org/p.pdf", "Paper"),
    ]
    assert event.findtext("date") == "2030-01-10T12:00:00-05:00"  # EST in January


def test_schedule_xml_of_an_edition_without_talks_validates(client, db, frab_schema):
    Edition.objects.create(slug="empty", name="PeRSonAl", title="PeRSonAl 2031", iteration=4,
                           date=datetime.date(2031, 6, 1))

    document = _schedule(client, frab_schema, reverse("program:frab", kwargs={"edition": "empty"}))

    assert [day.get("date") for day in document.findall("day")] == ["2031-06-01"]


def test_schedule_xml_version_changes_with_the_schedule(client, personal_2020):
    from lxml import etree

    url = reverse("program:current-frab")
    before = etree.fromstring(client.get(url).content).findtext("version")
    talk = _talk(personal_2020, "Plenary Talk 3")
    talk.title = "Retitled"
    talk.save()

    after = etree.fromstring(client.get(url).content).findtext("version")

    assert before and after and before != after


# --- errors, caching and queries -----------------------------------------------------------------

EDITION_EXPORTS = ["program:ics", "program:json", "program:frab"]
CURRENT_EXPORTS = ["program:current-ics", "program:current-json", "program:current-frab"]


@pytest.mark.parametrize("url_name", EDITION_EXPORTS)
def test_unknown_edition_is_404(client, personal_2020, url_name):
    assert client.get(reverse(url_name, kwargs={"edition": "1999"})).status_code == 404


@pytest.mark.parametrize("url_name", CURRENT_EXPORTS)
def test_no_current_edition_is_404(client, db, url_name):
    assert client.get(reverse(url_name)).status_code == 404


@pytest.mark.parametrize("url_name", CURRENT_EXPORTS)
def test_exports_refuse_post(client, personal_2020, url_name):
    assert client.post(reverse(url_name)).status_code == 405


@pytest.mark.parametrize("url_name", CURRENT_EXPORTS)
def test_exports_are_cached_publicly(client, personal_2020, url_name, django_assert_num_queries):
    first = client.get(reverse(url_name))
    with django_assert_num_queries(0):
        second = client.get(reverse(url_name))

    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert second["Cache-Control"].startswith("public, ")
    assert "Set-Cookie" not in first and "Vary" not in first


def _add_talks(edition: Edition, count: int) -> None:
    """More talks, presenters and chairs, to show that the exports' queries do not grow with them."""
    session = Session.objects.filter(edition=edition, kind=Session.Kind.QA).get()
    for number in range(count):
        person = Person.objects.create(name=f"Author {number}", slug=f"author-{number}")
        talk = Talk.objects.create(session=session, kind=Talk.Kind.RESEARCH, label=f"Extra {number}",
                                   title=f"Extra paper {number}", order=10 + number)
        Appearance.objects.create(person=person, edition=edition, role=Appearance.Role.PRESENTER, talk=talk,
                                  affiliation="Somewhere")
        Appearance.objects.create(person=person, edition=edition, role=Appearance.Role.CHAIR, session=session)


# edition, sessions with their talks, presenters and chairs
# (+ important dates, the call with its topics, organizers for JSON)
QUERIES = {"program:current-ics": 3, "program:current-frab": 3, "program:current-json": 6}


@pytest.mark.parametrize("url_name", CURRENT_EXPORTS)
def test_exports_make_a_constant_number_of_queries(client, personal_2020, url_name, django_assert_num_queries):
    with django_assert_num_queries(QUERIES[url_name]):
        assert client.get(reverse(url_name)).status_code == 200
    _add_talks(personal_2020, 3)  # saving bumps the cache generation: the next request renders again

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200

    assert len(queries) == QUERIES[url_name]


def test_talk_ics_makes_a_constant_number_of_queries(client, personal_2020, django_assert_num_queries):
    talk = _talk(personal_2020, "Research paper 2")
    with django_assert_num_queries(3):  # edition, talk with its session, presenters
        client.get(reverse("program:talk-ics", kwargs={"edition": "2020", "talk_id": talk.id}))
