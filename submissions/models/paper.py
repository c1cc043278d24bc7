"""Every PDF ever uploaded for a submission, stored unchanged under a server-chosen name."""
import uuid

from django.conf import settings
from django.db import models


def paper_path(instance: "PaperVersion", filename: str) -> str:
    # Never the author's file name: a path from us, unique, and not guessable.
    return f"papers/{instance.submission.edition.slug}/{instance.submission_id}/{uuid.uuid4().hex}.pdf"


class PaperVersion(models.Model):
    class Source(models.TextChoices):
        WEB = "web", "Web form"
        EMAIL = "email", "Email"

    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="versions")
    file = models.FileField(upload_to=paper_path, max_length=300)
    original_name = models.CharField(max_length=255, blank=True, help_text="As sent by the author; display only.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveSmallIntegerField()
    warnings = models.JSONField(default=list, blank=True)
    pdf_title = models.CharField(max_length=500, blank=True)
    pdf_author = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        get_latest_by = ["received_at", "id"]

    def __str__(self):
        return f"PDF of #{self.submission_id}, {self.received_at:%Y-%m-%d %H:%M} UTC ({self.sha256[:12]}…)"
