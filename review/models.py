"""Reviewers of an edition, their assignments and conflicts, reviews, decisions and decision templates."""
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Reviewer(models.Model):
    """An account with the reviewer role in one edition (created when an invitation is accepted)."""

    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_roles")
    name = models.CharField(max_length=200, help_text="Shown to organizers and to authors declaring conflicts.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["edition", "user"], name="one_reviewer_role_per_edition")]

    def __str__(self):
        return self.name


class ReviewerInvitation(models.Model):
    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="reviewer_invitations")
    email = models.EmailField()
    name = models.CharField(max_length=200)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at"]
        constraints = [models.UniqueConstraint(fields=["edition", "email"], name="one_invitation_per_address")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class Conflict(models.Model):
    class DeclaredBy(models.TextChoices):
        AUTHOR = "author", "An author"
        REVIEWER = "reviewer", "The reviewer"
        ORGANIZER = "organizer", "An organizer"

    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="conflicts")
    declared_by = models.CharField(max_length=20, choices=DeclaredBy.choices)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="one_conflict_per_pair")]

    def __str__(self):
        return f"{self.reviewer} ✕ #{self.submission_id}"


class Assignment(models.Model):
    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "reviewer__name"]
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="one_assignment_per_pair")]

    def __str__(self):
        return f"#{self.submission_id} → {self.reviewer}"


class Review(models.Model):
    SCORES = [(3, "+3 strong accept"), (2, "+2 accept"), (1, "+1 weak accept"), (-1, "−1 weak reject"),
              (-2, "−2 reject"), (-3, "−3 strong reject")]
    CONFIDENCE = [(1, "1 low"), (2, "2 medium"), (3, "3 high")]

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    score = models.SmallIntegerField(choices=SCORES, validators=[MinValueValidator(-3), MaxValueValidator(3)])
    confidence = models.PositiveSmallIntegerField(choices=CONFIDENCE)
    comments_for_authors = models.TextField(help_text="Sent to the authors with the decision, without your name.")
    comments_for_organizers = models.TextField(blank=True, help_text="Only organizers read these.")
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(score=0), name="review_score_not_zero")]

    def __str__(self):
        return f"Review of #{self.assignment.submission_id} by {self.assignment.reviewer}"


class Decision(models.Model):
    """A decision is staged by organizers, then released with all others in one step."""

    class Outcome(models.TextChoices):
        ACCEPT = "accept", "Accept"
        REJECT = "reject", "Reject"

    submission = models.OneToOneField("submissions.Submission", on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    staged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    staged_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)
    program_order = models.PositiveSmallIntegerField(default=0, help_text="Order in the Q&A session if accepted.")

    def __str__(self):
        state = "released" if self.released_at else "staged"
        return f"#{self.submission_id}: {self.get_outcome_display()} ({state})"


class DecisionTemplate(models.Model):
    """The decision mail, edited by organizers. Placeholders: {title} {authors} {decision} {comments}
    {video_deadline} {upload_link} {paper_link}."""

    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="decision_templates")
    outcome = models.CharField(max_length=10, choices=Decision.Outcome.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "outcome"], name="one_template_per_outcome")]

    def __str__(self):
        return f"{self.edition}: {self.get_outcome_display()} mail"
