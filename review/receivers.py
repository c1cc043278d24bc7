"""The review app's answers to the papers app's signals (connected in ReviewConfig.ready)."""
from django.dispatch import receiver

from submissions import signals

from .models import Conflict, Reviewer
from .paper_page import profile_items, review_answer, review_words
from .services.program import talk_remove_for_withdrawn
from .services.reviewers import conflicts_set_by_authors


@receiver(signals.conflict_candidates)
def reviewers_of_edition(sender, edition, **kwargs):
    return Reviewer.objects.filter(edition=edition).order_by("name")


@receiver(signals.declared_conflicts)
def conflicts_by_authors(sender, submission, **kwargs):
    return [c.reviewer for c in submission.conflicts.filter(declared_by=Conflict.DeclaredBy.AUTHOR)
            .select_related("reviewer")]


@receiver(signals.conflicts_declared)
def record_conflicts(sender, submission, chosen, **kwargs):
    conflicts_set_by_authors(submission=submission, reviewers=chosen)


@receiver(signals.submission_withdrawn)
def take_talk_off_program(sender, submission, **kwargs):
    talk_remove_for_withdrawn(submission=submission)


@receiver(signals.paper_status)
def review_stage(sender, submission, **kwargs):
    return review_answer(submission)


@receiver(signals.paper_status_words)
def review_stages(sender, submission_ids, **kwargs):
    return review_words(submission_ids)


@receiver(signals.paper_due_items)
def speaker_profile(sender, submission, user, **kwargs):
    return profile_items(submission, user)
