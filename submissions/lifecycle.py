"""Where a paper stands in its life, in words, and what its authors still have to do.

The papers app knows drafts, submissions and withdrawals. Review, decisions and everything after
acceptance (video, captions, final paper, speaker profile) belong to other apps, which answer the
``paper_status`` and ``paper_due_items`` signals (submissions/signals.py) with the shapes below.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from . import signals

DRAFT, SUBMITTED, UNDER_REVIEW, ACCEPTED, REJECTED, WITHDRAWN = (
    "draft", "submitted", "under review", "accepted", "rejected", "withdrawn")

EXPLANATIONS = {
    DRAFT: "This paper does not count as submitted until you press “Submit” before the deadline.",
    SUBMITTED: "The paper is in. Reviewing starts after the submission deadline.",
    UNDER_REVIEW: "Reviewers are reading the paper. Every author is told the decision at the same time.",
    ACCEPTED: "Congratulations: the paper is accepted and on the program.",
    REJECTED: "The paper could not be accepted this time.",
    WITHDRAWN: "It is not reviewed and cannot be changed; every author was told.",
}


@dataclass(frozen=True)
class ReviewAnswer:
    """What the review app says about a submitted paper. ``comments`` only once the decision is released."""

    word: str  # SUBMITTED, UNDER_REVIEW, ACCEPTED or REJECTED
    released_at: datetime.datetime | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaperStatus:
    word: str
    released_at: datetime.datetime | None = None
    comments: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        return EXPLANATIONS[self.word]

    @property
    def is_decided(self) -> bool:
        return self.word in (ACCEPTED, REJECTED)

    @property
    def css(self) -> str:
        return self.word.replace(" ", "-")


@dataclass(frozen=True)
class DueItem:
    """One thing the authors do after acceptance, where it is done, until when, and whether it is done."""

    position: int  # the order on the page
    what: str
    url: str
    done: bool
    deadline: object = None  # a program.deadlines.Deadline, or None
    state: str = ""  # in words: "Ready", "Missing", "Being checked" …
    optional: bool = False
    details: list[str] = field(default_factory=list)


def paper_status(submission) -> PaperStatus:
    """The paper's status word, asked once per submission object (the answer is kept on it)."""
    cached = getattr(submission, "_paper_status", None)
    if cached is not None:
        return cached
    if submission.is_withdrawn:
        status = PaperStatus(WITHDRAWN)
    elif submission.is_draft:
        status = PaperStatus(DRAFT)
    else:
        answer = signals.first_answer(signals.paper_status, submission=submission)
        status = (PaperStatus(answer.word, answer.released_at, tuple(answer.comments)) if answer
                  else PaperStatus(SUBMITTED))
    submission._paper_status = status
    return status


def paper_due_items(submission, user) -> list[DueItem]:
    """What is due after acceptance, in page order; nothing for a paper that is not accepted."""
    if paper_status(submission).word != ACCEPTED:
        return []
    items = signals.all_answers(signals.paper_due_items, submission=submission, user=user)
    return sorted(items, key=lambda item: item.position)


def with_status_words(submissions) -> list:
    """The papers, each with ``status_word`` set: one question to the other apps for the whole list."""
    papers = list(submissions)
    submitted = [p.pk for p in papers if not p.is_draft and not p.is_withdrawn]
    words = (signals.first_answer(signals.paper_status_words, submission_ids=submitted) or {}) if submitted else {}
    for paper in papers:
        if paper.is_withdrawn:
            paper.status_word = WITHDRAWN
        elif paper.is_draft:
            paper.status_word = DRAFT
        else:
            paper.status_word = words.get(paper.pk, SUBMITTED)
    return papers
