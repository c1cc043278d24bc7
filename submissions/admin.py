"""Organizers see submissions and grant deadline extensions here."""
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q

from .models import DeadlineExtension, PaperVersion, Submission, SubmissionAuthor, SubmissionEvent


class EmailedPaperFilter(admin.SimpleListFilter):
    """Papers that came by email and still lack what email cannot carry (topics, an abstract) or are drafts."""

    title = "came by email"
    parameter_name = "emailed"

    def lookups(self, request, model_admin):
        return [("incomplete", "By email, still incomplete"), ("complete", "By email, completed"),
                ("any", "By email, all")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        emailed = queryset.filter(Exists(PaperVersion.objects.filter(submission=OuterRef("pk"),
                                                                       source=PaperVersion.Source.EMAIL)))
        incomplete = (Q(topic_count=0) | Q(abstract="") | Q(status=Submission.Status.DRAFT))
        emailed = emailed.annotate(topic_count=Count("topics", distinct=True))
        if self.value() == "incomplete":
            return emailed.filter(incomplete)
        if self.value() == "complete":
            return emailed.exclude(incomplete)
        return emailed


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
