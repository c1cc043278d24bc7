"""Mail about talk media, always through the outbox (a row in the current transaction, sent after commit)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from personal_site.outbox.services import mail_queue
from personal_site.permissions import ORGANIZERS_GROUP, talk_presenter_emails

from ..models import SpeakerInvite, TalkVideo


def organizer_emails() -> list[str]:
    """Addresses of the organizer accounts (active staff in the Organizers group, and superusers)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).filter(
        Q(is_superuser=True) | Q(groups__name=ORGANIZERS_GROUP)
    ).exclude(email="")
    return sorted({email.lower() for email in users.values_list("email", flat=True)})


def speaker_page_url(talk, invite: SpeakerInvite | None = None) -> str:
    if invite is not None and invite.is_active:
        return settings.SITE_URL + reverse("videos:invite:talk", kwargs={"token": invite.token})
    return settings.SITE_URL + reverse("videos:speaker:talk", kwargs={"uid": talk.uid})


def organizer_page_url(talk) -> str:
    return settings.SITE_URL + reverse("videos:organizer", kwargs={"edition": talk.session.edition.slug})


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
    title = f"“{talk.title}”"
    if video.state == TalkVideo.State.READY:
        subject = f"Video received: {talk.title}"
        speaker_body = (
            f"The video you uploaded for {title} ({video.file_name}) is checked and ready: {_describe(video)}.\n\n"
            "The organizers will publish it on the program. You may replace it until the deadline.\n\n"
            f"Your talk's page: {speaker_page_url(talk, video.invite)}\n"
        )
        organizer_body = (f"A video for {title} is ready to publish: {_describe(video)}.\n\n"
                          f"Publish it: {organizer_page_url(talk)}\n")
    elif video.state == TalkVideo.State.REJECTED:
        subject = f"Video not accepted: {talk.title}"
        speaker_body = (
            f"The video you uploaded for {title} ({video.file_name}) was not accepted:\n\n  {video.reason}\n\n"
            f"Please upload a corrected file before the deadline: {speaker_page_url(talk, video.invite)}\n"
        )
        organizer_body = f"A video for {title} was rejected: {video.reason}\n\n{organizer_page_url(talk)}\n"
    else:
        subject = f"Video could not be checked: {talk.title}"
        speaker_body = (
            f"The video you uploaded for {title} ({video.file_name}) arrived, but we could not check it yet:\n\n"
            f"  {video.reason}\n\nThis is our problem, not your file's; the organizers have been told.\n"
        )
        organizer_body = (f"The video for {title} could not be checked: {video.reason}\n\n"
                          f"Fix the cause, then run the check again from the admin: {organizer_page_url(talk)}\n")
    speakers = [video.uploader_email, *talk_presenter_emails(talk)]
    mail_queue(kind=f"video_{video.state}", object_key=video.object_key, recipients=speakers, subject=subject,
               body=speaker_body, triggered_by=video.uploaded_by)
    mail_queue(kind=f"video_{video.state}_organizers", object_key=video.object_key, recipients=organizer_emails(),
               subject=f"[organizers] {subject}", body=organizer_body)


def send_invite_mail(invite: SpeakerInvite, *, by) -> None:
    talk = invite.talk
    deadline = _deadline_text(talk)
    body = (
        f"Hello,\n\nplease upload the pre-recorded presentation of your talk “{talk.title}” "
        f"({talk.session.edition.title}) through this personal link:\n\n  {speaker_page_url(talk, invite)}\n\n"
        f"The video may be up to {talk.slot_length_minutes} minutes long (MP4, MOV, MKV or WebM). {deadline}"
        "You may replace it until then; an interrupted upload continues where it stopped when you choose the "
        "same file again.\n\nThe link is personal: please do not share it.\n"
    )
    mail_queue(kind="video_invite", object_key=invite.object_key, recipients=[invite.email],
               subject=f"Your pre-recorded talk for {talk.session.edition.title}", body=body, triggered_by=by)


def _deadline_text(talk) -> str:
    from personal_site.permissions import talk_media_deadline

    deadline = talk_media_deadline(talk)
    return f"It is due by {deadline}. " if deadline else ""
