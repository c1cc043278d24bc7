"""Every kind of mail the site sends, rendered from its templates with sample data, for organizers."""
from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from outbox.compose import compose, template_names
from outbox.kinds import MailKind
from outbox.previews import previewable_kinds, sample_context

from .access import organizer_required


@organizer_required
def mail_previews(request):
    context = sample_context(site_url=settings.SITE_URL)
    previews = [(kind, compose(kind, context)) for kind in previewable_kinds()]
    return render(request, "organizer/mail_previews.html", {"previews": previews})


@organizer_required
def mail_preview(request, kind):
    try:
        kind = MailKind(kind)
    except ValueError:
        raise Http404("No such kind of mail.") from None
    if kind not in previewable_kinds():
        raise Http404("This kind of mail is not written from the site's templates.")
    return render(request, "organizer/mail_preview.html", {
        "kind": kind, "mail": compose(kind, sample_context(site_url=settings.SITE_URL)),
        "templates": template_names(kind),
    })
