"""Public HTML pages: an edition's program, speakers, call for participation and organizers, and people.

The views stay thin: a selector fetches (a fixed number of queries), a template renders. Each is
wrapped in ``cache_public_page``, so one rendering serves every visitor; nothing here may depend on
who asks (no user, no session, no CSRF token), and anything time-dependent on the page is either
coarse (the deadline has passed, the edition is upcoming, live or over) or finished in the browser
(the countdown, "on now"). A page's words about the edition's state must not outlive the state, so
each page is kept no longer than until the edition's next state change (``public_page_valid_until``).
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


def _frame_or_404(slug: str | None, *, with_dates: bool = False) -> selectors.EditionFrame:
    frame = selectors.edition_frame_get(slug=slug, with_dates=with_dates)
    if frame.edition is None:
        raise Http404("No such edition." if slug else "There is no current edition yet.")
    return frame


def _page(request, template: str, *, frame: selectors.EditionFrame, page: str, **context):
    """Render with what every public page's frame needs: its edition, its nav entry, the editions.

    The response is kept in the public cache no longer than the edition's current state lasts, and a
    practice edition's pages ask search engines not to index them (a practice edition is a copy with
    real people's names on an invented date).
    """
    edition = frame.edition
    now = timezone.now()
    response = render(
        request,
        template,
        {"edition": edition, "page": page, "editions": frame.editions, "site_url": settings.SITE_URL,
         "edition_state": edition.state_at(now) if edition else None, **context},
    )
    if edition is not None:
        response.public_page_valid_until = edition.next_state_change(now)
        if edition.is_practice:
            response["X-Robots-Tag"] = "noindex"
    return response


@cache_public_page
def program(request, edition: str | None = None):
    frame = _frame_or_404(edition, with_dates=True)
    current = frame.edition
    return _page(
        request, "program/program.html", frame=frame, page="program",
        sessions=selectors.program_sessions(edition=current),
        important_dates=current.date_list,
        any_aoe=any(d.zone == AOE_ZONE for d in current.date_list),
        meta_description=" ".join(filter(None, [current.subtitle, current.overview])),
    )


@cache_public_page
def talk(request, edition: str, talk_id: int):
    frame = _frame_or_404(edition)
    found = selectors.talk_get(edition=frame.edition, talk_id=talk_id)
    if found is None:
        raise Http404("No such talk in this edition.")
    photo = next((a.person.public_photo for a in found.presenters if a.person.public_photo), None)
    return _page(
        request, "program/talk.html", frame=frame, page="talk", talk=found,
        meta_title=f"{found.title} · {frame.edition.title}", meta_type="article",
        meta_description=found.abstract or f"{found.get_kind_display()} at {frame.edition.title}",
        meta_image=photo.url if photo else "",
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
        meta_title=found.name, meta_type="profile", meta_description=found.public_bio or found.name,
        meta_image=found.public_photo.url if found.public_photo else "",
    )
