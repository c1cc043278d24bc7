"""Organizers inspect uploads, captions, final papers and upload links here; the overview page is the daily tool."""
from django.contrib import admin, messages

from .models import FinalPaper, SpeakerInvite, TalkCaptions, TalkVideo
from .services.processing import video_retry


@admin.register(TalkVideo)
class TalkVideoAdmin(admin.ModelAdmin):
    list_display = ("id", "talk", "state", "duration_label", "video_codec", "conversion", "published_at", "started_at")
    list_filter = ("state", "backend", "conversion", "talk__session__edition")
    search_fields = ("talk__title", "file_name", "uploader_email")
    raw_id_fields = ("talk", "uploaded_by", "invite", "published_by")
    readonly_fields = [f.name for f in TalkVideo._meta.fields if f.name not in ("id",)]
    actions = ["check_again"]

    @admin.action(description="Check the selected failed videos again")
    def check_again(self, request, queryset):
        count = 0
        for video in queryset.filter(state=TalkVideo.State.FAILED):
            video_retry(video=video)
            count += 1
        self.message_user(request, f"{count} video(s) sent to be checked again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(TalkCaptions)
class TalkCaptionsAdmin(admin.ModelAdmin):
    list_display = ("talk", "language", "cue_count", "size", "uploaded_at")
    raw_id_fields = ("talk", "uploaded_by", "invite")
    readonly_fields = ("file", "sha256", "size", "cue_count", "uploaded_at")


@admin.register(FinalPaper)
class FinalPaperAdmin(admin.ModelAdmin):
    list_display = ("talk", "page_count", "size", "received_at", "published_at")
    list_filter = ("talk__session__edition",)
    raw_id_fields = ("talk", "submission", "uploaded_by", "published_by")
    readonly_fields = ("file", "sha256", "size", "page_count", "warnings", "received_at", "original_name")


@admin.register(SpeakerInvite)
class SpeakerInviteAdmin(admin.ModelAdmin):
    list_display = ("email", "talk", "created_at", "revoked_at", "last_used_at")
    list_filter = ("talk__session__edition",)
    raw_id_fields = ("talk", "person", "created_by")
    readonly_fields = ("nonce", "created_at", "last_used_at")
