"""A deadline extension granted by organizers to one submission or to one author (all their papers)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class DeadlineExtension(models.Model):
    class Deadline(models.TextChoices):
        SUBMISSION = "submission_deadline", "Paper submission deadline"
        VIDEO = "video_deadline", "Pre-recorded presentation deadline"

    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="extensions")
    deadline = models.CharField(max_length=30, choices=Deadline.choices, default=Deadline.SUBMISSION)
    submission = models.ForeignKey("submissions.Submission", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="extensions")
    author_email = models.EmailField(blank=True, help_text="Extends every paper on which this address is an author.")
    until = models.DateTimeField(help_text="The new deadline (last second that counts), stored in UTC.")
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-until"]
        constraints = [
            models.CheckConstraint(
                name="extension_for_one_paper_or_one_author",
                condition=(
                    Q(submission__isnull=False, author_email="") | Q(submission__isnull=True) & ~Q(author_email="")
                ),
            ),
        ]

    def __str__(self):
        who = f"paper #{self.submission_id}" if self.submission_id else self.author_email
        return f"{self.get_deadline_display()} extended to {self.until:%Y-%m-%d %H:%M:%S} UTC for {who}"

    def save(self, *args, **kwargs):
        self.author_email = self.author_email.strip().lower()
        super().save(*args, **kwargs)

    def clean(self):
        if bool(self.submission_id) == bool(self.author_email):
            raise ValidationError("Give either one submission or one author's email address, not both.")
        if self.submission_id and self.submission.edition_id != self.edition_id:
            raise ValidationError({"submission": "This submission belongs to another edition."})
