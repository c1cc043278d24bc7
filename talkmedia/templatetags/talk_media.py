"""Template tags of talk media: URLs of a talk's media pages, and the video player of the program page.

The player costs no query for a talk without a video hosted here (the program page stays at its fixed
query count), and one query per page for all captions once any talk's video is published.
"""
from urllib.parse import urlsplit

from django import template
from django.urls import reverse

from ..selectors import captioned_talk_ids

register = template.Library()


@register.simple_tag
def talk_url(access, name, **kwargs):
    """A URL of the talk media pages in the asker's namespace (signed-in or personal link)."""
    return access.url(name, **kwargs)


@register.filter
def attribute(obj, name):
    """``obj.<name>`` for a field name only known at run time (the consent column)."""
    return getattr(obj, name, None) if name else None


def hosted_video_path(talk) -> str | None:
    """The site path of the talk's published video when ``Talk.video_url`` points at it, else None."""
    if not talk.video_url:
        return None
    path = reverse("videos:talk-video", kwargs={"uid": talk.uid})
    return path if urlsplit(talk.video_url).path == path else None


@register.inclusion_tag("videos/_player.html", takes_context=True)
def talk_player(context, talk):
    """An in-page player for a talk whose published video is hosted here (captions as a <track>)."""
    path = hosted_video_path(talk)
    if path is None:
        return {"talk": None}
    edition_id = talk.session.edition_id
    # The context's outermost layer lives for the whole rendering, included templates too (render_context
    # does not: each {% include %} gets its own).
    cache = context.dicts[0].setdefault("_talk_media_captioned", {})
    if edition_id not in cache:
        cache[edition_id] = captioned_talk_ids(edition_id=edition_id)
    captions = (reverse("videos:talk-captions", kwargs={"uid": talk.uid}) if talk.pk in cache[edition_id]
                else None)
    return {"talk": talk, "src": path, "captions": captions}
