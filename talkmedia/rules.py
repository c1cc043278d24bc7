"""Who may do what with a talk's media: pre-recorded videos, captions, final papers.

The speakers of a talk are its presenters (a verified address equal to a presenter's Person.email)
and the authors of the accepted paper it presents (talk.submission). Invited speakers without an
account hold a personal upload link instead (talkmedia.models.SpeakerInvite), which an
organizer sends and may revoke. Everything closes at the video deadline (program/deadlines.py,
extensions included); an upload started before it may be finished for VIDEO_UPLOAD_FINISH_HOURS.
Organizers see everything and decide what is published; published media are public.
"""
import datetime

from personal_site.identity import is_organizer, verified_emails
from program.deadlines import VIDEO, finishing_window_open, is_open
from speakers.models import Appearance
from submissions.extensions import deadline_for
from submissions.rules import is_author


def talk_presenter_emails(talk) -> tuple[str, ...]:
    emails = Appearance.objects.filter(talk=talk, role=Appearance.Role.PRESENTER).exclude(person__email="")
    return tuple(sorted({e.lower() for e in emails.values_list("person__email", flat=True)}))


def talk_media_deadline(talk):
    """The video deadline that applies to a talk: its edition's, or a later extension for its paper or a presenter."""
    return deadline_for(talk.session.edition, VIDEO, submission=talk.submission,
                        author_emails=talk_presenter_emails(talk))


def is_talk_speaker(user, talk) -> bool:
    if not user.is_authenticated:
        return False
    emails = verified_emails(user)
    if emails and emails.intersection(talk_presenter_emails(talk)):
        return True
    submission = talk.submission
    return submission is not None and not submission.is_withdrawn and is_author(user, submission)


def invite_opens_talk(invite, talk) -> bool:
    return invite is not None and invite.revoked_at is None and invite.talk_id == talk.pk


def speaks_for_talk(user, talk, *, invite=None) -> bool:
    """A speaker of the talk, signed in or holding a valid personal link for it."""
    return invite_opens_talk(invite, talk) or is_talk_speaker(user, talk)


def can_view_talk_media(user, talk, *, invite=None) -> bool:
    """See the talk's media page: its speakers (account or link) and organizers."""
    return speaks_for_talk(user, talk, invite=invite) or is_organizer(user)


def can_upload_talk_media(user, talk, *, at: datetime.datetime, invite=None) -> bool:
    """Start a video upload or add captions: a speaker (account or link), until the talk's video deadline."""
    return speaks_for_talk(user, talk, invite=invite) and is_open(talk_media_deadline(talk), at=at)


def can_finish_video_upload(user, video, *, at: datetime.datetime, invite=None) -> bool:
    """Send parts of, or complete, an upload that was started on time, until the finishing window closes."""
    if not speaks_for_talk(user, video.talk, invite=invite):
        return False
    return finishing_window_open(talk_media_deadline(video.talk), started_at=video.started_at, at=at)


def can_upload_final_paper(user, talk, *, at: datetime.datetime) -> bool:
    """The final PDF of an accepted paper: its authors (signed in), until the talk's video deadline."""
    submission = talk.submission
    return (
        submission is not None and not submission.is_withdrawn and is_author(user, submission)
        and is_open(talk_media_deadline(talk), at=at)
    )


def can_manage_talk_media(user) -> bool:
    """Publish or unpublish videos and papers, send and revoke upload links, see who is missing what."""
    return is_organizer(user)


def can_watch_talk_video(user, video, *, invite=None) -> bool:
    """A published video is public; any other only for the talk's speakers and organizers."""
    return video.is_published or can_view_talk_media(user, video.talk, invite=invite)


def can_read_final_paper(user, paper, *, invite=None) -> bool:
    return paper.is_published or can_view_talk_media(user, paper.talk, invite=invite)
