"""Wording and links shared by every export format, so a talk reads the same in each of them.

The formats differ in syntax only: a calendar entry, a JSON record and a frab event all name a
talk, its presenters and where to follow it in these words.
"""
from collections.abc import Callable, Iterable

from django.urls import reverse
from django.utils.text import slugify

from program.models import Edition, Talk
from speakers.models import Appearance

# Builds an absolute URL from a site path; the views pass ``request.build_absolute_uri``.
AbsoluteUrl = Callable[[str], str]

ONLINE_LOCATION = "Online (webinar)"


def edition_display_title(edition: Edition) -> str:
    """The edition's title, marked when it is a practice edition so nobody mistakes it for the event."""
    return f"{edition.title} (practice edition)" if edition.is_practice else edition.title


def edition_file_stem(edition: Edition) -> str:
    """A file name stem such as ``personal-2020`` for downloads."""
    return slugify(f"{edition.name}-{edition.slug}") or "program"


def talk_file_stem(talk: Talk, edition: Edition) -> str:
    """A file name stem such as ``personal-2020-plenary-talk-1`` for a single talk's download."""
    what = slugify(talk.label or talk.title)[:60].strip("-") or f"talk-{talk.id}"
    return f"{edition_file_stem(edition)}-{what}"


def talk_heading(talk: Talk) -> str:
    """The title with its label ("Plenary Talk 1: …"), so the entry is recognisable out of context."""
    return f"{talk.label}: {talk.title}" if talk.label else talk.title


def talk_page_path(talk: Talk, edition: Edition) -> str:
    """Where the talk is shown on the site: its own page, ``/<edition>/talks/<id>/``.

    The address uses the talk's database id, which never changes when the talk is edited.
    """
    return reverse("program:talk", kwargs={"edition": edition.slug, "talk_id": talk.id})


def edition_location(edition: Edition) -> str:
    """Where to follow the event: the watch link once known, else a plain description (or nothing)."""
    if edition.watch_url:
        return edition.watch_url
    if edition.format == Edition.Format.VIRTUAL_WEBINAR:
        return ONLINE_LOCATION
    return ""  # no venue is recorded for in-person editions; better nothing than a guess


def person_with_affiliation(appearance: Appearance) -> str:
    if appearance.affiliation:
        return f"{appearance.person.name} ({appearance.affiliation})"
    return appearance.person.name


def people_text(appearances: Iterable[Appearance]) -> str:
    return ", ".join(person_with_affiliation(appearance) for appearance in appearances)


def talk_context_note(talk: Talk) -> str:
    """Why a research paper has no time of its own: it is pre-recorded and discussed in the Q&A session."""
    if talk.kind == Talk.Kind.RESEARCH:
        return f"Pre-recorded presentation; the authors answer questions live during the {talk.session.title}."
    return ""


def talk_description(talk: Talk, *, page_url: str | None = None, include_abstract: bool = True) -> str:
    """Plain text for a calendar entry or a frab description: who, what, and where to find more.

    frab has its own ``abstract`` element, so it asks for the text without the abstract rather than
    have apps print it twice.
    """
    parts = []
    if talk.presenters:
        parts.append(f"Presented by {people_text(talk.presenters)}")
    if include_abstract and talk.abstract:
        parts.append(talk.abstract)
    note = talk_context_note(talk)
    if note:
        parts.append(note)
    links = [
        f"{label}: {url}"
        for label, url in (("Video", talk.video_url), ("Paper", talk.paper_url), ("Details", page_url))
        if url
    ]
    if links:
        parts.append("\n".join(links))
    return "\n\n".join(parts)
