"""A mail's words come from its kind's templates: ``templates/mail/<kind>/subject.txt``, ``body.txt``
and, when present, ``body.html``. Every context also gets ``site_name`` and ``site_url``."""
from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from .kinds import MailKind


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str = ""


def template_names(kind: MailKind) -> dict[str, str]:
    base = f"mail/{kind.value}"
    return {"subject": f"{base}/subject.txt", "text": f"{base}/body.txt", "html": f"{base}/body.html"}


def compose(kind: MailKind, context: dict) -> ComposedMail:
    names = template_names(kind)
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(names["subject"], context).split())
    text = render_to_string(names["text"], context)
    try:
        html = render_to_string(names["html"], context)
    except TemplateDoesNotExist:
        html = ""
    return ComposedMail(subject=subject[:300], text=text, html=html)
