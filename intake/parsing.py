"""Reading a raw message, with caps: its sender, subject, references, body text and attachments.

Parsing never trusts the message: headers that fail to parse read as empty, part counts and nesting
are capped, an attachment over the size cap is measured but never decoded, and a file name is kept
for display only (it is never used as a path).
"""
import email
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser

MAX_HEADER_BYTES = 256 * 1024
MAX_DEPTH = 8
ABSTRACT_MAX_CHARS = 5000
# At least one of these makes a message an email; bytes without any are not one.
EMAIL_HEADERS = {
    "from", "sender", "to", "cc", "subject", "date", "message-id", "received", "return-path", "delivered-to",
    "mime-version", "reply-to",
}
# Parts that accompany a message without being an attachment of the author's.
SIGNATURE_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
MSG_ID = re.compile(r"<[^<>\s]{1,490}>")
ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NotAnEmail(Exception):
    """The bytes are not an email message at all."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes | None  # None when over the attachment cap: measured, never decoded

    @property
    def looks_like_pdf(self) -> bool:
        """A candidate for the paper: by content, declared type or name (the PDF check decides what it is)."""
        return (
            (self.data or b"").startswith(b"%PDF-")
            or self.content_type == "application/pdf"
            or self.filename.lower().endswith(".pdf")
        )

    @property
    def label(self) -> str:
        return f"{self.filename or 'an unnamed file'} ({self.content_type})"


@dataclass
class ParsedMessage:
    message: EmailMessage
    from_address: str
    from_name: str
    subject: str
    message_id: str
    references: list[str]
    recipients: list[str]
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    too_many_parts: bool = False

    @property
    def from_domain(self) -> str:
        return self.from_address.rpartition("@")[2]

    def header(self, name: str) -> str:
        return header_text(self.message, name)

    def headers(self, name: str) -> list[str]:
        try:
            return [str(value) for value in (self.message.get_all(name) or [])]
        except Exception:  # noqa: BLE001 - a header that cannot be read is absent
            return []


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (up to the first empty line), at most MAX_HEADER_BYTES."""
    head = raw[:MAX_HEADER_BYTES]
    end = re.search(rb"\r?\n\r?\n", head)
    return head[: end.end()] if end else head


def header_text(message, name: str) -> str:
    try:
        value = message[name]
    except Exception:  # noqa: BLE001
        return ""
    return CONTROL.sub(" ", str(value)).strip() if value is not None else ""


