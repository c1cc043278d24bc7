"""Create, change and withdraw submissions. Every change is judged at the request's arrival time.

Each function runs in one transaction: the rows, the history event and the receipts (outbox rows)
commit together, and the receipts are handed to Celery only after the commit.
"""
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from program.deadlines import SUBMISSION, closed_message, is_open
from program.models import Edition, Topic
from submissions.extensions import deadline_for
from submissions.lifecycle import paper_status
from submissions.models import PaperVersion, Submission, SubmissionAuthor, SubmissionEvent
from submissions.rules import (
    DECIDED,
    can_change_submission,
    can_withdraw_submission,
    is_author,
    why_not_withdrawable,
)

from .. import signals
from .errors import DeadlinePassed, NotAllowed, SubmissionError
from .receipts import receipt_queue


@dataclass
class AuthorData:
    name: str
    email: str
    affiliation: str = ""


@dataclass
class PaperDetails:
    title: str
    abstract: str = ""
    authors: list[AuthorData] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    conflicts: list | None = None  # reviewers the authors declare a conflict with; None leaves them unchanged


@dataclass
class CheckedPdf:
    """A PDF that passed the check: its bytes and the check's result."""

    data: bytes
    result: object
    original_name: str = ""
    source: str = PaperVersion.Source.WEB


def _missing_for_submission(submission: Submission, *, has_authors: bool | None = None,
                            has_pdf: bool | None = None) -> list[str]:
    """What the paper still needs to be submitted. A caller that just wrote the authors and the PDF
    says whether there are any, which saves asking the database what it was just told."""
    missing = []
    if not submission.title.strip():
        missing.append("a title")
    if not submission.abstract.strip():
        missing.append("an abstract")
    if not (submission.authors.exists() if has_authors is None else has_authors):
        missing.append("at least one author")
    if not (submission.versions.exists() if has_pdf is None else has_pdf):
        missing.append("a PDF")
    return missing


def _set_details(submission: Submission, details: PaperDetails, *, new: bool = False) -> None:
    """Write the details. new: the row was just created with this title and abstract and has no
    authors, topics or conflicts yet, so there is nothing to update or clear first (five queries
    fewer on every new submission)."""
    if len(details.authors) > settings.MAX_AUTHORS_PER_PAPER:
        raise SubmissionError(f"A paper can list at most {settings.MAX_AUTHORS_PER_PAPER} authors.")
    if not new:
        submission.title = details.title.strip()
        submission.abstract = details.abstract.strip()
        submission.save()
        submission.authors.all().delete()
    SubmissionAuthor.objects.bulk_create([
        SubmissionAuthor(submission=submission, order=i, name=a.name.strip(), email=a.email.strip().lower(),
                         affiliation=a.affiliation.strip())
        for i, a in enumerate(details.authors, start=1)
    ])
    topics = [t for t in details.topics if t.cfp.edition_id == submission.edition_id]
    if topics or not new:
        submission.topics.set(topics)
    if details.conflicts is not None and (details.conflicts or not new):
        signals.conflicts_declared.send(sender=None, submission=submission, chosen=details.conflicts)


def _store(submission, pdf: CheckedPdf, user, at):
    from .papers import paper_store

    return paper_store(submission=submission, data=pdf.data, result=pdf.result, user=user, at=at,
                       original_name=pdf.original_name, source=pdf.source)


def _finish(submission: Submission, *, at, submit: bool, **known) -> tuple[str, str]:
    """Submit when asked and complete. Returns the event action and, if the paper could not be
    submitted, a message saying what it still needs (it is then saved as a draft, nothing lost).
    known: has_authors / has_pdf, when the caller knows them (see _missing_for_submission)."""
    if submit and submission.is_draft:
        missing = _missing_for_submission(submission, **known)
        if missing:
            return SubmissionEvent.Action.DRAFT_SAVED, (
                "Saved as a draft, but NOT submitted: the paper still needs " + ", ".join(missing) + "."
            )
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_at = at
        submission.save(update_fields=["status", "submitted_at", "updated_at"])
        return SubmissionEvent.Action.SUBMITTED, ""
    action = SubmissionEvent.Action.DRAFT_SAVED if submission.is_draft else SubmissionEvent.Action.UPDATED
    return action, ""


