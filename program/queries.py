"""Query helpers shared by the public pages' and the exports' selectors."""
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery

from program.models import CallForParticipation, Edition, Session, Talk
from speakers.models import Appearance


def parents_with_children(
    parents: QuerySet, *, relation: str, order: tuple[str, ...]
) -> list[tuple[models.Model, list]]:
    """``parents`` and the rows of a reverse foreign key ``relation``, in one query (a LEFT JOIN).

    Each parent comes with its children, ordered by ``order`` (child fields), and a parent without
    children with an empty list. Each child's foreign key to its parent is set to the loaded parent,
    so following it costs no query. ``parents`` must be ordered; the order is kept. Annotations of
    ``parents`` are set on each parent as attributes, as a queryset would.
    """
    parent_model = parents.model
    relation_field = parent_model._meta.get_field(relation)
    child_model = relation_field.related_model
    parent_fields = [f.attname for f in parent_model._meta.concrete_fields]
    annotations = list(parents.query.annotations)
    child_fields = [f.attname for f in child_model._meta.concrete_fields]
    child_pk = child_fields.index(child_model._meta.pk.attname)
    rows = parents.order_by(*parents.query.order_by, *[f"{relation}__{name}" for name in order]).values_list(
        *parent_fields, *annotations, *[f"{relation}__{name}" for name in child_fields]
    )
    db = parents.db
    result: list[tuple[models.Model, list]] = []
    by_pk: dict = {}
    split = len(parent_fields)
    for row in rows:
        parent_values, child_values = row[:split], row[split + len(annotations):]
        pk = parent_values[parent_fields.index(parent_model._meta.pk.attname)]
        if pk not in by_pk:
            parent = parent_model.from_db(db, parent_fields, parent_values)
            for name, value in zip(annotations, row[split:split + len(annotations)], strict=True):
                setattr(parent, name, value)
            by_pk[pk] = (parent, [])
            result.append(by_pk[pk])
        if child_values[child_pk] is not None:
            parent, children = by_pk[pk]
            child = child_model.from_db(db, child_fields, child_values)
            setattr(child, relation_field.field.name, parent)
            children.append(child)
    return result


def edition_sessions_loaded(edition) -> list[tuple[models.Model, list, list]]:
    """The edition's sessions in time order as (session, talks, chairs), in 2 queries at any size.

    Sessions and their ordered talks come in one query (a session without talks, a break, is kept);
    presenters and chairs, with their people, in another. Every talk carries ``presenters``, and
    ``session.edition`` is the given edition, so neither costs a query later.
    """
    sessions = parents_with_children(
        Session.objects.filter(edition=edition).order_by("start", "id"), relation="talks", order=("order", "id")
    )
    presenters: dict[int, list] = {talk.pk: [] for _, talks in sessions for talk in talks}
    chairs: dict[int, list] = {session.pk: [] for session, _ in sessions}
    appearances = (
        Appearance.objects.filter(
            Q(role=Appearance.Role.PRESENTER, talk__session__edition=edition)
            | Q(role=Appearance.Role.CHAIR, session__edition=edition)
        )
        .select_related("person")
        .order_by("order", "id")
    )
    for appearance in appearances:
        if appearance.role == Appearance.Role.PRESENTER:
            presenters[appearance.talk_id].append(appearance)
        else:
            chairs[appearance.session_id].append(appearance)
    for session, talks in sessions:
        session.edition = edition
        for talk in talks:
            talk.presenters = presenters[talk.pk]
    return [(session, talks, chairs[session.pk]) for session, talks in sessions]


def call_with_topics(edition):
    """The edition's call for participation with its topics, ordered, in ``topic_list`` (1 query), or None."""
    for cfp, topics in parents_with_children(
        CallForParticipation.objects.filter(edition=edition).order_by("id"), relation="topics", order=("order", "id")
    ):
        cfp.topic_list = topics
        return cfp
    return None


def with_event_bounds(editions: QuerySet) -> QuerySet:
    """``editions`` with ``event_first_start`` and ``event_last_end`` (from their sessions), in the same query.

    ``Edition.state_at`` reads them, so a page can say whether its edition is upcoming, live or over
    without a query of its own.
    """
    sessions = Session.objects.filter(edition=OuterRef("pk"))
    return editions.annotate(
        event_first_start=Subquery(sessions.order_by("start").values("start")[:1]),
        event_last_end=Subquery(sessions.order_by("-end").values("end")[:1]),
    )


def editions_with_dates(editions: QuerySet) -> list[Edition]:
    """``editions`` (ordered), each with its important dates in time order in ``date_list``: 1 query."""
    loaded = []
    for edition, dates in parents_with_children(editions, relation="important_dates", order=("moment", "order", "id")):
        edition.date_list = dates
        loaded.append(edition)
    return loaded


def talk_loaded(edition, talk_id: int):
    """The talk ``talk_id`` of ``edition`` with its session, presenters and the session's chairs: 2 queries.

    The talk comes with its session in one query; the presenters of the talk and the chairs of its
    session (people included) in another, which finds the session through the talk. None when the
    talk is not the edition's. ``talk.presenters`` and ``talk.chairs`` are lists of appearances.
    """
    talk = Talk.objects.filter(id=talk_id, session__edition=edition).select_related("session").first()
    if talk is None:
        return None
    talk.session.edition = edition
    talk.presenters, talk.chairs = [], []
    appearances = (
        Appearance.objects.filter(
            Q(role=Appearance.Role.PRESENTER, talk_id=talk_id)
            | Q(role=Appearance.Role.CHAIR, session__talks__id=talk_id, session__edition=edition)
        )
        .select_related("person")
        .order_by("order", "id")
    )
    for appearance in appearances:
        (talk.presenters if appearance.role == Appearance.Role.PRESENTER else talk.chairs).append(appearance)
    return talk
