"""The one PDF check every way a paper comes in (upload form, email) goes through.

Cheap checks on the raw bytes come first (size, emptiness, %PDF- at offset 0, a final %%EOF), so a
wrong or oversized file never reaches a parser. Parsing happens in a sandbox process with memory,
CPU and wall-clock limits, forked from a pre-started worker (see sandbox.py and sandbox_worker.py).
Nothing here touches models or storage: callers store the original bytes unchanged under the
returned SHA-256.
"""

import hashlib
import logging
import os
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings

from . import messages
from .paper import PageSize, group_page_sizes
from .sandbox import DEFAULT_CHECKS_PER_WORKER, DEFAULT_MAX_WORKERS, parse_in_sandbox

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024
# Largest size one object or cross-reference stream may inflate to; real ones are well under a megabyte.
DEFAULT_INFLATE_BYTES = 8 * 1024 * 1024
# Largest size one page's drawing instructions (contents, forms, patterns) may inflate to. A dense
# page of text is about 100 KB; a vector plot of a million points about 30 MB.
DEFAULT_PAGE_CONTENT_BYTES = 32 * 1024 * 1024
# Viewers accept a PDF whose %%EOF marker is within the last 1024 bytes; a missing one means a cut-off file.
EOF_WINDOW = 1024
READ_CHUNK = 1024 * 1024

# How a parse that produced no facts is explained to the author.
STATUS_ERRORS = {
    "password": messages.PASSWORD,
    "damaged": messages.DAMAGED,
    "crashed": messages.DAMAGED,
    "page_tree": messages.PAGE_TREE_DAMAGED,
    "failed": messages.OUR_PROBLEM,
}


@dataclass
class PdfCheckResult:
    """What the check found. ok is False exactly when errors is not empty; warnings never block a submission."""

    ok: bool
    errors: list[str]
    warnings: list[str]
    page_count: int | None
    sha256: str
    size: int
    page_sizes: list[PageSize] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    # For logs and the benchmark: the check's time in the sandbox (waiting for a worker included) and the
    # parse process's own peak resident memory, if it got that far.
    parse_seconds: float | None = None
    parser_peak_rss_bytes: int | None = None


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    timeout_seconds: float
    memory_bytes: int
    inflate_bytes: int
    page_content_bytes: int