def addresses(message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) of every mailbox in every ``name`` header; unreadable ones dropped."""
    found = []
    try:
        values = message.get_all(name) or []
    except Exception:  # noqa: BLE001
        return found
    for value in values:
        try:
            pairs = [(a.display_name, a.addr_spec) for a in value.addresses]
        except Exception:  # noqa: BLE001 - fall back to the lenient parser
            pairs = email.utils.getaddresses([str(value)])
        for display, addr in pairs:
            addr = (addr or "").strip().lower()
            if ADDRESS.match(addr):
                found.append((CONTROL.sub(" ", display or "").strip()[:200], addr[:320]))
    return found


def message_ids(text: str) -> list[str]:
    return MSG_ID.findall(text or "")


def header_summary(raw: bytes) -> dict:
    """Message-ID, sender and subject from the header block alone, for the stored row. Never raises."""
    try:
        message = BytesHeaderParser(policy=email.policy.default).parsebytes(header_block(raw))
    except Exception:  # noqa: BLE001
        return {"message_id": "", "from_address": "", "from_name": "", "subject": ""}
    sender = addresses(message, "From")
    ids = message_ids(header_text(message, "Message-ID"))
    return {
        "message_id": ids[0] if ids else "",
        "from_address": sender[0][1] if sender else "",
        "from_name": sender[0][0] if sender else "",
        "subject": header_text(message, "Subject")[:500],
    }


def parse_headers_only(raw: bytes) -> ParsedMessage:
    """The headers of a message whose body is not kept (over the size cap) or cannot be parsed."""
    message = BytesHeaderParser(policy=email.policy.default).parsebytes(header_block(raw))
    return _summary(message)


def parse_message(raw: bytes, *, max_parts: int, max_attachment_bytes: int) -> ParsedMessage:
    """The whole message: raises NotAnEmail for bytes that are no email; caps become flags, not errors."""
    if not raw.strip():
        raise NotAnEmail("The message is empty.")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not {key.lower() for key in message.keys()} & EMAIL_HEADERS:
        raise NotAnEmail("No email header fields (From, To, Subject…) were found.")
    parsed = _summary(message)
    _read_parts(parsed, max_parts=max_parts, max_attachment_bytes=max_attachment_bytes)
    return parsed


def _summary(message) -> ParsedMessage:
    sender = addresses(message, "From")
    ids = message_ids(header_text(message, "Message-ID"))
    references = message_ids(header_text(message, "In-Reply-To")) + message_ids(header_text(message, "References"))
    recipients = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        recipients += [addr for _, addr in addresses(message, name)]
    return ParsedMessage(
        message=message,
        from_address=sender[0][1] if len(sender) == 1 else "",
        from_name=sender[0][0] if len(sender) == 1 else "",
        subject=header_text(message, "Subject")[:500],
        message_id=ids[0] if ids else "",
        references=list(dict.fromkeys(references)),
        recipients=list(dict.fromkeys(recipients)),
    )


def _read_parts(parsed: ParsedMessage, *, max_parts: int, max_attachment_bytes: int) -> None:
    """Walk the MIME tree without recursion, at most max_parts parts and MAX_DEPTH levels deep."""
    stack, seen = [(parsed.message, 0)], 0
    body_plain = body_html = None
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > max_parts or depth > MAX_DEPTH:
            parsed.too_many_parts = True
            return
        content_type = _content_type(part)
        if content_type.startswith("multipart/"):
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))
            continue
        disposition = _disposition(part)
        filename = _filename(part)
        if content_type in SIGNATURE_TYPES:
            continue
        if content_type == "text/plain" and disposition != "attachment" and not filename and body_plain is None:
            body_plain = _text_of(part)
            continue
        if content_type == "text/html" and disposition != "attachment" and not filename and body_html is None:
            body_html = _text_of(part)
            continue
        if disposition == "attachment" or filename or not content_type.startswith(("text/", "message/")):
            parsed.attachments.append(_attachment(part, content_type, filename, max_attachment_bytes))
        elif content_type.startswith("message/"):
            parsed.attachments.append(Attachment(filename or "a forwarded message", content_type, 0, None))
    text = body_plain if body_plain is not None else _html_to_text(body_html or "")
    parsed.body_text = clean_body(text)


def _content_type(part) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _disposition(part) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


def _filename(part) -> str:
    """The attachment's name for display: decoded, without any directory, control characters or excess length."""
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""
    name = CONTROL.sub("", str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


def _attachment(part, content_type: str, filename: str, cap: int) -> Attachment:
    encoded = part.get_payload()
    encoded_size = len(encoded) if isinstance(encoded, str | bytes) else 0
    transfer = (part.get("Content-Transfer-Encoding") or "").strip().lower()
    estimate = encoded_size * 3 // 4 if transfer == "base64" else encoded_size
    if estimate > cap + 4096:  # far over: measure without decoding
        return Attachment(filename, content_type, estimate, None)
    try:
        data = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        data = b""
    if len(data) > cap:
        return Attachment(filename, content_type, len(data), None)
    return Attachment(filename, content_type, len(data), data)


def _text_of(part) -> str:
    try:
        return part.get_content()
    except Exception:  # noqa: BLE001 - unknown charset and the like: decode leniently
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _html_to_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html)
    text = re.sub(r"<[^>]+>", " ", html)
    import html as html_module

    return html_module.unescape(text)


def clean_body(text: str) -> str:
    """The author's own words: no quoted lines, no signature, no reply header, at most ABSTRACT_MAX_CHARS."""
    lines = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.rstrip() == "--" or line.startswith("-- "):
            break
        if re.match(r"^On .{4,200} wrote:\s*$", line):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line.rstrip())
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    marker = re.search(r"(?im)^abstract\s*[:.-]\s*", body)
    if marker:
        body = body[marker.end():].strip()
    return body[:ABSTRACT_MAX_CHARS]
