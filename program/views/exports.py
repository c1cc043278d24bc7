"""Download views for the program exports (.ics, .json, frab .xml).

Thin on purpose: pick the edition (the current one when the URL names none), load it with the
export selectors, hand the rows to a format module and wrap the bytes. Every view is a public page
cached by ``cache_public_page``: the output depends only on the program data and the site's address,
never on who asks, so one rendering serves every visitor until the program changes.
"""
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from personal_site.public_cache import cache_public_page
from program.exports import frab, ics
from program.exports import json as json_export
from program.exports.selectors import (
    export_cfp_get,
    export_edition_get,
    export_important_dates_list,
    export_organizers_list,
    export_program_get,
    export_talk_get,
)
from program.exports.text import edition_file_stem, talk_file_stem

CALENDAR_TYPE = "text/calendar; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


def _download(content: bytes, content_type: str, filename: str, *, edition, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if edition.is_practice:  # as its pages: a practice copy's invented date and real names stay out of search
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@cache_public_page
def program_ics(request, edition: str | None = None):
    program = export_program_get(edition=export_edition_get(slug=edition))
    content = ics.calendar_bytes(
        edition=program.edition, talks=program.talks, absolute_url=request.build_absolute_uri, stamp=timezone.now()
    )
    return _download(content, CALENDAR_TYPE, f"{edition_file_stem(program.edition)}.ics", edition=program.edition)


@require_safe
@cache_public_page
def talk_ics(request, edition: str, talk_id: int):
    found = export_edition_get(slug=edition)
    talk = export_talk_get(edition=found, talk_id=talk_id)
    content = ics.calendar_bytes(
        edition=found, talks=[talk], absolute_url=request.build_absolute_uri, stamp=timezone.now()
    )
    return _download(content, CALENDAR_TYPE, f"{talk_file_stem(talk, found)}.ics", edition=found)


@require_safe
@cache_public_page
def program_json(request, edition: str | None = None):
    found = export_edition_get(slug=edition)
    document = json_export.program_document(
        program=export_program_get(edition=found),
        important_dates=export_important_dates_list(edition=found),
        cfp=export_cfp_get(edition=found),
        organizers=export_organizers_list(edition=found),
        absolute_url=request.build_absolute_uri,
    )
    # Inline: scripts and browsers read it directly; the file name still helps "Save as".
    return _download(
        json_export.document_bytes(document), JSON_TYPE, f"{edition_file_stem(found)}.json", edition=found,
        attachment=False
    )


@require_safe
@cache_public_page
def schedule_xml(request, edition: str | None = None):
    program = export_program_get(edition=export_edition_get(slug=edition))
    content = frab.schedule_bytes(program=program, absolute_url=request.build_absolute_uri)
    return _download(content, XML_TYPE, f"{edition_file_stem(program.edition)}-schedule.xml",
                     edition=program.edition, attachment=False)
