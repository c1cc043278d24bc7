"""JSON export of an edition: the program page as data, for scripts, apps and other sites.

Moments are ISO 8601 with the offset of the zone they were announced in (sessions in the edition's
zone, deadlines in theirs, usually Anywhere on Earth), so a reader gets both the instant and the
wall-clock time people saw. Keys keep one fixed order and empty links are ``null`` rather than
``""``, so consumers can diff two downloads and test for presence simply.
"""
import datetime
import json
import zoneinfo

from django.urls import reverse

from program.models import CallForParticipation, ImportantDate, Session, Talk
from speakers.models import Appearance

from .selectors import EditionProgram
from .text import AbsoluteUrl, talk_page_path

FORMAT_NAME = "personal_site.program"
FORMAT_VERSION = 1


def _local_iso(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _or_null(value: str) -> str | None:
    return value or None


def _person(appearance: Appearance, absolute_url: AbsoluteUrl) -> dict:
    return {
        "name": appearance.person.name,
        "affiliation": _or_null(appearance.affiliation),
        "url": absolute_url(appearance.person.get_absolute_url()),
    }


def _talk(talk: Talk, program: EditionProgram, absolute_url: AbsoluteUrl) -> dict:
    edition, zone = program.edition, program.edition.zone
    return {
        "id": talk.id,
        "uid": str(talk.uid),
        "label": _or_null(talk.label),
        "title": talk.title,
        "kind": talk.kind,
        "abstract": _or_null(talk.abstract),
        # A research paper has no time of its own: these are its session's.
        "start": _local_iso(talk.start, zone),
        "end": _local_iso(talk.end, zone),
        "presentation_minutes": talk.slot_length_minutes,
        "presenters": [_person(appearance, absolute_url) for appearance in talk.presenters],
        "video_url": _or_null(talk.video_url),
        "paper_url": _or_null(talk.paper_url),
        "url": absolute_url(talk_page_path(talk, edition)),
        "ics_url": absolute_url(
            reverse("program:talk-ics", kwargs={"edition": edition.slug, "talk_id": talk.id})
        ),
    }


def _session(session: Session, program: EditionProgram, absolute_url: AbsoluteUrl) -> dict:
    zone = program.edition.zone
    return {
        "id": session.id,
        "uid": str(session.uid),
        "title": session.title,
        "kind": session.kind,
        "start": _local_iso(session.start, zone),
        "end": _local_iso(session.end, zone),
        "duration_minutes": session.duration_minutes,
        "description": _or_null(session.description),
        "chairs": [_person(appearance, absolute_url) for appearance in session.chairs],
        "talks": [_talk(talk, program, absolute_url) for talk in session.talk_list],
    }


def _important_date(date: ImportantDate) -> dict:
    return {
        "kind": date.kind,
        "label": date.label,
        "moment": date.local_moment.isoformat(),
        "zone": date.zone,
        "zone_label": date.zone_label,
        "is_deadline": date.is_deadline,
    }


def _cfp(cfp: CallForParticipation | None, slug: str, absolute_url: AbsoluteUrl) -> dict | None:
    if cfp is None:
        return None
    return {
        "url": absolute_url(reverse("program:call", kwargs={"edition": slug})),
        "topics_intro": cfp.topics_intro,
        "topics": [topic.name for topic in cfp.topic_list],
        "page_limit": cfp.page_limit,
        "presentation_minutes": cfp.presentation_minutes,
    }


def program_document(
    *,
    program: EditionProgram,
    important_dates: list[ImportantDate],
    cfp: CallForParticipation | None,
    organizers: list[Appearance],
    absolute_url: AbsoluteUrl,
) -> dict:
    """The edition as a JSON-ready dict, keys in their published order."""
    edition = program.edition
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "edition": {
            "slug": edition.slug,
            "name": edition.name,
            "title": edition.title,
            "subtitle": _or_null(edition.subtitle),
            "iteration": edition.iteration,
            "date": edition.date.isoformat(),
            "time_zone": edition.time_zone,
            "format": edition.format,
            "is_practice": edition.is_practice,
            "watch_url": _or_null(edition.watch_url),
            "free_and_open": edition.free_and_open,
            "url": absolute_url(edition.get_absolute_url()),
        },
        "sessions": [_session(session, program, absolute_url) for session in program.sessions],
        "important_dates": [_important_date(date) for date in important_dates],
        "call_for_participation": _cfp(cfp, edition.slug, absolute_url),
        "organizers": [_person(appearance, absolute_url) for appearance in organizers],
    }


def document_bytes(document: dict) -> bytes:
    """UTF-8 JSON, readable as is (names such as “Liu Ke” and ’ stay characters, not escapes)."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
