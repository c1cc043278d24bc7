"""Every sentence the email intake says to senders, in one place: what went wrong and what to do next.

The PDF check's own sentences (too many pages, protected by a password…) come from
submissions/pdfcheck/messages.py and are passed on unchanged.
"""
import math

MB = 1024 * 1024

NO_ATTACHMENT = (
    "Your message had no attachment. Please send your paper as one PDF file attached to the message."
)
NO_OPEN_CALL = "No call for papers is open at the moment, so we could not take your paper."
TOO_MANY_PARTS = (
    "Your message has too many parts for us to read. Please send the paper as one PDF attached to a plain message."
)
UNREADABLE = (
    "We could not read the structure of your message. Please send the paper again as one PDF attached to a "
    "plain message."
)
REPLY_WITHOUT_PDF = (
    "Your reply had no PDF attached, so paper #{pk} was not changed. To replace its PDF, reply to the receipt "
    "with the new PDF attached (exactly one PDF)."
)
NOT_AN_AUTHOR = (
    "Only the authors of paper #{pk} can replace its PDF, and {address} is not among them. Ask an author to send "
    "it, or to add you as an author on the paper's page."
)
ALREADY_CONFIRMED = "This paper was confirmed already: it is paper #{pk}."
EXPIRED = (
    "The confirmation for this paper expired on {when} UTC, so it was not submitted. Please send the paper again."
)
NOT_PENDING = "This message is not waiting for a confirmation, so nothing was done."


def several_pdfs(names: list[str]) -> str:
    return (
        f"Your message had {len(names)} PDF files ({', '.join(names)}). Please send exactly one PDF: the paper "
        "(supplementary material can be added later on the paper's page)."
    )


def not_a_pdf(labels: list[str]) -> str:
    which = labels[0] if len(labels) == 1 else ", ".join(labels)
    return (
        f"Your attachment is not a PDF: {which}. Please export your paper as PDF and send that file attached "
        "to a new message."
    )


def attachment_too_large(size: int, limit: int) -> str:
    return (
        f"Your attachment is {_size(size, math.ceil)}; the limit is {_size(limit, math.floor)}. "
        "Please send a smaller PDF."
    )


def message_too_large(size: int, limit: int) -> str:
    return (
        f"Your message is {_size(size, math.ceil)}; the limit is {_size(limit, math.floor)}. "
        "Please send the paper as a smaller PDF, with nothing else attached."
    )


def ambiguous_edition(editions) -> str:
    where = "; ".join(
        f"{e.title}: {e.submission_email}" if e.submission_email else e.title for e in editions
    )
    return (
        "Several events accept papers now and we could not tell which one your paper is for. Please send it "
        f"to the address of the one you mean ({where})."
    )


def arrived_late(closed: str, arrived_at) -> str:
    return f"{closed} Your message arrived at {arrived_at:%B %-d, %Y, %H:%M:%S} UTC, after it."


def _size(size: int, rounding) -> str:
    """Sizes round up and limits down, so a file just over never reads "10.0 MB; the limit is 10 MB"."""
    if size < MB:
        return f"{rounding(size / 1024)} KB"
    return f"{_megabytes(size, rounding)} MB"


def _megabytes(size: int, rounding) -> str:
    tenths = rounding(size * 10 / MB)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"
