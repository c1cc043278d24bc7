"""The organizer's outbox page: counts by state, the mails that need a look, and deliberate resends."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from outbox import selectors
from outbox.models import OutboundMail
from outbox.services import MailNotResendable, mail_resend

from .access import organizer_required


@organizer_required
def outbox(request):
    return render(request, "organizer/outbox.html", {
        "problems": selectors.mails_needing_attention(), "counts": selectors.mail_counts_by_state(),
    })


@organizer_required
@require_POST
def outbox_resend(request, pk):
    mail = get_object_or_404(OutboundMail, pk=pk)
    try:
        resend = mail_resend(mail=mail, by=request.user)
    except MailNotResendable as refusal:
        messages.info(request, str(refusal))
    else:
        messages.success(request, f"Mail {mail.pk} to {mail.recipient} queued again as a resend (mail {resend.pk}).")
    return redirect("organizer:outbox")