def check_pdf(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    page_limit: int,
    max_bytes: int | None = None,
    timeout_seconds: float | None = None,
    memory_bytes: int | None = None,
    inflate_bytes: int | None = None,
    page_content_bytes: int | None = None,
) -> PdfCheckResult:
    """Check an uploaded paper. Never raises for bad input: every problem becomes an author-facing message.

    data is the file's bytes or a binary file object (read from its current position, which is
    restored if the file is seekable). Limits left as None come from the settings PDF_MAX_BYTES,
    PDF_CHECK_TIMEOUT_SECONDS, PDF_CHECK_MEMORY_BYTES, PDF_CHECK_INFLATE_BYTES and
    PDF_CHECK_PAGE_CONTENT_BYTES (or the defaults above when Django is not configured).
    PDF_CHECK_WORKERS and PDF_CHECK_WORKER_MAX_CHECKS size this process's sandbox pool.
    """
    if page_limit < 1:
        raise ValueError("page_limit must be at least 1")
    limits = Limits(
        max_bytes=max_bytes if max_bytes is not None else _setting("PDF_MAX_BYTES", DEFAULT_MAX_BYTES),
        timeout_seconds=timeout_seconds or _setting("PDF_CHECK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
        memory_bytes=memory_bytes or _setting("PDF_CHECK_MEMORY_BYTES", DEFAULT_MEMORY_BYTES),
        inflate_bytes=inflate_bytes or _setting("PDF_CHECK_INFLATE_BYTES", DEFAULT_INFLATE_BYTES),
        page_content_bytes=page_content_bytes or _setting("PDF_CHECK_PAGE_CONTENT_BYTES", DEFAULT_PAGE_CONTENT_BYTES),
    )
    try:
        content, size, sha256 = _read_upload(data, limits.max_bytes)
    except (OSError, ValueError):
        logger.warning("Could not read an uploaded PDF", exc_info=True)
        return PdfCheckResult(False, [messages.UNREADABLE_UPLOAD], [], None, sha256="", size=0)
    result = PdfCheckResult(ok=False, errors=[], warnings=[], page_count=None, sha256=sha256, size=size)
    refusal = _refusal_before_parsing(content, size, limits.max_bytes)
    if refusal:
        result.errors.append(refusal)
    else:
        facts = parse_in_sandbox(
            content,
            limits={"page_limit": page_limit, "memory_bytes": limits.memory_bytes,
                    "inflate_bytes": limits.inflate_bytes, "content_bytes": limits.page_content_bytes},
            timeout_seconds=limits.timeout_seconds,
            max_workers=_setting("PDF_CHECK_WORKERS", DEFAULT_MAX_WORKERS),
            checks_per_worker=_setting("PDF_CHECK_WORKER_MAX_CHECKS", DEFAULT_CHECKS_PER_WORKER),
        )
        _judge_parsed(result, facts, page_limit, limits)
    result.ok = not result.errors
    logger.info("PDF check of %s (%d bytes): ok=%s errors=%s", sha256[:16], size, result.ok, result.errors)
    return result


def _setting(name: str, default):
    """A Django setting when the process has Django settings; the default in plain scripts (the benchmark)."""
    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        return default
    return getattr(settings, name, default)


def _read_upload(data, max_bytes: int) -> tuple[bytes | None, int, str]:
    """The content (None when over max_bytes), its real size and its SHA-256.

    A file object is read in chunks and hashed as it goes, so an oversized upload is measured and
    fingerprinted without being held in memory.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
        return content, len(content), hashlib.sha256(content).hexdigest()
    start = data.tell() if getattr(data, "seekable", lambda: False)() else None
    digest, kept, size = hashlib.sha256(), [], 0
    while chunk := data.read(READ_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if size <= max_bytes:
            kept.append(chunk)
        else:
            kept.clear()
    if start is not None:
        data.seek(start)
    return (b"".join(kept) if size <= max_bytes else None), size, digest.hexdigest()


def _refusal_before_parsing(content: bytes | None, size: int, max_bytes: int) -> str | None:
    """Refusals that need no parser: the file's size and its first and last bytes. Name and MIME type are ignored."""
    if content is None or size > max_bytes:
        return messages.file_too_large(size, max_bytes)
    if size == 0:
        return messages.EMPTY
    if not content.startswith(b"%PDF-"):
        offset = content.find(b"%PDF-")
        return messages.junk_before_header(offset) if offset > 0 else messages.NOT_PDF
    if b"%%EOF" not in content[-EOF_WINDOW:]:
        return messages.INCOMPLETE
    return None


def _judge_parsed(result: PdfCheckResult, facts: dict, page_limit: int, limits: Limits) -> None:
    """Turn the parser's facts into errors, warnings and the summary fields of result."""
    result.parse_seconds = facts.get("elapsed_seconds")
    result.parser_peak_rss_bytes = facts.get("peak_rss_bytes")
    status = facts["status"]
    if status != "ok":
        logger.info("PDF %s not parsed: %s %s", result.sha256[:16], status, facts.get("detail", ""))
        result.errors.append(_status_error(status, limits))
        return
    result.page_count = facts["page_count"]
    result.title, result.author = facts.get("title"), facts.get("author")
    if result.page_count == 0:
        result.errors.append(messages.NO_PAGES)
    elif result.page_count > page_limit:
        result.errors.append(messages.too_many_pages(result.page_count, page_limit))
    if facts["javascript"]:
        result.errors.append(messages.JAVASCRIPT)
    if facts["launch"]:
        result.errors.append(messages.LAUNCH)
    if oversized_page := facts.get("oversized_content_page"):
        result.errors.append(messages.page_content_too_large(oversized_page, limits.page_content_bytes))
    if facts["repaired"]:
        result.warnings.append(messages.REPAIRED)
    if facts["page_sizes"] is not None:
        _judge_page_sizes(result, facts["page_sizes"])


def _status_error(status: str, limits: Limits) -> str:
    if status == "memory":
        return messages.too_much_memory(limits.memory_bytes)
    if status == "timeout":
        return messages.too_slow(limits.timeout_seconds)
    return STATUS_ERRORS.get(status, messages.OUR_PROBLEM)


def _judge_page_sizes(result: PdfCheckResult, sizes: list) -> None:
    """One warning per unexpected size, naming its pages; sizes are only reported for papers within the page limit."""
    result.page_sizes, unreadable = group_page_sizes(sizes)
    for group in result.page_sizes:
        if group.paper is None:
            result.warnings.append(messages.unexpected_page_size(list(group.pages), group.width, group.height))
    if unreadable:
        result.warnings.append(messages.unknown_page_size(unreadable))
