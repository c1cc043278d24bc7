"""The confirmation page of an emailed paper: GET shows what arrived and a button; only POST confirms.

Link scanners and mail previews open links (GET) on their own; a paper is never confirmed by them.
No sign-in is needed: holding the key proves the address it was mailed to.
"""
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from intake.models import InboundMessage

from .confirmation import pending_confirm, pending_for_key


@require_http_methods(["GET", "POST"])
def confirm(request, key):
    inbound = pending_for_key(key)
    if inbound is None:
        return render(request, "intake/confirm.html", {"invalid": True}, status=404)
    context = {"inbound": inbound, "edition": inbound.edition}
    if request.method == "POST":
        at = getattr(request, "arrived_at", None) or timezone.now()
        result = pending_confirm(inbound_id=inbound.pk, via=InboundMessage.Verification.LINK, at=at)
        context.update(inbound=result.inbound, submission=result.submission, problem=result.problem,
                       confirmed=not result.problem)
        return render(request, "intake/confirm.html", context, status=200 if not result.problem else 409)
    expired = inbound.expires_at is not None and inbound.expires_at < timezone.now()
    context.update(expired=expired or inbound.status == InboundMessage.Status.EXPIRED)
    return render(request, "intake/confirm.html", context)
