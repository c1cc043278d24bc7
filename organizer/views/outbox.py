"""The organizer's outbox page: counts by state, the mails that need a look, every mail (searchable, one
page at a time, each with its body), and deliberate resends."""
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from outbox import selectors
from outbox.kinds import MailKind
from outbox.models import OutboundMail
from outbox.services import MailNotResendable, mail_resend

from .access import organizer_required

PER_PAGE = 50


@organizer_required
def outbox(request):
    query, state, kind = (request.GET.get(k, "").strip() for k in ("q", "state", "kind"))
    if state and state not in OutboundMail.State.values:
        messages.error(request, f"“{state}” is not a state of a mail; showing every state.")
        state = ""
    if kind and kind not in MailKind.values:
        messages.error(request, f"“{kind}” is not a kind of mail; showing every kind.")
        kind = ""
    page = Paginator(selectors.mails_search(query=query, state=state, kind=kind), PER_PAGE).get_page(
        request.GET.get("page"))
    # The paging links carry the search as it was understood (a refused state or kind is not repeated).
    filters = urlencode({name: value for name, value in (("q", query), ("state", state), ("kind", kind)) if value})
    return render(request, "organizer/outbox.html", {
        "problems": selectors.mails_needing_attention(), "counts": selectors.mail_counts_by_state(),
        "page": page, "q": query, "state": state, "kind": kind, "filters": filters,
        "states": OutboundMail.State.choices, "kinds": MailKind.choices,
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
