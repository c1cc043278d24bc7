"""Every kind of mail the site sends, and the outbox key of each: the one list of both.

A kind names the templates of its mail (``templates/mail/<kind>/subject.txt``, ``body.txt`` and,
optionally, ``body.html``) and, with the object it is about, the row's idempotency key: the outbox
holds at most one mail per (key, kind, recipient), so queueing twice never sends twice. The values
are stored in existing rows; never rename one.
"""
from django.db import models


class MailKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt of a change to a paper"
    INTAKE_CONFIRM = "intake-confirm", "Request to confirm an emailed paper"
    INTAKE_REFUSAL = "intake-refusal", "Answer to an email that did not become a paper"
    REVIEWER_INVITATION = "reviewer-invitation", "Invitation to review"
    REVIEW_ASSIGNMENT = "review-assignment", "To a reviewer: papers newly assigned to them"
    DECISION = "decision", "Decision on a paper (the organizers' own template)"
    PRESENTER_INFO = "presenter-info", "Request for a presenter's bio, photo and consent"
    REMINDER_DRAFT = "reminder-draft", "Reminder: a paper is still a draft"
    REMINDER_VIDEO = "reminder-video", "Reminder: the talk's video is due"
    REMINDER_EVENT = "reminder-event", "Reminder: the event is tomorrow"
    VIDEO_INVITE = "video_invite", "Personal link to upload a talk's video"
    VIDEO_READY = "video_ready", "A talk's video is ready"
    VIDEO_REJECTED = "video_rejected", "A talk's video was not accepted"
    VIDEO_FAILED = "video_failed", "A talk's video could not be checked"
    VIDEO_READY_ORGANIZERS = "video_ready_organizers", "To organizers: a video is ready to publish"
    VIDEO_REJECTED_ORGANIZERS = "video_rejected_organizers", "To organizers: a video was rejected"
    VIDEO_FAILED_ORGANIZERS = "video_failed_organizers", "To organizers: a video could not be checked"
    ACCOUNT = "account", "Account mail (django-allauth's own templates)"

    def key(self, **ids) -> str:
        """The outbox key of this kind's mail about an object, e.g. ``MailKind.DECISION.key(submission=17)``."""
        return KEY_FORMATS[self].format(**ids)

    def key_prefix(self, **ids) -> str:
        """The part of the key before its last placeholder: every such mail about, say, one talk."""
        fmt = KEY_FORMATS[self]
        return fmt[: fmt.rindex("{")].format(**ids)


KEY_FORMATS = {
    MailKind.RECEIPT: "submission-event:{event}",
    MailKind.INTAKE_CONFIRM: "inbound:{inbound}{reprocessed}",
    MailKind.INTAKE_REFUSAL: "inbound:{inbound}{reprocessed}",
    MailKind.REVIEWER_INVITATION: "reviewer-invitation:{invitation}",
    MailKind.REVIEW_ASSIGNMENT: "review-assignment:{reviewer}:{assignment}",
    MailKind.DECISION: "decision:{submission}",
    MailKind.PRESENTER_INFO: "talk:{talk}:person:{person}",
    MailKind.REMINDER_DRAFT: "reminder-draft:{submission}",
    MailKind.REMINDER_VIDEO: "reminder-video:{talk}",
    MailKind.REMINDER_EVENT: "reminder-event:{edition}",
    MailKind.VIDEO_INVITE: "video-invite:{invite}",
    **{kind: "talk-video:{video}" for kind in (
        MailKind.VIDEO_READY, MailKind.VIDEO_REJECTED, MailKind.VIDEO_FAILED, MailKind.VIDEO_READY_ORGANIZERS,
        MailKind.VIDEO_REJECTED_ORGANIZERS, MailKind.VIDEO_FAILED_ORGANIZERS)},
    MailKind.ACCOUNT: "account:{sending}",
}


def account_kind(template_prefix: str) -> str:
    """The stored kind of one of allauth's mails: account-confirmation, account-password-reset-key…"""
    name = template_prefix.rsplit("/", 1)[-1].replace("email_", "").replace("_", "-")
    return f"{MailKind.ACCOUNT.value}-{name}"[:50]


def video_outcome_kinds(state: str) -> tuple[MailKind, MailKind]:
    """The kinds of the mails about a checked video: (to its speakers, to the organizers)."""
    return MailKind(f"video_{state}"), MailKind(f"video_{state}_organizers")
