"""Videos of talks (one row per upload), captions, final papers and the upload links sent to speakers.

A talk may have several video rows over time: a speaker replaces a video by uploading another one.
At most one row per talk is uploading at a time and at most one is published; the published row is
what ``/talks/<uid>/video`` serves. Storage names (keys) are always ours, never the speaker's file name.
"""
import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q

from outbox.kinds import MailKind

INVITE_SALT = "videos.invite"


class SpeakerInvite(models.Model):
    """A personal link that lets an invited speaker (who needs no account) upload for one talk.

    The link carries a signed token naming this row and its nonce; revoking the row (or changing the
    nonce) makes every copy of the link useless at once.
    """

    talk = models.ForeignKey("program.Talk", on_delete=models.CASCADE, related_name="video_invites")
    person = models.ForeignKey("speakers.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    email = models.EmailField()
    nonce = models.CharField(max_length=64, default=secrets.token_urlsafe, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Upload link for {self.email} ({self.talk})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def token(self) -> str:
        return signing.dumps({"i": self.pk, "n": self.nonce}, salt=INVITE_SALT, compress=True)

    @property
    def object_key(self) -> str:
        return MailKind.VIDEO_INVITE.key(invite=self.pk)


class TalkVideo(models.Model):
    class State(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Could not be checked"
        ABANDONED = "abandoned", "Upload abandoned"
        REPLACED = "replaced", "Replaced by a newer video"

    class Backend(models.TextChoices):
        S3 = "s3", "S3 multipart upload"
        LOCAL = "local", "Parts in local media"

    class Conversion(models.TextChoices):
        NONE = "none", "None (already H.264/AAC MP4 with faststart)"
        REMUX = "remux", "Remuxed to MP4 (streams copied)"
        AUDIO = "audio", "Audio converted to AAC (video copied)"
        TRANSCODE = "transcode", "Converted to H.264/AAC"

    talk = models.ForeignKey("program.Talk", on_delete=models.CASCADE, related_name="videos")
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADING, db_index=True)
    reason = models.TextField(blank=True, help_text="Why the video was rejected or could not be checked, in words.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    invite = models.ForeignKey(SpeakerInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos")
    uploader_email = models.EmailField(blank=True)

    # The upload, as declared by the browser and decided by the server.
    file_name = models.CharField(max_length=255, blank=True, help_text="As chosen by the speaker; display only.")
    declared_size = models.PositiveBigIntegerField()
    declared_type = models.CharField(max_length=100, blank=True)
    container = models.CharField(max_length=10, help_text="mp4, mov, mkv or webm, from the file's extension.")
    fingerprint = models.CharField(max_length=64, help_text="Identifies the same file chosen again, to resume.")
    backend = models.CharField(max_length=10, choices=Backend.choices)
    upload_id = models.CharField(max_length=1024, blank=True, help_text="The S3 multipart upload id.")
    original = models.FileField(max_length=300, blank=True, help_text="The uploaded file, unchanged.")
    part_size = models.PositiveBigIntegerField()
    part_count = models.PositiveIntegerField()
    parts_signed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(help_text="When the upload was started (its request's arrival).")
    last_activity_at = models.DateTimeField()
    uploaded_at = models.DateTimeField(null=True, blank=True)

    # Processing.
    processing_attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    stored_size = models.PositiveBigIntegerField(null=True, blank=True)
    format_name = models.CharField(max_length=100, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    video_codec = models.CharField(max_length=50, blank=True)
    audio_codec = models.CharField(max_length=50, blank=True)
    pix_fmt = models.CharField(max_length=50, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    conversion = models.CharField(max_length=10, choices=Conversion.choices, blank=True)
    playable = models.FileField(max_length=300, blank=True, help_text="The H.264/AAC MP4 the program plays.")
    playable_size = models.PositiveBigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="What ffprobe found, before and after conversion.")

    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["talk"], condition=Q(state="uploading"), name="one_upload_per_talk"),
            models.UniqueConstraint(fields=["talk"], condition=Q(published_at__isnull=False),
                                    name="one_published_video_per_talk"),
            models.CheckConstraint(condition=Q(published_at__isnull=True) | Q(state="ready"),
                                   name="only_ready_videos_are_published"),
        ]

    def __str__(self):
        return f"Video {self.pk} of {self.talk} ({self.get_state_display()})"

    @property
    def object_key(self) -> str:
        return MailKind.VIDEO_READY.key(video=self.pk)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_final(self) -> bool:
        return self.state in (self.State.READY, self.State.REJECTED, self.State.FAILED)

    @property
    def duration_label(self) -> str:
        if self.duration_seconds is None:
            return ""
        total = round(self.duration_seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class TalkCaptions(models.Model):
    """A WebVTT captions file for a talk; the latest one is shown with the talk's published video."""

    talk = models.ForeignKey("program.Talk", on_delete=models.CASCADE, related_name="video_captions")
    file = models.FileField(max_length=300)
    language = models.CharField(max_length=20, default="en")
    label = models.CharField(max_length=100, default="English")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    cue_count = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    invite = models.ForeignKey(SpeakerInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name_plural = "talk captions"

    def __str__(self):
        return f"Captions of {self.talk} ({self.uploaded_at:%Y-%m-%d %H:%M} UTC)"


def unique_key(prefix: str, talk, extension: str) -> str:
    """A storage name of ours: edition, talk, then a random name; never the uploader's file name."""
    return f"{prefix}/{talk.session.edition.slug}/{talk.uid}/{uuid.uuid4().hex}.{extension}"


class FinalPaper(models.Model):
    """The camera-ready PDF of an accepted paper's talk, checked by the one PDF check and stored unchanged."""

    talk = models.ForeignKey("program.Talk", on_delete=models.CASCADE, related_name="final_papers")
    submission = models.ForeignKey("submissions.Submission", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="final_papers")
    file = models.FileField(max_length=300)
    original_name = models.CharField(max_length=255, blank=True, help_text="As sent by the author; display only.")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveSmallIntegerField()
    warnings = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["talk"], condition=Q(published_at__isnull=False),
                                    name="one_published_paper_per_talk"),
        ]

    def __str__(self):
        return f"Final paper of {self.talk} ({self.received_at:%Y-%m-%d %H:%M} UTC)"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