@dataclass
class ChangeResult:
    submission: Submission
    event: SubmissionEvent
    incomplete: str = ""


def _record(submission, action, *, user, at, note="") -> SubmissionEvent:
    event = SubmissionEvent.objects.create(submission=submission, action=action, actor=user, at=at, note=note)
    receipt_queue(event=event)
    return event


def submission_create(
    *, edition: Edition, user, details: PaperDetails, pdf: CheckedPdf | None, submit: bool, at: datetime.datetime
) -> ChangeResult:
    """A new paper from ``user`` (its contact author): a draft, or submitted when complete and asked."""
    deadline = deadline_for(edition, SUBMISSION, author_emails=(user.email,))
    if not is_open(deadline, at=at):
        raise DeadlinePassed(closed_message(deadline, "Submissions"))
    with transaction.atomic():
        submission = Submission.objects.create(edition=edition, contact=user, title=details.title.strip(),
                                               abstract=details.abstract.strip())
        _set_details(submission, details, new=True)
        if pdf is not None:
            _store(submission, pdf, user, at)
        action, incomplete = _finish(submission, at=at, submit=submit, has_authors=bool(details.authors),
                                     has_pdf=pdf is not None)
        event = _record(submission, action, user=user, at=at)
    return ChangeResult(submission, event, incomplete)


def submission_update(
    *, submission: Submission, user, details: PaperDetails | None, pdf: CheckedPdf | None, submit: bool,
    at: datetime.datetime,
) -> ChangeResult:
    """Change details and/or replace the PDF (a new version; the old ones are kept)."""
    if not is_author(user, submission):
        raise NotAllowed("Only the authors of this paper can change it.")
    if submission.is_withdrawn:
        raise SubmissionError("This paper was withdrawn; it can no longer be changed.")
    if paper_status(submission).is_decided:
        raise SubmissionError(DECIDED)
    if not can_change_submission(user, submission, at=at):
        raise DeadlinePassed(closed_message(deadline_for(submission.edition, submission=submission), "Changes"))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.is_withdrawn:  # withdrawn by a co-author meanwhile
            raise SubmissionError("This paper was withdrawn; it can no longer be changed.")
        if details is not None:
            _set_details(submission, details)
        if pdf is not None:
            _store(submission, pdf, user, at)
        action, incomplete = _finish(submission, at=at, submit=submit)
        if pdf is not None and action == SubmissionEvent.Action.UPDATED:
            action = SubmissionEvent.Action.PDF_REPLACED
        event = _record(submission, action, user=user, at=at)
    return ChangeResult(submission, event, incomplete)


def _may_withdraw(user, submission: Submission) -> None:
    if not can_withdraw_submission(user, submission):
        if is_author(user, submission):
            raise SubmissionError(why_not_withdrawable(user, submission))
        raise NotAllowed(why_not_withdrawable(user, submission))


def submission_withdraw(*, submission: Submission, user, at: datetime.datetime, reason: str = "") -> ChangeResult:
    """Any author may withdraw; every author is told, once: the rule is asked again on the locked row, so two
    withdrawals at the same moment make one event and one notice."""
    _may_withdraw(user, submission)
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        _may_withdraw(user, submission)
        submission.status = Submission.Status.WITHDRAWN
        submission.withdrawn_at = at
        submission.save(update_fields=["status", "withdrawn_at", "updated_at"])
        event = _record(submission, SubmissionEvent.Action.WITHDRAWN, user=user, at=at, note=reason[:300])
        signals.submission_withdrawn.send(sender=None, submission=submission)
    return ChangeResult(submission, event)
