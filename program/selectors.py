"""Read queries behind the public pages, each a fixed number of SQL queries.

The pages are rendered from these selectors only, so "how many queries does the program page run?"
has one answer: the count here, whatever the number of sessions, talks or people (at most three per
page, checked by tests/program/test_page_queries.py). Every relation a template follows is fetched
with ``select_related`` or a join; templates never trigger a query of their
own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk
from program.queries import (
    call_with_topics,
    edition_sessions_loaded,
    editions_with_dates,
    talk_loaded,
    with_event_bounds,
)
from speakers.models import Appearance, Person


def edition_get(*, slug: str | None) -> Edition | None:
    """The edition at ``/<slug>/``, or the current edition when ``slug`` is None; None if there is none."""
    if slug is None:
        return Edition.objects.filter(is_current=True).first()
    return Edition.objects.filter(slug=slug).first()


def edition_list() -> list[Edition]:
    """Every edition for the footer's "other editions" links: real ones newest first, practice last."""
    return list(Edition.objects.order_by("is_practice", "-date").only("slug", "title", "date", "is_practice"))


@dataclass(frozen=True)
class EditionFrame:
    """What the frame of every public page shows: its edition (None if there is none) and all editions."""

    edition: Edition | None
    editions: list[Edition]


def edition_frame_get(*, slug: str | None, with_dates: bool = False) -> EditionFrame:
    """The edition at ``/<slug>/`` (the current one when ``slug`` is None) and the footer's editions: 1 query.

    An event has a handful of editions, so loading them all, whole, costs less than a second query
    for the one the page is about. Each carries its event's bounds (``Edition.state_at`` needs no
    query), and with ``with_dates`` its important dates in ``date_list`` (still one query).
    """
    ordered = with_event_bounds(Edition.objects.order_by("is_practice", "-date", "id"))
    editions = editions_with_dates(ordered) if with_dates else list(ordered)
    if slug is None:
        edition = next((e for e in editions if e.is_current), None)
    else:
        edition = next((e for e in editions if e.slug == slug), None)
    return EditionFrame(edition=edition, editions=editions)


@dataclass(frozen=True)
class ProgramSession:
    """A session as the program page shows it: its talks and chairs already fetched and ordered."""

    session: Session
    talks: list[Talk]
    chairs: list[Appearance]

    @property
    def headline_talk(self) -> Talk | None:
        """A session that is a single talk (an introduction, a plenary) is shown as that talk.

        The seed prints "Plenary Talk 1: Time, Context and Causality…" once, not a session heading
        and then the same talk again; a Q&A session keeps its own heading with its papers inside.
        """
        if len(self.talks) == 1 and self.session.kind != Session.Kind.QA:
            return self.talks[0]
        return None


def program_sessions(*, edition: Edition) -> list[ProgramSession]:
    """The edition's sessions in time order, with talks (ordered), presenters and chairs: 2 queries.

    Sessions and talks come in one query (a session without talks, a break, is kept); presenters
    and chairs, with their people, in another.
    """
    return [ProgramSession(session=session, talks=talks, chairs=chairs)
            for session, talks, chairs in edition_sessions_loaded(edition)]


def talk_get(*, edition: Edition, talk_id: int) -> Talk | None:
    """One talk of ``edition`` for its own page: session, presenters, the session's chairs (2 queries)."""
    return talk_loaded(edition, talk_id)


def important_dates(*, edition: Edition) -> list[ImportantDate]:
    return list(ImportantDate.objects.filter(edition=edition).order_by("moment", "order"))


def call_for_participation(*, edition: Edition) -> CallForParticipation | None:
    """The edition's call with its topics in ``topic_list`` (1 query), or None when it has none."""
    return call_with_topics(edition)


