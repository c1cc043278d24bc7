"""The outbox in the admin: every mail, its state and last error; uncertain rows can be resent deliberately."""
from django.contrib import admin, messages

from .models import OutboundMail
from .services import MailNotResendable, mail_resend


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "subject", "state", "attempts", "sent_at", "resend_of")
    list_filter = ("state", "kind")
    search_fields = ("recipient", "subject", "object_key", "token")
    readonly_fields = [f.name for f in OutboundMail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend deliberately (a new mail, marked as a resend)")
    def resend(self, request, queryset):
        count = skipped = 0
        for mail in queryset:
            try:
                mail_resend(mail=mail, by=request.user)
            except MailNotResendable:
                skipped += 1
            else:
                count += 1
        messages.success(request, f"{count} mail(s) queued again as resends."
                         + (f" {skipped} still on their way were left alone." if skipped else ""))
