"""Read queries for the exports, with every relation they touch loaded up front.

The exports walk edition → sessions → talks → presenters; loading that tree with a fixed set of
queries (sessions with their talks in one, presenters and chairs in another) keeps the number of
queries constant however large the program grows. These live here rather than in
``program/selectors.py`` so that the exports do not depend on what the public pages need to load.
"""
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404

from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk
from program.queries import call_with_topics, edition_sessions_loaded
from speakers.models import Appearance


@dataclass(frozen=True)
class EditionProgram:
    """An edition with its sessions in order; each session has ``talk_list`` and ``chairs`` loaded.

    Every talk carries ``presenters`` (appearances with their person), and ``talk.session`` is the
    loaded session, so ``talk.start``/``talk.end`` cost no query.
    """

    edition: Edition
    sessions: list[Session]

    @property
    def talks(self) -> list[Talk]:
        return [talk for session in self.sessions for talk in session.talk_list]


def _presenters() -> Prefetch:
    appearances = Appearance.objects.filter(role=Appearance.Role.PRESENTER).select_related("person")
    return Prefetch("appearances", queryset=appearances.order_by("order", "id"), to_attr="presenters")


def export_edition_get(*, slug: str | None) -> Edition:
    """The edition named by ``slug``, or the current one when ``slug`` is None; 404 when there is none."""
    editions = Edition.objects.all()
    edition = editions.filter(is_current=True).first() if slug is None else editions.filter(slug=slug).first()
    if edition is None:
        raise Http404("No such edition.")
    return edition


def export_program_get(*, edition: Edition) -> EditionProgram:
    """Sessions with their talks (one query), presenters and chairs (one more) of ``edition``."""
    sessions = []
    for session, talks, chairs in edition_sessions_loaded(edition):
        session.talk_list = talks
        session.chairs = chairs
        sessions.append(session)
    return EditionProgram(edition=edition, sessions=sessions)


def export_talk_get(*, edition: Edition, talk_id: int) -> Talk:
    """One talk of ``edition`` with its session and presenters; 404 when the talk belongs elsewhere."""
    talk = (
        Talk.objects.filter(id=talk_id, session__edition=edition)
        .select_related("session")
        .prefetch_related(_presenters())
        .first()
    )
    if talk is None:
        raise Http404("No such talk in this edition.")
    talk.session.edition = edition
    return talk


def export_important_dates_list(*, edition: Edition) -> list[ImportantDate]:
    return list(ImportantDate.objects.filter(edition=edition).order_by("moment", "order", "id"))


def export_cfp_get(*, edition: Edition) -> CallForParticipation | None:
    """The call for participation with its topics in ``topic_list`` (1 query), or None when the edition has none."""
    return call_with_topics(edition)


def export_organizers_list(*, edition: Edition) -> list[Appearance]:
    appearances = Appearance.objects.filter(edition=edition, role=Appearance.Role.ORGANIZER)
    return list(appearances.select_related("person").order_by("order", "id"))
