"""Structured logs: the request id of the current request or task, and a one-line JSON formatter.

Every process (gunicorn, Celery worker, beat) logs to stderr; systemd's journal or the platform keeps it. With
``LOG_FORMAT=json`` (the production default) each record is one JSON object on one line::

    {"time": "...", "level": "INFO", "logger": "personal_site.requests", "message": "request",
     "request_id": "3f2a...", "method": "GET", "path": "/submissions/", "status": 200, "duration_ms": 12.4,
     "user_id": 17}

Personal data: records carry ids (user id, task id, request id), never an email, a name or an IP address;
paths are logged without their query string. Messages written by other code are logged as they are.
"""
import contextvars
import json
import logging
import re
import time
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# An id from the proxy (nginx's $request_id is 32 hex digits) is kept if it looks like one; anything else is
# replaced, so a client cannot write arbitrary text into our logs.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id(offered: str | None = None) -> str:
    if offered and _ACCEPTABLE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record, so any log line can be tied to its request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Fields given as ``extra={"fields": {...}}`` go to the top level."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        data.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The development format: readable, with the request id and the fields at the end."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return line


JsonFormatter.converter = PlainFormatter.converter = time.gmtime  # UTC, like the database


def logging_config(*, level: str, fmt: str) -> dict:
    """The ``LOGGING`` setting: everything to stderr, as JSON lines or plain text."""
    if fmt not in ("json", "plain"):
        raise ValueError("LOG_FORMAT must be 'json' or 'plain'")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "personal_site.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "personal_site.logs.JsonFormatter"},
            "plain": {"()": "personal_site.logs.PlainFormatter",
                      "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
