"""``manage.py ingest_email``: store one raw message read from standard input (a mail server's pipe transport).

Exit status, as a mail server reads it (sysexits.h): 0 once the message is stored, even when the
paper in it will be refused (the refusal is an answer mailed to the sender, not a delivery error),
and 75 (EX_TEMPFAIL) when it could not be stored: the mail server keeps the message and delivers it
again later. A retried delivery of a message that was stored after all is recognized by its hash.
The arrival time is taken when the command starts. Setup: docs/email-intake.md.
"""
import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from intake.models import InboundMessage
from intake.storing import inbound_store, read_capped

log = logging.getLogger(__name__)
EX_TEMPFAIL = 75


def envelope_sender(value: str | None) -> str:
    """"" when unknown; "<>" for the null sender of bounces (Postfix passes it empty with null_sender=)."""
    if value is None:
        return ""
    value = value.strip()
    return "<>" if value in ("", "<>") else value.strip("<>").lower()


class Command(BaseCommand):
    help = "Store one raw email message read from standard input; exit 0 once stored, 75 if it could not be."
    stealth_options = ("stdin",)  # call_command(..., stdin=BytesIO(...)) in tests

    def add_arguments(self, parser):
        parser.add_argument("--sender", default=None,
                            help="The envelope sender (Postfix: --sender=${sender}); empty or <> for a bounce.")
        parser.add_argument("--recipient", default="",
                            help="The envelope recipient (Postfix: --recipient=${original_recipient}).")

    def handle(self, *args, sender, recipient, **options):
        arrived_at = timezone.now()
        stream = options.get("stdin") or sys.stdin.buffer
        try:
            raw, size, sha256, truncated = read_capped(stream, settings.INTAKE_MAX_MESSAGE_BYTES)
            inbound, created = inbound_store(
                raw=raw, channel=InboundMessage.Channel.PIPE, received_at=arrived_at, size=size, sha256=sha256,
                truncated=truncated, envelope_sender=envelope_sender(sender), envelope_recipient=recipient.strip(),
            )
        except Exception as exc:  # noqa: BLE001 - whatever it is, the mail server must keep the message
            log.exception("ingest_email: could not store a message of the pipe")
            raise CommandError(f"could not store the message ({type(exc).__name__}: {exc}); "
                               "the mail server should deliver it again later", returncode=EX_TEMPFAIL) from exc
        what = "Stored" if created else "Already stored"
        cap = " (over the cap: headers kept)" if truncated else ""
        self.stdout.write(
            f"{what} as inbound message #{inbound.pk}: {size} bytes{cap}"
            f", arrived {inbound.received_at:%Y-%m-%d %H:%M:%S} UTC, from {inbound.from_address or '?'}; "
            f"status {inbound.status}."
        )
