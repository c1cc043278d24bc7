"""Public HTML pages: an edition's program, speakers, call for participation and organizers, and people.

The views stay thin: a selector fetches (a fixed number of queries), a template renders. Each is
wrapped in ``cache_public_page``, so one rendering serves every visitor; nothing here may depend on
who asks (no user, no session, no CSRF token), and anything time-dependent on the page is either
coarse (the deadline has passed) or finished in the browser (the countdown, "on now").
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from personal_site.public_cache import cache_public_page
from program import selectors
from program.deadlines import closes_at, passed_as_shown
from program.models import ImportantDate
from program.models.dates import AOE_ZONE


def _frame_or_404(slug: str | None) -> selectors.EditionFrame:
    frame = selectors.edition_frame_get(slug=slug)
    if frame.edition is None:
        raise Http404("No such edition." if slug else "There is no current edition yet.")
    return frame


def _page(request, template: str, *, frame: selectors.EditionFrame, page: str, **context):
    """Render with what every public page's frame needs: its edition, its nav entry, the editions."""
    return render(
        request,
        template,
        {"edition": frame.edition, "page": page, "editions": frame.editions, **context},
    )


@cache_public_page
def program(request, edition: str | None = None):
    frame = _frame_or_404(edition)
    current = frame.edition
    return _page(
        request, "program/program.html", frame=frame, page="program",
        sessions=selectors.program_sessions(edition=current),
    )


@cache_public_page
def speakers(request, edition: str | None = None):
    frame = _frame_or_404(edition)
    current = frame.edition
    return _page(
        request, "program/speakers.html", frame=frame, page="speakers",
        groups=selectors.edition_speakers(edition=current),
    )


@cache_public_page
def call_for_participation(request, edition: str | None = None):
    frame = _frame_or_404(edition)
    current = frame.edition
    dates = selectors.important_dates(edition=current)
    deadline = next((d for d in dates if d.kind == ImportantDate.Kind.SUBMISSION_DEADLINE), None)
    now = timezone.now()
    return _page(
        request, "program/call.html", frame=frame, page="call",
        cfp=selectors.call_for_participation(edition=current),
        important_dates=dates,
        deadline=deadline,
        deadline_passed=deadline is not None and passed_as_shown(deadline.moment, at=now),
        deadline_closes_at=deadline and closes_at(deadline.moment),
        any_aoe=any(d.zone == AOE_ZONE for d in dates),
        # The browser's countdown checks its own clock against this moment; the page may be served
        # from the cache for up to PUBLIC_PAGE_CACHE_SECONDS after it was rendered.
        rendered_at=now,
        cache_seconds=settings.PUBLIC_PAGE_CACHE_SECONDS,
    )


@cache_public_page
def organizers(request, edition: str | None = None):
    frame = _frame_or_404(edition)
    current = frame.edition
    return _page(
        request, "program/organizers.html", frame=frame, page="organizers",
        organizers=selectors.edition_organizers(edition=current),
    )


@cache_public_page
def person(request, slug: str):
    found = selectors.person_get(slug=slug)
    if found is None:
        raise Http404("No such person.")
    # A person spans editions; the frame (header, navigation) is the current edition's.
    return _page(
        request, "program/person.html", frame=selectors.edition_frame_get(slug=None), page="person",
        person=found, appearances=selectors.person_appearances(person=found),
    )
