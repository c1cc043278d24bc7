"""Organizers see submissions and grant deadline extensions here (review pages come later)."""
from django.contrib import admin

from .intake.admin import EmailedPaperFilter, InboundMessageAdmin  # noqa: F401 - registers the inbound admin
from .models import DeadlineExtension, PaperVersion, Submission, SubmissionAuthor, SubmissionEvent


class AuthorInline(admin.TabularInline):
    model = SubmissionAuthor
    extra = 0


class VersionInline(admin.TabularInline):
    model = PaperVersion
    extra = 0
    fields = ("received_at", "page_count", "size", "sha256", "source", "warnings")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    fields = ("at", "action", "actor", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "edition", "status", "contact", "submitted_at", "updated_at")
    list_filter = ("edition", "status", EmailedPaperFilter)
    search_fields = ("title", "abstract", "authors__name", "authors__email")
    readonly_fields = ("created_at", "updated_at", "submitted_at", "withdrawn_at")
    raw_id_fields = ("contact",)
    inlines = [AuthorInline, VersionInline, EventInline]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    list_display = ("edition", "deadline", "submission", "author_email", "until", "granted_by", "granted_at")
    list_filter = ("edition", "deadline")
    search_fields = ("author_email", "submission__title")
    raw_id_fields = ("submission",)
    readonly_fields = ("granted_by", "granted_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
