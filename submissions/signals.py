"""What the papers app tells other apps, so that it never imports them (see docs/architecture.md).

The review app answers and listens here; a site without it still has working paper pages.

- ``conflict_candidates(edition)``: receivers return who the authors may declare a conflict of
  interest with on the paper form (a queryset, ordered), or None.
- ``declared_conflicts(submission)``: receivers return the candidates the authors chose last time.
- ``conflicts_declared(submission, chosen)``: the authors saved the paper form with these choices.
- ``submission_withdrawn(submission)``: sent inside the withdrawal's transaction.
- ``paper_status(submission)``: receivers return a ``submissions.lifecycle.ReviewAnswer`` (the
  review stage, and the decision with the reviewers' comments for authors once released), or None.
- ``paper_status_words(submission_ids)``: the same stage for a list of submitted papers at once, as
  a dict {submission id: status word} (no comments), or None.
- ``paper_due_items(submission, user)``: receivers return a list of ``submissions.lifecycle.DueItem``,
  what the authors of an accepted paper still do (video, captions, final paper, profile), or None.
"""
from django.dispatch import Signal

conflict_candidates = Signal()
declared_conflicts = Signal()
conflicts_declared = Signal()
submission_withdrawn = Signal()
paper_status = Signal()
paper_status_words = Signal()
paper_due_items = Signal()


def first_answer(signal: Signal, **kwargs):
    """The first receiver's non-None answer, or None when no app answers."""
    for _receiver, answer in signal.send(sender=None, **kwargs):
        if answer is not None:
            return answer
    return None


def all_answers(signal: Signal, **kwargs) -> list:
    """Every receiver's answer (lists are joined), in the order the apps connected."""
    found = []
    for _receiver, answer in signal.send(sender=None, **kwargs):
        if isinstance(answer, (list, tuple)):
            found.extend(answer)
        elif answer is not None:
            found.append(answer)
    return found
