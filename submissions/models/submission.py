"""A paper submitted to an edition, its authors in order, and everything that happened to it."""
from django.conf import settings
from django.db import models
from django.urls import reverse

from outbox.kinds import MailKind


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (not submitted)"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    edition = models.ForeignKey("program.Edition", on_delete=models.PROTECT, related_name="submissions")
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_submissions",
                                help_text="The account that created the submission.")
    title = models.CharField(max_length=500)
    abstract = models.TextField(blank=True)
    topics = models.ManyToManyField("program.Topic", blank=True, related_name="submissions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self):
        return reverse("submissions:detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN


class SubmissionAuthor(models.Model):
    """An author as listed on the paper; co-authors need no account."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="authors")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    email = models.EmailField()
    affiliation = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "order"], name="unique_author_position"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class SubmissionEvent(models.Model):
    """One change to a submission; each sends a receipt to every author."""

    class Action(models.TextChoices):
        DRAFT_SAVED = "draft_saved", "Draft saved"
        SUBMITTED = "submitted", "Submitted"
        UPDATED = "updated", "Details updated"
        PDF_REPLACED = "pdf_replaced", "PDF replaced"
        WITHDRAWN = "withdrawn", "Withdrawn"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(help_text="When the request arrived.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M:%S} UTC"

    @property
    def object_key(self) -> str:
        return MailKind.RECEIPT.key(event=self.pk)
