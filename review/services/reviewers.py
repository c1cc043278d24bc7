"""Invite reviewers, declare conflicts, assign papers (never to a conflicted reviewer)."""
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.services import mail_queue
from personal_site.identity import verified_emails
from review.models import Assignment, Conflict, Reviewer, ReviewerInvitation
from review.rules import is_conflicted
from submissions.models import Submission
from submissions.services.errors import NotAllowed, SubmissionError


def reviewer_invite(*, edition, email: str, name: str, by) -> ReviewerInvitation:
    email = email.strip().lower()
    with transaction.atomic():
        invitation, _ = ReviewerInvitation.objects.get_or_create(
            edition=edition, email=email, defaults={"name": name.strip(), "invited_by": by}
        )
        link = settings.SITE_URL + reverse("review:accept-invitation", args=[invitation.token])
        kind = MailKind.REVIEWER_INVITATION
        mail_queue(kind=kind, object_key=kind.key(invitation=invitation.pk), recipients=[email],
                   context={"invitation": invitation, "edition": edition, "link": link}, triggered_by=by)
    return invitation


def invitation_accept(*, invitation: ReviewerInvitation, user) -> Reviewer:
    """Only the invited address, verified on the account, may accept."""
    if invitation.email not in verified_emails(user):
        raise NotAllowed(f"This invitation was sent to {invitation.email}; sign in with an account that has "
                         "verified that address.")
    with transaction.atomic():
        reviewer, _ = Reviewer.objects.get_or_create(
            edition=invitation.edition, user=user, defaults={"name": invitation.name}
        )
        if invitation.accepted_at is None:
            invitation.accepted_by, invitation.accepted_at = user, timezone.now()
            invitation.save(update_fields=["accepted_by", "accepted_at"])
    return reviewer


def conflict_declare(*, submission: Submission, reviewer: Reviewer, declared_by: str) -> Conflict:
    """A conflict also removes any assignment of that reviewer to the paper (and its review)."""
    with transaction.atomic():
        conflict, _ = Conflict.objects.get_or_create(submission=submission, reviewer=reviewer,
                                                     defaults={"declared_by": declared_by})
        Assignment.objects.filter(submission=submission, reviewer=reviewer).delete()
    return conflict


def conflicts_set_by_authors(*, submission: Submission, reviewers) -> None:
    """The authors' declared conflicts for this paper become exactly ``reviewers``."""
    wanted = {r.pk for r in reviewers if r.edition_id == submission.edition_id}
    with transaction.atomic():
        submission.conflicts.filter(declared_by=Conflict.DeclaredBy.AUTHOR).exclude(reviewer_id__in=wanted).delete()
        for reviewer in Reviewer.objects.filter(pk__in=wanted):
            conflict_declare(submission=submission, reviewer=reviewer, declared_by=Conflict.DeclaredBy.AUTHOR)


def assignment_create(*, submission: Submission, reviewer: Reviewer, by) -> Assignment:
    if reviewer.edition_id != submission.edition_id:
        raise SubmissionError("This reviewer reviews another edition.")
    if submission.status != Submission.Status.SUBMITTED:
        raise SubmissionError(f"Paper #{submission.pk} is not submitted ({submission.get_status_display()}).")
    if is_conflicted(reviewer, submission):
        raise SubmissionError(f"{reviewer} is in conflict with paper #{submission.pk} and cannot review it.")
    assignment, _ = Assignment.objects.get_or_create(submission=submission, reviewer=reviewer,
                                                     defaults={"assigned_by": by})
    return assignment


def assignments_bulk(*, submissions, reviewers, by) -> tuple[list[Assignment], list[str]]:
    """Assign every reviewer to every paper; conflicted pairs are skipped and reported, never assigned."""
    made, skipped = [], []
    for submission in submissions:
        for reviewer in reviewers:
            try:
                made.append(assignment_create(submission=submission, reviewer=reviewer, by=by))
            except SubmissionError as error:
                skipped.append(str(error))
    return made, skipped
