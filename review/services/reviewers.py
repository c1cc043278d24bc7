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
                   context={"invitation": invitation, "edition": edition, "link": link,
                            "inviter": inviter_name(invitation)}, triggered_by=by)
    return invitation


def inviter_name(invitation: ReviewerInvitation) -> str:
    """Who sent the invitation, as the invitation page and mail name them ("" when that account is gone)."""
    user = invitation.invited_by
    if user is None:
        return ""
    return user.get_full_name() or user.username


def invitation_problem(invitation: ReviewerInvitation, *, user=None) -> str:
    """Why this invitation can no longer be accepted ("" when it can), in words for the person holding it."""
    if invitation.accepted_at is not None and not (user is not None and invitation.accepted_by_id == user.pk):
        return (f"This invitation was accepted already, on {invitation.accepted_at:%B %-d, %Y}. Each invitation "
                "can be used once; if you did not accept it yourself, write to the organizers.")
    if invitation.edition.date < timezone.localdate():
        return (f"This invitation has expired: {invitation.edition.title} took place on "
                f"{invitation.edition.date:%B %-d, %Y}, and its reviewing is over.")
    return ""


def invitation_accept(*, invitation: ReviewerInvitation, user) -> Reviewer:
    """Only the invited address, verified on the account, may accept, while the invitation is still good."""
    problem = invitation_problem(invitation, user=user)
    if problem:
        raise NotAllowed(problem)
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


def _assignment_make(*, submission: Submission, reviewer: Reviewer, by) -> tuple[Assignment, bool]:
    if reviewer.edition_id != submission.edition_id:
        raise SubmissionError("This reviewer reviews another edition.")
    if submission.status != Submission.Status.SUBMITTED:
        raise SubmissionError(f"Paper #{submission.pk} is not submitted ({submission.get_status_display()}).")
    if is_conflicted(reviewer, submission):
        raise SubmissionError(f"{reviewer} is in conflict with paper #{submission.pk} and cannot review it.")
    return Assignment.objects.get_or_create(submission=submission, reviewer=reviewer, defaults={"assigned_by": by})


def assignment_create(*, submission: Submission, reviewer: Reviewer, by) -> Assignment:
    """One assignment; the reviewer is told by mail if it is new (assignments_bulk for several at once)."""
    made, _, skipped = assignments_bulk(submissions=[submission], reviewers=[reviewer], by=by)
    if skipped:
        raise SubmissionError(skipped[0])
    return made[0] if made else Assignment.objects.get(submission=submission, reviewer=reviewer)


def assignments_bulk(*, submissions, reviewers, by) -> tuple[list[Assignment], list[Assignment], list[str]]:
    """Assign every reviewer to every paper; conflicted pairs are skipped and reported, never assigned.

    Returns (newly made, already there, reasons for skipped pairs). Each reviewer with new papers gets one
    mail listing them all; pairs that were assigned before are not mentioned again, so repeating the same
    action mails nobody.
    """
    made, already, skipped = [], [], []
    with transaction.atomic():
        for submission in submissions:
            for reviewer in reviewers:
                try:
                    assignment, created = _assignment_make(submission=submission, reviewer=reviewer, by=by)
                except SubmissionError as error:
                    skipped.append(str(error))
                else:
                    (made if created else already).append(assignment)
        _assignments_mail(made, by=by)
    return made, already, skipped


def _assignments_mail(assignments: list[Assignment], *, by) -> None:
    """One mail per reviewer about their new assignments.

    The key names the batch by its first new assignment: an assignment is created once, so a batch's key is
    never reused, and queueing it again (a retried request) finds the row that exists.
    """
    by_reviewer: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_reviewer.setdefault(assignment.reviewer_id, []).append(assignment)
    kind = MailKind.REVIEW_ASSIGNMENT
    for batch in by_reviewer.values():
        batch.sort(key=lambda a: a.submission_id)
        reviewer = batch[0].reviewer
        papers = [{"number": a.submission_id, "title": a.submission.title,
                   "link": settings.SITE_URL + reverse("review:paper", args=[a.submission_id])} for a in batch]
        mail_queue(kind=kind, object_key=kind.key(reviewer=reviewer.pk, assignment=min(a.pk for a in batch)),
                   recipients=[reviewer.user.email], triggered_by=by, context={
                       "reviewer": reviewer, "edition": reviewer.edition, "papers": papers,
                       "list_link": settings.SITE_URL + reverse("review:mine")})
