"""Who may do what: the one place where permissions are decided.

Organizers are staff accounts in the "Organizers" group; the group holds every model permission of
the program, speakers and submissions apps, so the Django admin and the organizer pages agree.

Authors of a submission are its contact account and every account holding a *verified* email
address listed among its authors: co-authors need no account until they want one, and an
unverified address never opens a paper. Time limits come from ``submissions/deadlines.py``.
"""
import datetime

from django.contrib.auth.models import Group, Permission

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_APPS = ("program", "speakers", "submissions", "videos")


def organizers_group() -> Group:
    """The Organizers group, created on first use, with every permission of the organizer apps."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS))
    return group


def is_organizer(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.is_staff
        and (user.is_superuser or user.groups.filter(name=ORGANIZERS_GROUP).exists())
    )


def verified_emails(user) -> frozenset[str]:
    """The user's verified addresses, lower-cased (cached on the user object for the request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_verified_emails", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = frozenset(
            e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        )
        user._verified_emails = cached
    return cached


def is_author(user, submission) -> bool:
    if not user.is_authenticated:
        return False
    if submission.contact_id == user.pk:
        return True
    emails = verified_emails(user)
    return bool(emails) and any(a.email.lower() in emails for a in submission.authors.all())


def can_view_submission(user, submission) -> bool:
    return is_author(user, submission) or is_organizer(user)


def can_change_submission(user, submission, *, at: datetime.datetime) -> bool:
    """Edit details or replace the PDF: an author, before the deadline that applies to the paper."""
    from submissions.deadlines import deadline_for, is_open

    return (
        is_author(user, submission)
        and not submission.is_withdrawn
        and is_open(deadline_for(submission.edition, submission=submission), at=at)
    )


def can_withdraw_submission(user, submission) -> bool:
    """Any author may withdraw, at any time, a paper that is not withdrawn yet."""
    return is_author(user, submission) and not submission.is_withdrawn


# --- Review ---------------------------------------------------------------------------------------
# A reviewer sees only the papers assigned to them, never one they wrote or are in conflict with,
# and in double-blind review never the authors' names (the review pages decide what to render).


def reviewer_role(user, edition):
    """The user's Reviewer row in this edition, or None."""
    if not user.is_authenticated:
        return None
    from submissions.review.models import Reviewer

    return Reviewer.objects.filter(edition=edition, user=user).first()


def is_conflicted(reviewer, submission) -> bool:
    """Declared conflicts, and authorship (a reviewer can never review their own paper)."""
    if submission.conflicts.filter(reviewer=reviewer).exists():
        return True
    return is_author(reviewer.user, submission)


def can_review_submission(user, submission) -> bool:
    reviewer = reviewer_role(user, submission.edition)
    if reviewer is None or is_conflicted(reviewer, submission):
        return False
    return submission.assignments.filter(reviewer=reviewer).exists()


def sees_author_names(user, submission) -> bool:
    """Organizers and authors always; reviewers only in single-blind review."""
    if is_organizer(user) or is_author(user, submission):
        return True
    return submission.edition.review_mode != "double_blind"


# --- Talk media: pre-recorded videos, captions, final papers ----------------------------------------
# The speakers of a talk are its presenters (a verified address equal to a presenter's Person.email)
# and the authors of the accepted paper it presents (talk.submission). Invited speakers without an
# account hold a personal upload link instead (submissions.videos.models.SpeakerInvite), which an
# organizer sends and may revoke. Everything closes at the video deadline (submissions/deadlines.py,
# extensions included); an upload started before it may be finished for VIDEO_UPLOAD_FINISH_HOURS.
# Organizers see everything and decide what is published; published media are public.


def talk_presenter_emails(talk) -> tuple[str, ...]:
    from speakers.models import Appearance

    emails = Appearance.objects.filter(talk=talk, role=Appearance.Role.PRESENTER).exclude(person__email="")
    return tuple(sorted({e.lower() for e in emails.values_list("person__email", flat=True)}))


def talk_media_deadline(talk):
    """The video deadline that applies to a talk: its edition's, or a later extension for its paper or a presenter."""
    from submissions.deadlines import VIDEO, deadline_for

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
    from submissions.deadlines import is_open

    return speaks_for_talk(user, talk, invite=invite) and is_open(talk_media_deadline(talk), at=at)


def can_finish_video_upload(user, video, *, at: datetime.datetime, invite=None) -> bool:
    """Send parts of, or complete, an upload that was started on time, until the finishing window closes."""
    import dataclasses

    from django.conf import settings

    from submissions.deadlines import is_open

    talk = video.talk
    if not speaks_for_talk(user, talk, invite=invite):
        return False
    deadline = talk_media_deadline(talk)
    if deadline is None or not is_open(deadline, at=video.started_at):
        return False
    window = datetime.timedelta(hours=settings.VIDEO_UPLOAD_FINISH_HOURS)
    return is_open(dataclasses.replace(deadline, moment=deadline.moment + window), at=at)


def can_upload_final_paper(user, talk, *, at: datetime.datetime) -> bool:
    """The final PDF of an accepted paper: its authors (signed in), until the talk's video deadline."""
    from submissions.deadlines import is_open

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
