"""Stage decisions, preview their mail, release them together: exactly one decision mail per author.

Release is one transaction: decisions become visible, accepted papers become talks of the edition's
Q&A session (with their authors as presenters), and one outbox row per author and paper is written.
The outbox's unique (object, kind, recipient) constraint is what makes a second release, a double
click or a retried request send nothing twice; such a request answers "already sent".
"""
import string
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.models import OutboundMail
from outbox.services import mail_queue
from program.deadlines import VIDEO
from review.models import Decision, DecisionTemplate, Review
from submissions.extensions import deadline_for
from submissions.models import Submission
from submissions.services.errors import SubmissionError

from .program import qa_session, talk_for_accepted_paper

DECISION_MAIL = MailKind.DECISION

DEFAULT_TEMPLATES = {
    Decision.Outcome.ACCEPT: (
        "[{edition}] Your paper “{title}” is accepted",
        "Dear {authors},\n\nWe are happy to tell you that your paper “{title}” has been accepted to {edition}.\n\n"
        "Please upload your pre-recorded presentation (at most {presentation_minutes} minutes) by {video_deadline}:\n"
        "{upload_link}\n\nThe paper's page lists everything that is due next (video, captions, final paper, your "
        "speaker profile):\n{paper_link}\n\nReviewers' comments:\n\n{comments}\n\n"
        "Thank you for submitting,\nThe organizers\n",
    ),
    Decision.Outcome.REJECT: (
        "[{edition}] Decision on your paper “{title}”",
        "Dear {authors},\n\nThank you for submitting “{title}” to {edition}. We are sorry to tell you that it could "
        "not be accepted this time.\n\nReviewers' comments:\n\n{comments}\n\nThe decision and the comments are also "
        "on the paper's page:\n{paper_link}\n\nWith best regards,\nThe organizers\n",
    ),
}
PLACEHOLDERS = ("title", "authors", "decision", "comments", "video_deadline", "upload_link", "paper_link",
                "edition", "presentation_minutes")


class _Blank(dict):
    """Unknown placeholders stay visible as written, so a typo shows in the preview instead of crashing."""

    def __missing__(self, key):
        return "{" + key + "}"


def template_for(edition, outcome: str) -> DecisionTemplate:
    subject, body = DEFAULT_TEMPLATES[outcome]
    template, _ = DecisionTemplate.objects.get_or_create(edition=edition, outcome=outcome,
                                                          defaults={"subject": subject, "body": body})
    return template


def template_problems(text: str) -> list[str]:
    """Placeholders the template uses that do not exist, in words an organizer understands."""
    unknown = []
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError as error:
        return [f"The template has an unmatched brace: {error}. Write {{{{ and }}}} for literal braces."]
    for name in fields:
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return [f"Unknown placeholder {{{n}}}; use one of " + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + "."
            for n in unknown]


def _comments(submission: Submission) -> str:
    reviews = Review.objects.filter(assignment__submission=submission).order_by("assignment__reviewer_id")
    parts = [f"Review {i}:\n{r.comments_for_authors.strip()}" for i, r in enumerate(reviews, start=1)
             if r.comments_for_authors.strip()]
    return "\n\n".join(parts) or "(No comments.)"


def placeholders_for(submission: Submission, outcome: str) -> dict:
    edition = submission.edition
    video = deadline_for(edition, VIDEO, submission=submission)
    page = settings.SITE_URL + reverse("submissions:detail", args=[submission.pk])
    cfp = getattr(edition, "cfp", None)
    return _Blank(
        title=submission.title,
        authors=", ".join(a.name for a in submission.authors.all()),
        decision=Decision.Outcome(outcome).label,
        comments=_comments(submission),
        video_deadline=str(video) if video else "(to be announced)",
        upload_link=page,
        paper_link=page,
        edition=edition.title,
        presentation_minutes=cfp.presentation_minutes if cfp else 30,
    )


@dataclass
class MailPreview:
    submission: Submission
    recipients: list[str]
    subject: str
    body: str


def decision_preview(*, submission: Submission, outcome: str | None = None) -> MailPreview:
    outcome = outcome or submission.decision.outcome
    template = template_for(submission.edition, outcome)
    values = placeholders_for(submission, outcome)
    body = template.body.format_map(values)
    if values["paper_link"] not in body:
        # An edited template may have dropped the link: every decision mail still leads to the paper's page.
        body = body.rstrip("\n") + f"\n\n-- \nYour paper's page on the site: {values['paper_link']}\n"
    return MailPreview(
        submission=submission,
        recipients=[a.email for a in submission.authors.all()],
        subject=template.subject.format_map(values)[:300],
        body=body,
    )


