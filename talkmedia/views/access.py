"""Who is asking about which talk: a signed-in speaker or organizer (/videos/talks/<uid>/) or a link holder
(/videos/invite/<token>/). Both reach the same views; the permission functions decide what each may do."""
from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from talkmedia.rules import can_view_talk_media

from ..selectors import talk_for_page
from ..services.invites import invite_from_token
from ..services.uploads import Uploader


class SignInRequired(Exception):
    pass


@dataclass
class TalkAccess:
    talk: object
    user: object
    invite: object
    namespace: str  # "speaker" or "invite"
    key: dict

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"videos:{self.namespace}:{name}", kwargs={**self.key, **kwargs})

    @property
    def uploader(self) -> Uploader:
        return Uploader(user=self.user, invite=self.invite)

    @property
    def by_link(self) -> bool:
        return self.invite is not None


def talk_access(request, *, uid=None, token=None) -> TalkAccess:
    """The talk and the asker's standing, or Http404 (never confirm that a talk's media exist to others)."""
    if token is not None:
        invite = invite_from_token(token)
        if invite is None:
            raise Http404("This upload link is not valid (it may have been revoked).")
        return TalkAccess(talk=invite.talk, user=request.user, invite=invite, namespace="invite",
                          key={"token": token})
    if not request.user.is_authenticated:
        raise SignInRequired
    talk = talk_for_page(uid=uid)
    if talk is None or not can_view_talk_media(request.user, talk):
        raise Http404("No such talk.")
    return TalkAccess(talk=talk, user=request.user, invite=None, namespace="speaker", key={"uid": uid})


def arrived(request):
    return getattr(request, "arrived_at", None) or timezone.now()
