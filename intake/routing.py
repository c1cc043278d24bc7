"""Which edition a message is for: the one whose submission address it was sent to, else the one open call.

A message belongs to the edition whose ``submission_email`` is the pipe's envelope recipient or,
failing that, appears in To, Cc, Delivered-To or X-Original-To. When several editions share that address, the one
whose call is open at the message's arrival wins. When no address matches, the message goes to the
one edition whose call is open, if exactly one is; anything else is ambiguous and is answered.
"""
import datetime
from dataclasses import dataclass

from program.deadlines import SUBMISSION, is_open
from program.models import Edition
from submissions.extensions import deadline_for

from . import messages


@dataclass
class Route:
    edition: Edition | None
    problem: str = ""


def _open(edition: Edition, at: datetime.datetime, sender: str) -> bool:
    return is_open(deadline_for(edition, SUBMISSION, author_emails=(sender,) if sender else ()), at=at)


def edition_for(*, recipients: list[str], sender: str, at: datetime.datetime, envelope_recipient: str = "") -> Route:
    """The edition for a message to ``recipients`` (its headers); the envelope recipient, when known, comes first."""
    editions = list(Edition.objects.exclude(submission_email="").prefetch_related("important_dates"))
    matching = []
    for addresses in ({envelope_recipient.strip().lower()}, {r.strip().lower() for r in recipients if r}):
        matching = [e for e in editions if e.submission_email.strip().lower() in addresses]
        if matching:
            break
    if matching:
        open_ones = [e for e in matching if _open(e, at, sender)]
        if len(open_ones) == 1:
            return Route(open_ones[0])
        if not open_ones:
            # The latest of them, so the answer can name its (passed) deadline.
            return Route(max(matching, key=lambda e: e.date))
        return Route(None, messages.ambiguous_edition(open_ones))
    every = list(Edition.objects.prefetch_related("important_dates"))
    open_ones = [e for e in every if _open(e, at, sender)]
    if len(open_ones) == 1:
        return Route(open_ones[0])
    if not open_ones:
        return Route(None, messages.NO_OPEN_CALL)
    return Route(None, messages.ambiguous_edition(open_ones))
