"""Who may review which paper, and who sees the authors' names.

A reviewer sees only the papers assigned to them, never one they wrote or are in conflict with,
and in double-blind review never the authors' names (the review pages decide what to render).
"""
from personal_site.identity import is_organizer
from submissions.rules import is_author

from .models import Reviewer


def reviewer_role(user, edition):
    """The user's Reviewer row in this edition, or None."""
    if not user.is_authenticated:
        return None
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


