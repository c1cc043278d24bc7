"""Mail about talk media, always through the outbox (a row in the current transaction, sent after commit)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from outbox.kinds import MailKind, video_outcome_kinds
from outbox.services import mail_queue
from personal_site.identity import organizer_emails
from talkmedia.rules import talk_media_deadline, talk_presenter_emails

from ..models import SpeakerInvite, TalkVideo


def speaker_page_url(talk, invite: SpeakerInvite | None = None) -> str:
    if invite is not None and invite.is_active:
        return settings.SITE_URL + reverse("videos:invite:talk", kwargs={"token": invite.token})
    return settings.SITE_URL + reverse("videos:speaker:talk", kwargs={"uid": talk.uid})


def organizer_page_url(talk) -> str:
    return settings.SITE_URL + reverse("organizer:media", kwargs={"edition": talk.session.edition.slug})


def _describe(video: TalkVideo) -> str:
    bits = [video.duration_label and f"{video.duration_label} long"]
    if video.width and video.height:
        bits.append(f"{video.width}×{video.height}")
    if video.video_codec:
        bits.append(f"{video.video_codec}{'/' + video.audio_codec if video.audio_codec else ', no sound'}")
    if video.conversion and video.conversion != TalkVideo.Conversion.NONE:
        bits.append(video.get_conversion_display().lower())
    return ", ".join(b for b in bits if b)


def notify_video_outcome(video: TalkVideo) -> None:
    """Tell the uploader, the talk's presenters and the organizers whether the video is ready, and if not why."""
    talk = video.talk
    context = {"video": video, "talk": talk, "description": _describe(video),
               "speaker_url": speaker_page_url(talk, video.invite), "organizer_url": organizer_page_url(talk)}
    to_speakers, to_organizers = video_outcome_kinds(video.state)
    mail_queue(kind=to_speakers, object_key=video.object_key, recipients=[video.uploader_email,
               *talk_presenter_emails(talk)], context=context, triggered_by=video.uploaded_by)
    mail_queue(kind=to_organizers, object_key=video.object_key, recipients=organizer_emails(), context=context)


def send_invite_mail(invite: SpeakerInvite, *, by) -> None:
    talk = invite.talk
    mail_queue(kind=MailKind.VIDEO_INVITE, object_key=invite.object_key, recipients=[invite.email],
               context={"talk": talk, "edition": talk.session.edition, "url": speaker_page_url(talk, invite),
                        "deadline": talk_media_deadline(talk)}, triggered_by=by)
