"""A message that came in by email, kept raw before anything else happens to it ."""
import uuid

from django.db import models
from django.utils import timezone

from outbox.kinds import MailKind


def raw_message_path(instance: "InboundMessage", filename: str) -> str:
    # Never anything from the message: a server-chosen, unique name.
    return f"inbound/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


class InboundMessage(models.Model):
    """One received message: its raw bytes in storage, where it came from, and what became of it.

    The row and the bytes are written before any parsing, so a message is never lost; processing
    (a Celery task) then moves it out of RECEIVED exactly once.
    """

    class Channel(models.TextChoices):
        IMAP = "imap", "IMAP mailbox"
        PIPE = "pipe", "Mail server pipe"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received (not processed yet)"
        PENDING = "pending", "Pending: waiting for the sender to confirm the address"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused (the sender was told why)"
        IGNORED = "ignored", "Ignored (not answered on purpose)"
        DUPLICATE = "duplicate", "Duplicate of an earlier message"
        EXPIRED = "expired", "Expired (never confirmed)"
        FAILED = "failed", "Failed (processing error; re-process it)"

    class Verification(models.TextChoices):
        LINK = "link", "Confirmation link"
        REPLY = "reply", "Reply carrying the token of one of our mails"
        DMARC = "dmarc", "DMARC pass from our mail server"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    raw = models.FileField(upload_to=raw_message_path, max_length=300)
    sha256 = models.CharField(max_length=64, unique=True, help_text="Of the stored bytes; a re-delivery is the same.")
    size = models.PositiveBigIntegerField(help_text="Size of the whole message as received, in bytes.")
    truncated = models.BooleanField(default=False, help_text="Over the size cap: only its header block is kept.")
    received_at = models.DateTimeField(
        db_index=True, help_text="Arrival (IMAP INTERNALDATE or the pipe's clock), never the Date header."
    )
    stored_at = models.DateTimeField(auto_now_add=True)
    envelope_sender = models.CharField(max_length=320, blank=True, help_text="<> for the null sender (bounces).")
    envelope_recipient = models.CharField(max_length=320, blank=True)
    imap_folder = models.CharField(max_length=200, blank=True)
    imap_uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    imap_uid = models.PositiveBigIntegerField(null=True, blank=True)

    # Read from the headers when stored (best effort), for organizers and for deduplication.
    message_id = models.CharField(max_length=500, blank=True, db_index=True)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True, help_text="What the sender was told, or why nothing was answered.")
    note = models.CharField(max_length=500, blank=True, help_text="For organizers: how the outcome was reached.")
    attempts = models.PositiveSmallIntegerField(default=0)
    reprocessed = models.PositiveSmallIntegerField(default=0, help_text="Times an organizer re-processed it.")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    edition = models.ForeignKey("program.Edition", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="inbound_messages")
    submission = models.ForeignKey("submissions.Submission", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="inbound_messages", help_text="The submission it became or changed.")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    pdf_name = models.CharField(max_length=255, blank=True, help_text="As sent; display only, never a path.")
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_pages = models.PositiveSmallIntegerField(null=True, blank=True)

    verified_by = models.CharField(max_length=10, choices=Verification.choices, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    confirm_key_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                        help_text="SHA-256 of the confirmation link's key (the key is only mailed).")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table was created when this model lived in the submissions app; it keeps its name.
        db_table = "submissions_inboundmessage"
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound email"
        verbose_name_plural = "inbound email"

    def __str__(self):
        return f"#{self.pk} from {self.from_address or '?'}: {self.subject or '(no subject)'}"

    @property
    def object_key(self) -> str:
        """The outbox key of this message's answer; a re-processed message gets a fresh one."""
        return MailKind.INTAKE_CONFIRM.key(inbound=self.pk,
                                           reprocessed=f":r{self.reprocessed}" if self.reprocessed else "")
