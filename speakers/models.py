"""People (presenters, chairs, organizers) and their appearances in an edition's program."""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Person(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, max_length=200)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="people/", blank=True)
    homepage = models.URLField(blank=True)
    email = models.EmailField(blank=True, help_text="For organizers only; never shown on public pages.")
    publish_consent = models.BooleanField(
        default=True,
        help_text="Agreed to show their bio and photo on the program (asked of presenters of accepted papers).",
    )
    profile_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("program:person", kwargs={"slug": self.slug})

    @property
    def public_bio(self) -> str:
        """The bio as the program may show it: only with the person's consent."""
        return self.bio if self.publish_consent else ""

    @property
    def public_photo(self):
        return self.photo if self.publish_consent and self.photo else None


class Appearance(models.Model):
    """One role of a person in an edition, with the affiliation as printed for that role."""

    class Role(models.TextChoices):
        PRESENTER = "presenter", "Presenter"
        CHAIR = "chair", "Discussion chair"
        ORGANIZER = "organizer", "Organizer"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="appearances")
    edition = models.ForeignKey("program.Edition", on_delete=models.CASCADE, related_name="appearances")
    role = models.CharField(max_length=20, choices=Role.choices)
    talk = models.ForeignKey(
        "program.Talk", on_delete=models.CASCADE, null=True, blank=True, related_name="appearances"
    )
    session = models.ForeignKey(
        "program.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="appearances"
    )
    affiliation = models.CharField(max_length=300, blank=True, help_text="As printed for this role.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                name="appearance_target_matches_role",
                condition=(
                    Q(role="presenter", talk__isnull=False, session__isnull=True)
                    | Q(role="chair", talk__isnull=True, session__isnull=False)
                    | Q(role="organizer", talk__isnull=True, session__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["person", "talk"], condition=Q(role="presenter"), name="unique_presenter_per_talk"
            ),
            models.UniqueConstraint(
                fields=["person", "session"], condition=Q(role="chair"), name="unique_chair_per_session"
            ),
            models.UniqueConstraint(
                fields=["person", "edition"], condition=Q(role="organizer"), name="unique_organizer_per_edition"
            ),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"

    def clean(self):
        if self.role == self.Role.PRESENTER and not self.talk_id:
            raise ValidationError({"talk": "A presenter appears in a talk."})
        if self.role == self.Role.CHAIR and not self.session_id:
            raise ValidationError({"session": "A discussion chair chairs a session."})
        if self.role != self.Role.PRESENTER and self.talk_id:
            raise ValidationError({"talk": "Only presenters are attached to a talk."})
        if self.role != self.Role.CHAIR and self.session_id:
            raise ValidationError({"session": "Only discussion chairs are attached to a session."})
