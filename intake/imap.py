"""Polling the submission mailbox over IMAP: fetch each message, store it, and only then mark it handled.

Messages are read with BODY.PEEK (a person reading the mailbox is not disturbed), timestamped by
their INTERNALDATE (when the server received them) and marked handled only after
``inbound_store`` committed: moved to ``INTAKE_IMAP_DONE_FOLDER`` when one is set, else given the
keyword ``INTAKE_IMAP_FLAG`` (or \\Seen, when the server takes no keywords). A crash between storing
and marking makes the next poll fetch the message again; its hash is recognized and it is only
marked. Overlapping polls are harmless for the same reason.
"""
import contextlib
import datetime
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass

from django.conf import settings

from intake.models import InboundMessage

from .storing import inbound_store

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: str
    user: str
    password: str
    folder: str
    done_folder: str
    flag: str
    batch: int
    max_bytes: int

    @classmethod
    def from_settings(cls) -> "ImapConfig":
        return cls(
            host=settings.INTAKE_IMAP_HOST, port=settings.INTAKE_IMAP_PORT, tls=settings.INTAKE_IMAP_TLS.lower(),
            user=settings.INTAKE_IMAP_USER, password=settings.INTAKE_IMAP_PASSWORD,
            folder=settings.INTAKE_IMAP_FOLDER, done_folder=settings.INTAKE_IMAP_DONE_FOLDER,
            flag=settings.INTAKE_IMAP_FLAG, batch=settings.INTAKE_IMAP_BATCH,
            max_bytes=settings.INTAKE_MAX_MESSAGE_BYTES,
        )


def quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def imap_connection(config: ImapConfig):
    if config.tls == "ssl":
        client = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=ssl.create_default_context(),
                                   timeout=TIMEOUT_SECONDS)
    elif config.tls in ("starttls", "none"):
        client = imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT_SECONDS)
        if config.tls == "starttls":
            client.starttls(ssl_context=ssl.create_default_context())
    else:
        raise ValueError(f"INTAKE_IMAP_TLS must be ssl, starttls or none, not {config.tls!r}")
    try:
        client.login(config.user, config.password)
        # The greeting's capabilities are the pre-login ones; MOVE and UIDPLUS show only after login.
        _typ, data = client.capability()
        client.capabilities = tuple(data[-1].decode().upper().split())
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def _response_code(client, name: str) -> bytes:
    _typ, data = client.response(name)
    return data[-1] if data and data[-1] else b""


def _flag_to_use(client, flag: str) -> str:
    """The configured keyword if the mailbox keeps keywords, else \\Seen."""
    if flag.startswith("\\"):
        return flag
    permanent = _response_code(client, "PERMANENTFLAGS").decode(errors="replace")
    if "\\*" in permanent or flag in permanent.split():
        return flag
    log.warning("intake: the IMAP folder keeps no keywords (PERMANENTFLAGS %s); marking handled mail \\Seen",
                permanent)
    return "\\Seen"


def _search_criteria(flag: str, moving: bool) -> str:
    if moving:
        return "ALL"  # everything still in the folder is unhandled
    return "UNSEEN" if flag.lower() == "\\seen" else f"UNKEYWORD {flag}"


def _fetch(client, uid: bytes, max_bytes: int) -> tuple[bytes, int, datetime.datetime, bool] | None:
    """(raw, size, INTERNALDATE, truncated); over max_bytes only the header block is fetched. None if gone."""
    _typ, data = client.uid("FETCH", uid, "(RFC822.SIZE INTERNALDATE)")
    meta = b" ".join(d[0] if isinstance(d, tuple) else d for d in data if d)
    size_match = re.search(rb"RFC822\.SIZE (\d+)", meta)
    date_match = re.search(rb'INTERNALDATE "([^"]+)"', meta)
    if not size_match or not date_match:
        return None
    size = int(size_match.group(1))
    received_at = datetime.datetime.strptime(date_match.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    truncated = size > max_bytes
    _typ, data = client.uid("FETCH", uid, "(BODY.PEEK[HEADER])" if truncated else "(BODY.PEEK[])")
    raw = next((item[1] for item in data if isinstance(item, tuple)), None)
    if raw is None:
        return None
    return raw, size, received_at.astimezone(datetime.UTC), truncated


def _ensure_folder(client, folder: str) -> None:
    _typ, data = client.list('""', quoted(folder))
    if not any(d for d in data if d):
        typ, data = client.create(quoted(folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot create the folder {folder}: {data}")


def _mark_handled(client, uid: bytes, config: ImapConfig, flag: str) -> bool:
    """Move or flag one message; True when an EXPUNGE is still needed (servers without MOVE)."""
    if not config.done_folder:
        client.uid("STORE", uid, "+FLAGS.SILENT", f"({flag})")
        return False
    if "MOVE" in client.capabilities:
        typ, data = client.uid("MOVE", uid, quoted(config.done_folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"MOVE failed: {data}")
        return False
    typ, data = client.uid("COPY", uid, quoted(config.done_folder))
    if typ != "OK":
        raise imaplib.IMAP4.error(f"COPY failed: {data}")
    client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
    return True


def imap_poll(*, config: ImapConfig | None = None) -> dict:
    """Fetch up to INTAKE_IMAP_BATCH unhandled messages, store each, then mark it. Returns counts."""
    config = config or ImapConfig.from_settings()
    if not config.host:
        return {"skipped": "INTAKE_IMAP_HOST is not set"}
    summary = {"stored": 0, "known": 0, "marked": 0}
    with imap_connection(config) as client:
        typ, data = client.select(quoted(config.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select {config.folder}: {data}")
        uidvalidity = int(_response_code(client, "UIDVALIDITY") or 0) or None
        flag = _flag_to_use(client, config.flag)
        if config.done_folder:
            _ensure_folder(client, config.done_folder)
        _typ, data = client.uid("SEARCH", None, _search_criteria(flag, bool(config.done_folder)))
        uids = (data[0] or b"").split()[: config.batch]
        expunge = False
        for uid in uids:
            fetched = _fetch(client, uid, config.max_bytes)
            if fetched is None:
                continue
            raw, size, received_at, truncated = fetched
            _inbound, created = inbound_store(
                raw=raw, channel=InboundMessage.Channel.IMAP, received_at=received_at, size=size,
                truncated=truncated, imap_folder=config.folder, imap_uidvalidity=uidvalidity, imap_uid=int(uid),
            )
            summary["stored" if created else "known"] += 1
            expunge |= _mark_handled(client, uid, config, flag)
            summary["marked"] += 1
        if expunge:
            client.expunge()
    log.info("intake: IMAP poll of %s@%s/%s: %s", config.user, config.host, config.folder, summary)
    return summary
