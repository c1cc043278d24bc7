"""Storing a raw message before anything else: bytes in default storage, then a row, then processing.

The bytes go to default storage under a server-chosen name (flushed to disk on local storage), and
the row commits after them; only then may the caller mark the message handled (IMAP) or exit 0
(pipe). Identical bytes are recognized by their SHA-256 and stored once: an IMAP message fetched
again after a crash, or a pipe delivery retried, returns the row stored the first time.
"""
import datetime
import hashlib
import logging
import os
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from personal_site import durable

from .models import InboundMessage
from .parsing import header_block, header_summary

log = logging.getLogger(__name__)
READ_CHUNK = 1024 * 1024


def read_capped(stream: BinaryIO, cap: int) -> tuple[bytes, int, str, bool]:
    """Read a whole stream: (bytes kept, real size, SHA-256 of everything, truncated).

    Past ``cap`` bytes only the header block is kept, but the stream is read to its end, so the
    sending mail server sees a complete delivery and the hash covers the whole message.
    """
    digest, kept, size, truncated = hashlib.sha256(), bytearray(), 0, False
    while chunk := stream.read(READ_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if not truncated:
            kept += chunk
            if len(kept) > cap:
                kept = bytearray(header_block(bytes(kept)))
                truncated = True
    return bytes(kept), size, digest.hexdigest(), truncated


PROCESS_TASK = "intake.process"


def dispatch_on_commit(inbound_id: int) -> None:
    """Hand the message to a worker once the transaction commits; the sweep retries if the broker is down."""
    durable.dispatch_on_commit(PROCESS_TASK, inbound_id, model=InboundMessage)


def read_raw(inbound: InboundMessage) -> bytes:
    """The stored raw message, the one record of what arrived."""
    with inbound.raw.open("rb") as stored:
        return stored.read()


def _flush_to_disk(field_file) -> None:
    """On local storage, make the bytes durable before the row says they exist (S3 is durable on return)."""
    try:
        path = field_file.storage.path(field_file.name)
    except NotImplementedError:
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(inbound: InboundMessage) -> None:
    try:
        inbound.raw.delete(save=False)
    except Exception:  # noqa: BLE001 - an orphan file is harmless; the original error matters
        log.warning("intake: could not remove the orphan file %s", inbound.raw.name, exc_info=True)


def inbound_store(
    *,
    raw: bytes,
    channel: str,
    received_at: datetime.datetime,
    size: int | None = None,
    sha256: str | None = None,
    truncated: bool = False,
    envelope_sender: str = "",
    envelope_recipient: str = "",
    imap_folder: str = "",
    imap_uidvalidity: int | None = None,
    imap_uid: int | None = None,
) -> tuple[InboundMessage, bool]:
    """Store the raw message and its row; returns (row, created). Raises if it could not be stored."""
    sha256 = sha256 or hashlib.sha256(raw).hexdigest()
    existing = InboundMessage.objects.filter(sha256=sha256).first()
    if existing is not None:
        log.info("intake: message %s (sha256 %s) was stored already", existing.pk, sha256[:16])
        return existing, False
    inbound = InboundMessage(
        channel=channel, sha256=sha256, size=len(raw) if size is None else size, truncated=truncated,
        received_at=received_at, envelope_sender=envelope_sender[:320], envelope_recipient=envelope_recipient[:320],
        imap_folder=imap_folder[:200], imap_uidvalidity=imap_uidvalidity, imap_uid=imap_uid,
        **header_summary(raw),
    )
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    try:
        _flush_to_disk(inbound.raw)
        with transaction.atomic():
            inbound.save()
            dispatch_on_commit(inbound.pk)
    except IntegrityError:  # stored by someone else meanwhile (two polls, a retried pipe)
        _discard(inbound)
        return InboundMessage.objects.get(sha256=sha256), False
    except BaseException:
        _discard(inbound)
        raise
    log.info("intake: stored message %s (%s, %d bytes, arrived %s)", inbound.pk, channel, inbound.size,
             received_at.isoformat())
    return inbound, True
