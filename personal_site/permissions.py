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
ORGANIZER_APPS = ("program", "speakers", "submissions")


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
