"""The outbound mail row and its states."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutboundMail(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (permanent)"
        UNCERTAIN = "uncertain", "Uncertain (worker died while sending)"
        SUPPRESSED = "suppressed", "Not sent (throttled)"
        BOUNCED = "bounced", "Bounced"

    kind = models.CharField(max_length=50, help_text="What sort of mail (outbox.kinds.MailKind; account mails "
                                                     "are account-<allauth template>).")
    object_key = models.CharField(max_length=100, help_text="What the mail is about, e.g. submission-event:42.")
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True, help_text="An HTML alternative of the body, when its kind has one.")
    reply_to = models.EmailField(blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                             help_text="Goes into the Message-ID, so replies and bounces can be matched.")
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last hand-over to the broker.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False, db_index=True,
                                   help_text="The batch that took the row for sending (with SENDING): one worker's "
                                             "claim, sent one mail after the other in id order.")
    sent_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="resends")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_key", "kind", "recipient"], condition=Q(resend_of__isnull=True),
                name="one_mail_per_object_kind_recipient",
            ),
        ]
        indexes = [models.Index(fields=["object_key"])]
        verbose_name = "outbound mail"
        verbose_name_plural = "outbox"

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.get_state_display()})"

    @property
    def message_id(self) -> str:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
        return f"<{self.token}@{domain}>"