@dataclass
class SpeakerEntry:
    """One person on an edition's speakers page, with every role they have in that edition."""

    person: Person
    talks: list[Appearance] = field(default_factory=list)  # presenter appearances, in program order
    chaired: list[Appearance] = field(default_factory=list)  # chair appearances, in program order

    @property
    def affiliations(self) -> list[str]:
        """Affiliations as printed, without repeats, in program order."""
        seen: list[str] = []
        for appearance in [*self.talks, *self.chaired]:
            if appearance.affiliation and appearance.affiliation not in seen:
                seen.append(appearance.affiliation)
        return seen

    @property
    def single_affiliation(self) -> str:
        """The one affiliation printed for this person here, or "" when roles printed different ones.

        With one it is shown under the name; with several (Udit Gupta was "FAIR/Harvard" for the
        introduction and "Harvard University and FAIR" for a paper) each is shown beside its role,
        never joined into one line that no program printed.
        """
        found = self.affiliations
        return found[0] if len(found) == 1 else ""


@dataclass(frozen=True)
class SpeakerGroups:
    invited: list[SpeakerEntry]  # introduction and plenary talks
    authors: list[SpeakerEntry]  # research paper presenters who give no invited talk
    chairs: list[SpeakerEntry]  # discussion chairs who present nothing


def edition_speakers(*, edition: Edition) -> SpeakerGroups:
    """Presenters and chairs of an edition, each person once, in order of first appearance: 1 query.

    A person is listed in the first group that applies (invited, then authors, then chairs), with all
    their roles shown there, so nobody's bio is printed twice.
    """
    appearances = (
        Appearance.objects.filter(edition=edition, role__in=[Appearance.Role.PRESENTER, Appearance.Role.CHAIR])
        .select_related("person", "talk", "talk__session", "session")
        .order_by("id")
    )
    entries: dict[int, SpeakerEntry] = {}
    for appearance in sorted(appearances, key=_program_position):
        entry = entries.setdefault(appearance.person_id, SpeakerEntry(person=appearance.person))
        (entry.talks if appearance.role == Appearance.Role.PRESENTER else entry.chaired).append(appearance)
    groups = SpeakerGroups(invited=[], authors=[], chairs=[])
    for entry in entries.values():
        if any(a.talk.kind != Talk.Kind.RESEARCH for a in entry.talks):
            groups.invited.append(entry)
        elif entry.talks:
            groups.authors.append(entry)
        else:
            groups.chairs.append(entry)
    return groups


def _program_position(appearance: Appearance) -> tuple:
    """Where an appearance sits in the program: its session's start, then the talk, then its rank."""
    if appearance.talk_id:
        return (appearance.talk.session.start, 1, appearance.talk.order, appearance.talk_id, appearance.order)
    return (appearance.session.start, 0, 0, 0, appearance.order)


def edition_organizers(*, edition: Edition) -> list[Appearance]:
    return list(
        Appearance.objects.filter(edition=edition, role=Appearance.Role.ORGANIZER)
        .select_related("person")
        .order_by("order", "id")
    )


def person_get(*, slug: str) -> Person | None:
    # The e-mail address is never shown on a public page, so it is not even loaded (a template that
    # reached for it would cost an extra query, which tests/program/test_page_queries.py would catch).
    return Person.objects.defer("email").filter(slug=slug).first()


@dataclass(frozen=True)
class EditionAppearances:
    edition: Edition
    appearances: list[Appearance]


def person_appearances(*, person: Person) -> list[EditionAppearances]:
    """Every role of ``person``, grouped by edition: real editions newest first, practice ones last."""
    rows = (
        Appearance.objects.filter(person=person)
        .select_related("edition", "talk", "talk__session", "session")
        .order_by("edition__is_practice", "-edition__date", "edition_id")
    )
    grouped: dict[int, EditionAppearances] = {}
    for row in rows:
        if row.edition_id not in grouped:
            grouped[row.edition_id] = EditionAppearances(edition=row.edition, appearances=[])
        grouped[row.edition_id].appearances.append(row)
    for group in grouped.values():
        group.appearances.sort(key=_role_position)
    return list(grouped.values())


def _role_position(appearance: Appearance) -> tuple:
    """Program roles in time order (a chair before the talks of the session), then organizing."""
    if appearance.talk_id:
        return (0, appearance.talk.session.start, appearance.talk.order)
    if appearance.session_id:
        return (0, appearance.session.start, -1)
    return (1, appearance.order)