def decision_stage(*, submission: Submission, outcome: str, by, program_order: int = 0) -> Decision:
    if submission.status != Submission.Status.SUBMITTED:
        raise SubmissionError(f"Paper #{submission.pk} is {submission.get_status_display().lower()}; "
                              "only submitted papers get a decision.")
    decision = Decision.objects.filter(submission=submission).first()
    if decision and decision.released_at:
        raise SubmissionError(f"The decision on paper #{submission.pk} was released already; it cannot change.")
    decision, _ = Decision.objects.update_or_create(
        submission=submission, defaults={"outcome": outcome, "staged_by": by, "program_order": program_order}
    )
    return decision


@dataclass
class ReleaseReport:
    released: int
    mails_queued: int
    already_sent: int


def decisions_release(*, edition, by) -> ReleaseReport:
    """Release every staged decision of the edition and queue its mail; safe to call twice."""
    released = queued = already = 0
    if Decision.objects.filter(submission__edition=edition, outcome=Decision.Outcome.ACCEPT).exists():
        qa_session(edition)  # refuse up front, before anything changes, when accepted papers have nowhere to go
    with transaction.atomic():
        staged = (
            Decision.objects.select_for_update().filter(submission__edition=edition, released_at__isnull=True,
                                                        submission__status=Submission.Status.SUBMITTED)
            .select_related("submission__edition").order_by("program_order", "submission_id")
        )
        now = timezone.now()
        for decision in staged:
            decision.released_at = now
            decision.save(update_fields=["released_at"])
            released += 1
        for decision in Decision.objects.filter(submission__edition=edition, released_at__isnull=False) \
                .select_related("submission__edition").prefetch_related("submission__authors"):
            submission = decision.submission
            if decision.outcome == Decision.Outcome.ACCEPT and submission.status == Submission.Status.SUBMITTED:
                talk_for_accepted_paper(decision=decision, by=by)
            preview = decision_preview(submission=submission, outcome=decision.outcome)
            key = DECISION_MAIL.key(submission=submission.pk)
            before = set(OutboundMail.objects.filter(object_key=key, kind=DECISION_MAIL)
                         .values_list("recipient", flat=True))
            rows = mail_queue(kind=DECISION_MAIL, object_key=key,
                              recipients=preview.recipients, subject=preview.subject, body=preview.body,
                              triggered_by=by)
            for row in rows:
                if row.recipient in before:
                    already += 1
                else:
                    queued += 1
    return ReleaseReport(released=released, mails_queued=queued, already_sent=already)


@dataclass
class ReleasePlan:
    """What releasing now would send, counted the way decisions_release sends it."""

    mails: int
    authors: int
    papers: int
    staged: int
    undecided: int


def _releasable(edition):
    staged = Q(released_at__isnull=True, submission__status=Submission.Status.SUBMITTED)
    return (Decision.objects.filter(Q(released_at__isnull=False) | staged, submission__edition=edition)
            .select_related("submission").prefetch_related("submission__authors"))


def release_plan(*, edition) -> ReleasePlan:
    """The decision mails a release would queue now: every author of a releasable decision who has none yet."""
    decisions = list(_releasable(edition))
    keys = {DECISION_MAIL.key(submission=d.submission_id): d for d in decisions}
    sent = set(OutboundMail.objects.filter(kind=DECISION_MAIL, object_key__in=keys, resend_of__isnull=True)
               .values_list("object_key", "recipient"))
    mails, recipients, papers = 0, set(), set()
    for key, decision in keys.items():
        for email in {a.email.strip().lower() for a in decision.submission.authors.all() if a.email.strip()}:
            if (key, email) not in sent:
                mails += 1
                recipients.add(email)
                papers.add(decision.submission_id)
    undecided = Submission.objects.filter(edition=edition, status=Submission.Status.SUBMITTED,
                                          decision__isnull=True).count()
    return ReleasePlan(mails=mails, authors=len(recipients), papers=len(papers),
                       staged=sum(1 for d in decisions if d.released_at is None), undecided=undecided)
