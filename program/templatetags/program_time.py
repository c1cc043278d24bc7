"""Times as the program prints them, in the event's own zone, with the UTC instant for machines.

"12:00pm – 12:15pm EDT" is what the 2020 page printed and what attendees expect; the ``<time>``
element carries the instant in UTC so that ``static/js/local-times.js`` can show the same moment
in the visitor's zone without parsing our wording.
"""
import datetime
import zoneinfo

from django import template
from django.utils.html import format_html

from program.models import ImportantDate
from program.models.dates import AOE_ZONE

register = template.Library()

AOE_DESCRIPTION = "Anywhere on Earth (UTC−12)"


def _in_zone(moment: datetime.datetime, zone_name: str) -> datetime.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name))


@register.filter
def iso_utc(moment: datetime.datetime) -> str:
    """``2020-05-29T16:00:00Z``: the form both ``<time datetime>`` and JavaScript's Date understand."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(moment: datetime.datetime) -> str:
    """``12:00pm``, ``1:15pm``: 12-hour clock, no leading zero, as printed on the 2020 page."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


def long_date(day: datetime.date) -> str:
    """``May 7, 2020`` (no leading zero, whatever the platform's strftime supports)."""
    return f"{day:%B} {day.day}, {day.year}"


@register.filter(name="long_date")
def long_date_filter(day: datetime.date) -> str:
    return long_date(day)


@register.simple_tag
def time_range(start: datetime.datetime, end: datetime.datetime, zone_name: str):
    """``<time>12:00pm</time> – <time>12:15pm</time> EDT``: one zone label unless the range crosses DST."""
    local_start, local_end = _in_zone(start, zone_name), _in_zone(end, zone_name)
    start_zone, end_zone = local_start.tzname(), local_end.tzname()
    if start_zone == end_zone:
        return format_html(
            '<time datetime="{}">{}</time> – <time datetime="{}">{}</time> <span class="zone">{}</span>',
            iso_utc(start), clock(local_start), iso_utc(end), clock(local_end), end_zone,
        )
    return format_html(
        '<time datetime="{}">{}</time> <span class="zone">{}</span> – <time datetime="{}">{}</time> '
        '<span class="zone">{}</span>',
        iso_utc(start), clock(local_start), start_zone, iso_utc(end), clock(local_end), end_zone,
    )


def zone_description(important: ImportantDate) -> str:
    """How a date's zone is written out: deadlines say "Anywhere on Earth (UTC−12)" in full."""
    if important.zone == AOE_ZONE:
        return AOE_DESCRIPTION
    return important.zone_label


@register.simple_tag
def important_moment(important: ImportantDate):
    """A date as the call prints it: the day, then the exact second and zone that the rule uses.

    Deadlines read "May 7, 2020, 23:59:59 Anywhere on Earth (UTC−12)" so that nobody has to guess
    which midnight counts; the event itself reads "May 29, 2020, 12:00pm EDT".
    """
    local = important.local_moment
    if important.is_deadline:
        return format_html(
            '<time datetime="{}">{}</time><span class="date-detail">, {} {}</span>',
            iso_utc(important.moment), long_date(local.date()), local.strftime("%H:%M:%S"),
            zone_description(important),
        )
    return format_html(
        '<time datetime="{}">{}</time><span class="date-detail">, {} {}</span>',
        iso_utc(important.moment), long_date(local.date()), clock(local), zone_description(important),
    )
