"""One log line per Celery task, carrying the id of the request (or task) that enqueued it.

``before_task_publish`` writes the current request id into the message's headers; in the worker,
``task_prerun`` makes it the current id (so the task's own log lines and the tasks it enqueues carry it too) and
``task_postrun`` logs ``task``, ``task_id``, ``state``, ``runtime_ms`` and ``request_id`` on the
``personal_site.tasks`` logger. Arguments are never logged (they are ids, but the rule stays simple).
"""
import logging
import time

from celery import signals

from .logs import current_request_id, reset_request_id, set_request_id

log = logging.getLogger("personal_site.tasks")
HEADER = "request_id"
_running: dict[str, tuple[float, object]] = {}


@signals.before_task_publish.connect(weak=False, dispatch_uid="personal_site.task_log.publish")
def _carry_request_id(headers=None, **kwargs):
    request_id = current_request_id()
    if headers is not None and request_id and not headers.get(HEADER):
        headers[HEADER] = request_id


@signals.task_prerun.connect(weak=False, dispatch_uid="personal_site.task_log.prerun")
def _task_started(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    _running[task_id] = (time.perf_counter(), set_request_id(request_id))


@signals.task_postrun.connect(weak=False, dispatch_uid="personal_site.task_log.postrun")
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started, token = _running.pop(task_id, (None, None))
    log.info("task", extra={"fields": {
        "task": getattr(task, "name", None), "task_id": task_id, "state": state,
        "runtime_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }})
    if token is not None:
        reset_request_id(token)
