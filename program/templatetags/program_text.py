"""Prose fields (welcome, call for participation) turned into paragraphs, with the submission address linked.

The data file wraps long lines, so a single newline is a space and only a blank line starts a new
paragraph; Django's ``linebreaks`` would put a ``<br>`` in the middle of sentences.
"""
import re

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BLANK_LINE = re.compile(r"\n\s*\n")


def _with_mail_link(escaped: str, email: str) -> str:
    if not email:
        return escaped
    link = format_html('<a href="mailto:{}">{}</a>', email, email)
    return escaped.replace(escape(email), link)


@register.filter
def paragraphs(text: str, email: str = "") -> SafeString:
    """``<p>`` per blank-line-separated block; ``email``, where it occurs, becomes a mailto link."""
    blocks = [" ".join(block.split()) for block in _BLANK_LINE.split(text or "") if block.strip()]
    return format_html_join(
        "\n", "<p>{}</p>", ((mark_safe(_with_mail_link(escape(block), email)),) for block in blocks)
    )


@register.filter
def with_mail_link(text: str, email: str) -> SafeString:
    """The text, escaped, with ``email`` turned into a mailto link wherever it occurs."""
    return mark_safe(_with_mail_link(escape(" ".join((text or "").split())), email))


@register.filter
def absolute_to(url: str, site_url: str) -> str:
    """``url`` as an absolute URL: a site path is put after ``site_url``; a full URL (S3) is kept."""
    url = str(url or "")
    return url if "://" in url else f"{site_url.rstrip('/')}/{url.lstrip('/')}"
