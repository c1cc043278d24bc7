"""Read queries for the organizer and reviewer pages (constant query counts: annotate and prefetch)."""
import datetime
from collections import Counter

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils.text import slugify

from outbox.kinds import MailKind
from outbox.models import OutboundMail
from review.models import Assignment, Review, Reviewer
from submissions.models import PaperVersion, Submission


def organizer_submissions(edition, *, status: str = "", decision: str = "", query: str = "") -> QuerySet[Submission]:
    qs = (
        Submission.objects.filter(edition=edition)
        .annotate(
            assigned=Count("assignments", distinct=True),
            reviewed=Count("assignments__review", distinct=True),
            average_score=Avg("assignments__review__score"),
        )
        .select_related("decision", "contact")
        .prefetch_related(
            "authors",
            Prefetch("versions", queryset=PaperVersion.objects.order_by("-received_at", "-id")),
        )
        .order_by("pk")
    )
    if status:
        qs = qs.filter(status=status)
    if decision == "none":
        qs = qs.filter(decision__isnull=True)
    elif decision == "staged":
        qs = qs.filter(decision__isnull=False, decision__released_at__isnull=True)
    elif decision:
        qs = qs.filter(decision__outcome=decision)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(authors__name__icontains=query)
                       | Q(authors__email__icontains=query)).distinct()
    return qs


def submissions_per_day(edition, until: datetime.datetime | None) -> list[tuple[datetime.date, int]]:
    """Finished submissions per day (in the deadline's zone), up to the deadline."""
    qs = Submission.objects.filter(edition=edition, submitted_at__isnull=False)
    if until:
        qs = qs.filter(submitted_at__lte=until)
    zone = edition.zone
    counts = Counter(m.astimezone(zone).date() for m in qs.values_list("submitted_at", flat=True))
    return sorted(counts.items())


def score_histogram(edition) -> list[tuple[int, int]]:
    counts = Counter(Review.objects.filter(assignment__submission__edition=edition).values_list("score", flat=True))
    return [(score, counts.get(score, 0)) for score in (-3, -2, -1, 1, 2, 3)]


def reviewer_assignments(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(reviewer__user=user, submission__status=Submission.Status.SUBMITTED)
        .exclude(submission__conflicts__reviewer__user=user)
        .select_related("submission__edition", "review", "reviewer")
        .prefetch_related("submission__authors")
        .order_by("submission__edition", "submission_id")
    )


def edition_reviewers(edition) -> QuerySet[Reviewer]:
    return Reviewer.objects.filter(edition=edition).select_related("user").annotate(
        n_assigned=Count("assignments", distinct=True), n_reviewed=Count("assignments__review", distinct=True)
    )


def mail_log(submission) -> QuerySet[OutboundMail]:
    """Every mail about this paper: receipts of its changes, its decision, its presenters' requests."""
    keys = [MailKind.RECEIPT.key(event=pk) for pk in submission.events.values_list("pk", flat=True)]
    keys += [MailKind.DECISION.key(submission=submission.pk), MailKind.REMINDER_DRAFT.key(submission=submission.pk)]
    talk = getattr(submission, "talk", None)
    scope = Q(object_key__in=keys)
    if talk is not None:
        scope |= (Q(object_key__startswith=MailKind.PRESENTER_INFO.key_prefix(talk=talk.pk))
                  | Q(object_key=MailKind.REMINDER_VIDEO.key(talk=talk.pk)))
    return OutboundMail.objects.filter(scope).order_by("-created_at", "-id")


def paper_file_name(submission: Submission, *, anonymous: bool) -> str:
    """The name a downloaded PDF gets: only the paper's number in double-blind review, never the authors'."""
    if anonymous:
        return f"paper-{submission.pk}.pdf"
    return f"paper-{submission.pk}-{slugify(submission.title)[:60] or 'untitled'}.pdf"
