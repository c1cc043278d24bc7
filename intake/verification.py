"""Proofs that a message's sender controls its From address (From: alone proves nothing; it is forged at will).

Three proofs count, each tied to the address itself:

- the confirmation link we mail to the address: a random key that only its mailbox receives; we keep
  only the key's SHA-256;
- a reply that references (In-Reply-To or References) one of our mails *to that address*: our
  Message-ID carries the outbox row's random token, so only a reader of that mailbox knows it;
- our own receiving mail server's Authentication-Results header, with the authserv-id set in
  ``INTAKE_AUTHSERV_ID``, showing ``dmarc=pass`` for the From domain. Only the topmost header with
  our authserv-id counts: our server prepends its own, and any such header further down was written
  by someone else. With no authserv-id configured, no header is trusted.
"""
import hashlib
import re
import secrets
import uuid

from django.conf import settings

from outbox.models import OutboundMail

from .parsing import ParsedMessage

COMMENT = re.compile(r"\([^()]*\)")
# Rows whose token may have reached the recipient's mailbox.
DELIVERED_STATES = (OutboundMail.State.SENT, OutboundMail.State.SENDING, OutboundMail.State.UNCERTAIN)


def new_confirm_key() -> tuple[str, str]:
    """A key for the confirmation link and the hash we store."""
    key = secrets.token_urlsafe(32)
    return key, confirm_key_hash(key)


def confirm_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def dmarc_result(parsed: ParsedMessage, authserv_id: str | None = None) -> str:
    """The DMARC result our server recorded for the From domain: "pass", "fail", …; "" when it recorded none.

    A result for another domain than the From domain reads as "mismatch".
    """
    authserv_id = (settings.INTAKE_AUTHSERV_ID if authserv_id is None else authserv_id).strip().lower()
    if not authserv_id:
        return ""
    for value in parsed.headers("Authentication-Results"):
        text = COMMENT.sub(" ", COMMENT.sub(" ", value))  # two passes: one level of nested comments
        head, _, rest = text.partition(";")
        words = head.split()
        if not words or words[0].lower() != authserv_id:
            continue
        # The topmost header of ours decides, whatever it says.
        for resinfo in rest.split(";"):
            tokens = resinfo.split()
            if not tokens or tokens[0].partition("=")[0].lower() != "dmarc":
                continue
            result = tokens[0].partition("=")[2].lower()
            properties = dict(t.split("=", 1) for t in tokens[1:] if "=" in t)
            header_from = properties.get("header.from", "").strip('"').lower()
            return result if header_from and header_from == parsed.from_domain else "mismatch"
        return "none"
    return ""


def our_mail_domain() -> str:
    """The domain of our Message-IDs (see OutboundMail.message_id)."""
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ").lower()


def referenced_tokens(parsed: ParsedMessage) -> list[uuid.UUID]:
    """Tokens of our own Message-IDs among the message's references, the direct parent first."""
    domain, tokens = our_mail_domain(), []
    for message_id in parsed.references:
        local, _, host = message_id.strip("<>").rpartition("@")
        if host.lower() != domain:
            continue
        try:
            tokens.append(uuid.UUID(local))
        except ValueError:
            continue
    return tokens


def replied_mail(parsed: ParsedMessage) -> OutboundMail | None:
    """The mail of ours, sent to the sender's own address, that this message answers; None if there is none."""
    tokens = referenced_tokens(parsed)
    if not tokens or not parsed.from_address:
        return None
    mails = {
        mail.token: mail
        for mail in OutboundMail.objects.filter(token__in=tokens, recipient=parsed.from_address,
                                                state__in=DELIVERED_STATES)
    }
    return next((mails[t] for t in tokens if t in mails), None)
