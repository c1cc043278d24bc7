"""Durable background work: the database row is the truth, a broker message only a nudge.

Outbox mail, inbound email and uploaded videos follow one pattern, written here once:

1. the row is written in the transaction that causes the work;
2. after commit, ``dispatch_on_commit`` stamps the row dispatched and hands its id to a task, by the
   task's *name* (so a service never imports its tasks module); a broker that refuses is logged, never
   raised, and the row simply waits;
3. a beat sweep finds rows that are due again (never handed over, or handed over long ago and not
   finished) and hands them over with ``redispatch``, stopping at the first refusal;
4. a worker takes a row with ``claim``: one conditional UPDATE, so two workers never both act on it;
Work that is cheaper in bulk (mail: one SMTP connection for many) is handed over in *batches*: a list of ids
per task message. ``dispatch_on_commit(..., batch_size=n)`` gathers every row of one transaction into one
hand-over (cut into lists of at most ``n``), ``redispatch(..., batch_size=n)`` does the same for the sweep.

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
                       stamp: str = "dispatched_at", batch_size: int | None = None) -> None:
    """After the current transaction commits: stamp the row's hand-over time (when ``model`` is given) and
    hand its id to the task. Nothing is published for a transaction that rolls back.

    With ``batch_size``, the task takes a list of ids: every row dispatched in this transaction joins one
    hand-over, published after the commit as lists of at most ``batch_size`` ids (one UPDATE stamps each list).
    """
    if batch_size is None:
        def dispatch():
            if model is not None:
                model.objects.filter(pk=pk).update(**{stamp: timezone.now()})
            enqueue(task_name, pk)

        transaction.on_commit(dispatch)
        return
    connection = transaction.get_connection()
    key = (task_name, model, stamp, batch_size)
    pending = connection.__dict__.setdefault("durable_batches", {})
    batch = pending.get(key)
    # A batch joins only while its callback is still to run: a rolled-back savepoint drops the callback (and
    # Django forgets it), and after the commit it has run. Django keeps the callbacks as (savepoints, func, …).
    if batch is None or batch.ran or not connection.in_atomic_block or not any(
            entry[1] is batch for entry in connection.run_on_commit):
        batch = pending[key] = _Batch(task_name, model, stamp, batch_size)
        batch.pks.append(pk)
        transaction.on_commit(batch)  # outside a transaction this runs at once
        return
    batch.pks.append(pk)


class _Batch:
    """The rows of one transaction for one batch task, handed over together after the commit."""

    def __init__(self, task_name: str, model: type[Model] | None, stamp: str, size: int):
        self.task_name, self.model, self.stamp, self.size = task_name, model, stamp, size
        self.pks: list[int] = []
        self.ran = False  # a row dispatched after this ran starts a new batch

    def __call__(self) -> None:
        self.ran = True
        pks, self.pks = self.pks, []
        if self.model is not None:  # rows of a rolled-back savepoint may be in the list: they never existed
            existing = set(self.model.objects.filter(pk__in=pks).values_list("pk", flat=True))
            pks = [pk for pk in dict.fromkeys(pks) if pk in existing]
        for chunk in chunked(pks, self.size):  # each list on its own: a refused one waits for the sweep, unstamped
            hand_over(self.task_name, chunk, model=self.model, stamp=self.stamp)


def hand_over(task_name: str, chunk: list[int], *, model: type[Model] | None, stamp: str | None,
              now: datetime.datetime | None = None) -> bool:
    """Publish one list of ids, stamping the rows first: a stamp written after the publish could hold a row's lock
    while the worker claims it (and a claim skips locked rows). A refusal takes the stamps back."""
    if model is not None and stamp:
        model.objects.filter(pk__in=chunk).update(**{stamp: now or timezone.now()})
    if enqueue(task_name, chunk):
        return True
    if model is not None and stamp:
        model.objects.filter(pk__in=chunk).update(**{stamp: None})
    return False


def chunked(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def claim(candidates: QuerySet, **changes) -> bool:
    """Take the work: update the (one) row still matching ``candidates`` in its own transaction.

    True only for the caller whose UPDATE matched; a second worker, or a row that moved on, gets False.
    """
    with transaction.atomic():
        return candidates.update(**changes) > 0


def redispatch(task_name: str, due: QuerySet, *, stamp: str | None = "dispatched_at", limit: int = 1000,
               now: datetime.datetime | None = None, batch_size: int | None = None) -> int:
    """Hand the due rows to the task again, oldest first, stamping each one handed over.

    With ``batch_size`` the task takes lists of ids, at most that many per message. Stops at the first
    refusal of the broker: the next sweep carries on from there. Returns how many rows went.
    """
    now = now or timezone.now()
    model = due.model
    pks = list(due.order_by("pk").values_list("pk", flat=True)[:limit])
    handed = 0
    if batch_size:
        for chunk in chunked(pks, batch_size):
            if not hand_over(task_name, chunk, model=model, stamp=stamp, now=now):
                break
            handed += len(chunk)
        return handed
    for pk in pks:
        if not enqueue(task_name, pk):
            break
        if stamp:
            model.objects.filter(pk=pk).update(**{stamp: now})
        handed += 1
    return handed
