"""frab schedule XML, the format Giggity, ConfClerk, EventFahrplan and the c3voc tools read.

The output follows the c3voc schema (``/work/shared/contracts/frab-schedule.xml.xsd``): a
``conference`` header, one ``day`` per calendar day in the edition's zone, and inside it a single
room holding every talk as an ``event`` whose ``guid`` is ``Talk.uid`` (stable across edits, as
apps use it to keep a viewer's bookmarks).

Timing of research papers: a paper has no slot of its own in the live program; its pre-recorded
presentation is watched beforehand and its authors answer questions during the Q&A session. Each
paper is therefore an event spanning the *whole* Q&A session (same start and duration as the
session), overlapping its siblings. Splitting the session evenly would invent times that nobody
announced and send viewers away before their paper's discussion.

The data has no language field; every edition so far is in English, so ``language`` is ``en``.
"""
import datetime
import hashlib
import math
import xml.etree.ElementTree as ET

from django.utils.text import slugify

from program.models import Edition, Talk

from .selectors import EditionProgram
from .text import AbsoluteUrl, edition_display_title, edition_file_stem, talk_description, talk_page_path

GENERATOR_NAME = "personal_site"
GENERATOR_VERSION = "1.0"
LANGUAGE = "en"
DEFAULT_TIMESLOT_MINUTES = 15

# frab's usual event types; clients show them as a hint only.
EVENT_TYPES = {Talk.Kind.INTRODUCTION: "other", Talk.Kind.INVITED: "lecture", Talk.Kind.RESEARCH: "lecture"}


def room_name(edition: Edition) -> str:
    return "Webinar" if edition.format == Edition.Format.VIRTUAL_WEBINAR else "Main room"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(delta: datetime.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _sub(parent: ET.Element, tag: str, text=None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: str(value) for name, value in attributes.items()})
    if text is not None:
        element.text = str(text)
    return element


def _timeslot_minutes(talks: list[Talk], zone) -> int:
    """The coarsest grid on which every talk starts and ends, as frab's ``timeslot_duration``."""
    step = 0
    for talk in talks:
        step = math.gcd(step, talk.start.astimezone(zone).minute, _minutes(talk.end - talk.start))
    return step if step >= 5 else DEFAULT_TIMESLOT_MINUTES


def _event(parent: ET.Element, talk: Talk, *, edition: Edition, acronym: str, absolute_url: AbsoluteUrl) -> None:
    local_start = talk.start.astimezone(edition.zone)
    event = _sub(parent, "event", id=talk.id, guid=talk.uid)
    _sub(event, "date", local_start.isoformat())
    _sub(event, "start", local_start.strftime("%H:%M"))
    _sub(event, "duration", _hhmm(_minutes(talk.end - talk.start)))
    _sub(event, "room", room_name(edition))
    _sub(event, "slug", f"{acronym}-{talk.id}-{slugify(talk.title)[:50].strip('-')}")
    _sub(event, "url", absolute_url(talk_page_path(talk, edition)))
    _sub(event, "title", talk.title)
    _sub(event, "subtitle", talk.label)
    _sub(event, "track", talk.get_kind_display())
    _sub(event, "type", EVENT_TYPES.get(talk.kind, "other"))
    _sub(event, "language", LANGUAGE)
    _sub(event, "abstract", talk.abstract)
    _sub(event, "description", talk_description(talk, include_abstract=False))
    persons = _sub(event, "persons")
    for appearance in talk.presenters:
        _sub(persons, "person", appearance.person.name, id=appearance.person.id)
    links = _sub(event, "links")
    for label, url in (("Video", talk.video_url), ("Paper", talk.paper_url)):
        if url:
            _sub(links, "link", label, href=url)


def schedule_bytes(*, program: EditionProgram, absolute_url: AbsoluteUrl) -> bytes:
    """The schedule document, UTF-8 with an XML declaration."""
    edition, zone = program.edition, program.edition.zone
    talks = program.talks
    acronym = edition_file_stem(edition)
    local_dates = sorted({talk.start.astimezone(zone).date() for talk in talks}) or [edition.date]
    first, last = local_dates[0], local_dates[-1]

    root = ET.Element("schedule")
    _sub(root, "generator", name=GENERATOR_NAME, version=GENERATOR_VERSION)
    version = _sub(root, "version")
    conference = _sub(root, "conference")
    _sub(conference, "acronym", acronym)
    _sub(conference, "title", edition_display_title(edition))
    _sub(conference, "start", first.isoformat())
    _sub(conference, "end", last.isoformat())
    _sub(conference, "days", (last - first).days + 1)
    _sub(conference, "timeslot_duration", _hhmm(_timeslot_minutes(talks, zone)))
    _sub(conference, "base_url", absolute_url(edition.get_absolute_url()))
    _sub(conference, "time_zone_name", edition.time_zone)

    # Every date from the first to the last gets a day element, as frab numbers days consecutively.
    for index in range(1, (last - first).days + 2):
        date = first + datetime.timedelta(days=index - 1)
        todays = [talk for talk in talks if talk.start.astimezone(zone).date() == date]
        attributes = {"index": index, "date": date.isoformat()}
        if todays:
            attributes["start"] = min(talk.start for talk in todays).astimezone(zone).isoformat()
            attributes["end"] = max(talk.end for talk in todays).astimezone(zone).isoformat()
        day = _sub(root, "day", **attributes)
        if todays:
            room = _sub(day, "room", name=room_name(edition))
            for talk in todays:
                _event(room, talk, edition=edition, acronym=acronym, absolute_url=absolute_url)

    # The version changes exactly when the schedule does, which is what apps compare it for.
    body = b"".join(ET.tostring(element, encoding="utf-8") for element in root if element is not version)
    version.text = hashlib.sha256(body).hexdigest()[:12]
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
