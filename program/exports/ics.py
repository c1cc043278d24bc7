"""iCalendar (RFC 5545) export: one VEVENT per talk, times in UTC.

Times are written in UTC (``…Z``) because every calendar client converts UTC correctly, while a
VTIMEZONE block is only as good as the client's reading of it; ``X-WR-TIMEZONE`` still tells
clients which zone the program was announced in. A research paper has no time of its own: it
takes its session's (the Q&A session in which its authors answer questions).

UIDs come from ``Talk.uid``, which is set once when the talk is created, so editing a title or
moving a talk updates the entry already in a subscriber's calendar instead of duplicating it.
"""
import datetime
from collections.abc import Iterable

import icalendar

from program.models import Edition, Talk

from .text import (
    AbsoluteUrl,
    edition_display_title,
    edition_location,
    talk_description,
    talk_heading,
    talk_page_path,
)

PRODID = "-//personal_site//Program export//EN"
UID_DOMAIN = "personal_site"
# How often subscribed calendars should look for changes (RFC 7986, and the older Outlook property).
REFRESH_INTERVAL = datetime.timedelta(hours=6)


def talk_ical_uid(talk: Talk) -> str:
    return f"{talk.uid}@{UID_DOMAIN}"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def talk_event(talk: Talk, *, edition: Edition, absolute_url: AbsoluteUrl, stamp: datetime.datetime):
    """The VEVENT of one talk. ``talk.session`` and ``talk.presenters`` must be loaded."""
    page_url = absolute_url(talk_page_path(talk, edition))
    event = icalendar.Event.new(
        uid=talk_ical_uid(talk),
        stamp=stamp,
        start=_utc(talk.start),
        end=_utc(talk.end),
        summary=talk_heading(talk),
        description=talk_description(talk, page_url=page_url),
        url=page_url,
        categories=[talk.get_kind_display()],
    )
    location = edition_location(edition)
    if location:
        event.add("LOCATION", location)
    return event


def calendar_bytes(
    *, edition: Edition, talks: Iterable[Talk], absolute_url: AbsoluteUrl, stamp: datetime.datetime
) -> bytes:
    """The whole calendar, serialised. ``stamp`` is DTSTAMP: when this copy of the data was produced."""
    name = edition_display_title(edition)
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=name,
        description=edition.subtitle or None,
        # A stable calendar UID (RFC 7986) instead of the random one icalendar would make up.
        uid=f"edition-{edition.slug}@{UID_DOMAIN}",
        url=absolute_url(edition.get_absolute_url()),
        refresh_interval=REFRESH_INTERVAL,
    )
    calendar.add("X-WR-TIMEZONE", edition.time_zone)
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(REFRESH_INTERVAL).to_ical().decode())
    stamp = _utc(stamp).replace(microsecond=0)
    for talk in talks:
        calendar.add_component(talk_event(talk, edition=edition, absolute_url=absolute_url, stamp=stamp))
    return calendar.to_ical()
