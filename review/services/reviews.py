"""Reviews are written by assigned, unconflicted reviewers only."""
from review.models import Assignment, Review
from submissions.services.errors import NotAllowed


def review_save(*, assignment: Assignment, user, score: int, confidence: int, comments_for_authors: str,
                comments_for_organizers: str = "") -> Review:
    from review.rules import can_review_submission

    if assignment.reviewer.user_id != user.pk or not can_review_submission(user, assignment.submission):
        raise NotAllowed("This paper is not assigned to you.")
    if getattr(assignment.submission, "decision", None) and assignment.submission.decision.released_at:
        raise NotAllowed("The decision on this paper was released; reviews can no longer change.")
    review, _ = Review.objects.update_or_create(
        assignment=assignment,
        defaults={"score": score, "confidence": confidence, "comments_for_authors": comments_for_authors.strip(),
                  "comments_for_organizers": comments_for_organizers.strip()},
    )
    return review
