"""Who may do what with a paper: its authors, before the deadline that applies to it.

Authors of a submission are its contact account and every account holding a *verified* email
address listed among its authors: co-authors need no account until they want one, and an
unverified address never opens a paper. Time limits come from ``program/deadlines.py``.
"""
import datetime

from personal_site.identity import is_organizer, verified_emails
from program.deadlines import is_open

from .extensions import deadline_for
from .lifecycle import REJECTED, paper_status


def is_author(user, submission) -> bool:
    if not user.is_authenticated:
        return False
    if submission.contact_id == user.pk:
        return True
    emails = verified_emails(user)
    return bool(emails) and any(a.email.lower() in emails for a in submission.authors.all())


def can_view_submission(user, submission) -> bool:
    return is_author(user, submission) or is_organizer(user)


DECIDED = ("The decision on this paper is out: it can no longer be changed. An accepted paper's final "
           "version goes on its talk's page.")


def can_change_submission(user, submission, *, at: datetime.datetime) -> bool:
    """Edit details or replace the PDF: an author, before the deadline that applies to the paper, until the
    decision on it is released (what was reviewed stays what was decided on)."""
    return (
        is_author(user, submission)
        and not submission.is_withdrawn
        and is_open(deadline_for(submission.edition, submission=submission), at=at)
        and not paper_status(submission).is_decided
    )


def can_withdraw_submission(user, submission) -> bool:
    """Any author may withdraw a paper that is still in the running: a draft, a submitted paper (also after
    the submission deadline, which stops its review) or an accepted one (its talk leaves the program). Not
    once withdrawn, not after a released rejection (nothing is left to withdraw from)."""
    return (
        is_author(user, submission)
        and not submission.is_withdrawn
        and paper_status(submission).word != REJECTED
    )


def why_not_withdrawable(user, submission) -> str:
    """Why ``can_withdraw_submission`` says no, in words for the author."""
    if not is_author(user, submission):
        return "Only the authors of this paper can withdraw it."
    if submission.is_withdrawn:
        return "This paper is withdrawn already."
    return "The decision on this paper is out: it was not accepted, so there is nothing to withdraw from."


