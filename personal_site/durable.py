"""Durable background work: the database row is the truth, a broker message only a nudge.

Outbox mail, inbound email and uploaded videos follow one pattern, written here once:

1. the row is written in the transaction that causes the work;
2. after commit, ``dispatch_on_commit`` stamps the row dispatched and hands its id to a task, by the
   task's *name* (so a service never imports its tasks module); a broker that refuses is logged, never
   raised, and the row simply waits;
3. a beat sweep finds rows that are due again (never handed over, or handed over long ago and not
   finished) and hands them over with ``redispatch``, stopping at the first refusal;
4. a worker takes a row with ``claim``: one conditional UPDATE, so two workers never both act on it;
5. a row claimed long ago whose worker vanished is the owner's to judge in its sweep, because the right
   answer differs: a mail may have gone out (UNCERTAIN, never resent by itself), an inbound message is
   processed again (idempotent), a video's check is retried a few times, then FAILED.
"""
import datetime
import logging

from celery import current_app
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)


def publish(task_name: str, args: tuple, eta: datetime.datetime | None = None) -> None:
    """Hand one task message to the broker (the single place tests replace to watch hand-overs)."""
    current_app.send_task(task_name, args=list(args), eta=eta)


def enqueue(task_name: str, *args, eta: datetime.datetime | None = None) -> bool:
    """Publish a task by name; False (logged) when the broker refused: the row's sweep tries again."""
    try:
        publish(task_name, args, eta)
    except Exception:  # noqa: BLE001 - a broker outage must never undo or fail the caller's work
        log.warning("durable: the broker refused %s%r; the sweep will hand it over again", task_name, args,
                    exc_info=True)
        return False
    return True


def dispatch_on_commit(task_name: str, pk: int, *, model: type[Model] | None = None,
                       stamp: str = "dispatched_at") -> None:
    """After the current transaction commits: stamp the row's hand-over time (when ``model`` is given) and
    hand its id to the task. Nothing is published for a transaction that rolls back."""

    def dispatch():
        if model is not None:
            model.objects.filter(pk=pk).update(**{stamp: timezone.now()})
        enqueue(task_name, pk)

    transaction.on_commit(dispatch)


def claim(candidates: QuerySet, **changes) -> bool:
    """Take the work: update the (one) row still matching ``candidates`` in its own transaction.

    True only for the caller whose UPDATE matched; a second worker, or a row that moved on, gets False.
    """
    with transaction.atomic():
        return candidates.update(**changes) > 0


def redispatch(task_name: str, due: QuerySet, *, stamp: str | None = "dispatched_at", limit: int = 1000,
               now: datetime.datetime | None = None) -> int:
    """Hand the due rows to the task again, oldest first, stamping each one handed over.

    Stops at the first refusal of the broker: the next sweep carries on from there. Returns how many went.
    """
    now = now or timezone.now()
    model = due.model
    handed = 0
    for pk in due.order_by("pk").values_list("pk", flat=True)[:limit]:
        if not enqueue(task_name, pk):
            break
        if stamp:
            model.objects.filter(pk=pk).update(**{stamp: now})
        handed += 1
    return handed
