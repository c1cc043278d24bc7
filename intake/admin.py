"""Organizers see every inbound message and may re-process one (the "came by email" filter is on submissions)."""
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import InboundMessage
from .parsing import header_block
from .upkeep import inbound_reprocess


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "received_at", "from_address", "subject", "edition", "status", "verified_by",
                    "submission_link", "short_error")
    list_filter = ("status", "channel", "edition", "verified_by", "truncated")
    search_fields = ("from_address", "subject", "message_id", "sha256", "pdf_sha256")
    date_hierarchy = "received_at"
    list_select_related = ("edition", "submission")
    actions = ["reprocess"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "confirm_key_hash"] + ["headers"]
    exclude = ("confirm_key_hash",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the raw message is the record of what arrived

    @admin.display(description="submission", ordering="submission")
    def submission_link(self, obj):
        if not obj.submission_id:
            return "—"
        url = reverse("admin:submissions_submission_change", args=[obj.submission_id])
        return format_html('<a href="{}">#{}</a>', url, obj.submission_id)

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.error[:120] + "…") if len(obj.error) > 120 else obj.error

    @admin.display(description="raw headers")
    def headers(self, obj):
        try:
            with obj.raw.open("rb") as stored:
                head = header_block(stored.read(256 * 1024))
        except (OSError, ValueError) as exc:
            return f"(the stored message cannot be read: {exc})"
        return format_html("<pre>{}</pre>", head.decode("utf-8", errors="replace"))

    @admin.action(description="Re-process the selected messages (a fresh answer is sent)")
    def reprocess(self, request, queryset):
        done = skipped = 0
        for inbound in queryset:
            if inbound_reprocess(inbound=inbound, by=request.user):
                done += 1
            else:
                skipped += 1
        if done:
            self.message_user(request, f"{done} message(s) queued for processing again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} message(s) skipped: received, pending or accepted ones "
                              "cannot be re-processed.", messages.WARNING)
