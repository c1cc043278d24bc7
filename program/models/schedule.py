"""Sessions (time blocks in the program) and the talks inside them."""
import uuid

from django.core.exceptions import ValidationError
from django.db import models


class Session(models.Model):
    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", "Introduction"
        PLENARY = "plenary", "Plenary talk"
        QA = "qa", "Q&A session"
        BREAK = "break", "Break"
        OTHER = "other", "Other"

    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=300, help_text="For example “Plenary Talk 1” or “Research Talk Q&A Session”.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    start = models.DateTimeField()
    end = models.DateTimeField()
    description = models.TextField(blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable id for exports.")

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="session_ends_after_start"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "A session must end after it starts."})

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class Talk(models.Model):
    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", "Introduction"
        INVITED = "invited", "Invited plenary talk"
        RESEARCH = "research", "Research paper"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="talks")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INVITED)
    label = models.CharField(max_length=100, blank=True, help_text="For example “Research paper 1”.")
    title = models.CharField(max_length=500)
    abstract = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    slot_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Length of the pre-recorded presentation; empty means the session's length.",
    )
    video_url = models.URLField(blank=True, help_text="Leave empty until the video is published.")
    paper_url = models.URLField(blank=True, help_text="Leave empty until the paper is published.")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable id for exports.")
    submission = models.OneToOneField(
        "submissions.Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="talk",
        help_text="The accepted paper this talk presents, if any.",
    )

    class Meta:
        ordering = ["session__start", "order", "id"]

    def __str__(self):
        return self.title

    @property
    def start(self):
        return self.session.start

    @property
    def end(self):
        return self.session.end

    @property
    def slot_length_minutes(self) -> int:
        return self.slot_minutes or self.session.duration_minutes
