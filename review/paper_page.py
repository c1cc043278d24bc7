"""What the review app tells an author on their paper's page: the review stage, the released decision
with the reviewers' comments for authors (never a reviewer's name, never the comments for organizers),
and, once accepted, whether the speaker profile (bio, photo, consent to publish) is given.

Nothing about a decision shows before the organizers release it (review/services/decisions.py).
"""
from personal_site.identity import verified_emails
from speakers.models import Appearance
from submissions.lifecycle import ACCEPTED, REJECTED, SUBMITTED, UNDER_REVIEW, DueItem, ReviewAnswer

from .models import Assignment, Decision, Review
from .services.program import profile_link

PROFILE_POSITION = 40


def review_answer(submission) -> ReviewAnswer:
    decision = Decision.objects.filter(submission=submission, released_at__isnull=False).first()
    if decision is not None:
        # Ordered as in the decision mail (review/services/decisions.py): "Review 1" is the same text in both.
        comments = [text.strip() for text in
                    Review.objects.filter(assignment__submission=submission).order_by("assignment__reviewer_id")
                    .values_list("comments_for_authors", flat=True) if text.strip()]
        word = ACCEPTED if decision.outcome == Decision.Outcome.ACCEPT else REJECTED
        return ReviewAnswer(word=word, released_at=decision.released_at, comments=tuple(comments))
    if Assignment.objects.filter(submission=submission).exists():
        return ReviewAnswer(word=UNDER_REVIEW)
    return ReviewAnswer(word=SUBMITTED)


def review_words(submission_ids) -> dict[int, str]:
    """The stage of many submitted papers in two queries, as ``review_answer`` words them one by one."""
    words = dict.fromkeys(Assignment.objects.filter(submission_id__in=submission_ids)
                          .values_list("submission_id", flat=True), UNDER_REVIEW)
    for pk, outcome in Decision.objects.filter(submission_id__in=submission_ids, released_at__isnull=False) \
            .values_list("submission_id", "outcome"):
        words[pk] = ACCEPTED if outcome == Decision.Outcome.ACCEPT else REJECTED
    return words


def profile_items(submission, user) -> list[DueItem]:
    """The signed-in person's own speaker profile for the paper's talk (other authors get their own link)."""
    emails = verified_emails(user)  # an address not proven opens no profile link (personal_site/identity.py)
    if not emails:
        return []
    appearances = (Appearance.objects.filter(talk__submission=submission, role=Appearance.Role.PRESENTER)
                   .select_related("person"))
    items = []
    for appearance in appearances:
        person = appearance.person
        if person.email.lower() not in emails:
            continue
        details = [
            "Bio: " + ("given" if person.bio.strip() else "missing"),
            "Photo: " + ("given" if person.photo else "none (optional)"),
            "Shown on the program: " + ("yes, you agreed" if person.publish_consent else "no, not agreed yet"),
            f"Needed before the event on {submission.edition.date:%B %-d, %Y}; the program shows it.",
        ]
        done = person.profile_updated_at is not None and bool(person.bio.strip())
        items.append(DueItem(position=PROFILE_POSITION, what="Your speaker profile: bio, photo, consent to publish",
                             url=profile_link(person), done=done, state="Given" if done else "Missing",
                             details=details))
    return items
