"""Personal upload links for invited speakers: created and mailed by an organizer, revocable at any time."""
from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..models import INVITE_SALT, SpeakerInvite
from .notifications import send_invite_mail


class InviteError(Exception):
    pass


def invite_send(*, talk, email: str, person=None, by) -> SpeakerInvite:
    """A new link for ``email`` on this talk, mailed through the outbox; earlier links to that address stay valid."""
    email = email.strip().lower()
    if not email:
        raise InviteError("This speaker has no email address; add one to the person first.")
    with transaction.atomic():
        invite = SpeakerInvite.objects.create(talk=talk, person=person, email=email, created_by=by)
        send_invite_mail(invite, by=by)
    return invite


def invite_revoke(*, invite: SpeakerInvite, by) -> SpeakerInvite:
    SpeakerInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    invite.refresh_from_db()
    return invite


def invite_from_token(token: str) -> SpeakerInvite | None:
    """The active invite a link names, or None (forged, altered, revoked, or its nonce changed)."""
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    invite = (
        SpeakerInvite.objects.select_related("talk__session__edition", "talk__submission")
        .filter(pk=data.get("i"), nonce=data.get("n"), revoked_at__isnull=True).first()
    )
    if invite is not None:
        SpeakerInvite.objects.filter(pk=invite.pk).update(last_used_at=timezone.now())
    return invite
