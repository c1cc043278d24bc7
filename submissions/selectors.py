"""Read queries for the author pages."""
from django.db.models import Q, QuerySet
from django.utils import timezone

from personal_site.identity import verified_emails
from program.deadlines import SUBMISSION, edition_deadline, is_open
from program.models import Edition
from submissions.models import Submission


def submissions_of(user) -> QuerySet[Submission]:
    """Papers on which ``user`` is the contact or a listed author with a verified address."""
    if not user.is_authenticated:
        return Submission.objects.none()
    scope = Q(contact=user)
    emails = verified_emails(user)
    if emails:
        scope |= Q(authors__email__in=emails)
    return (
        Submission.objects.filter(scope).distinct().select_related("edition")
        .prefetch_related("authors").order_by("-created_at")
    )


def editions_open_for_submission(*, at=None) -> list[tuple[Edition, object]]:
    at = at or timezone.now()
    editions = Edition.objects.prefetch_related("important_dates").order_by("-date")
    result = []
    for edition in editions:
        deadline = edition_deadline(edition, SUBMISSION)
        if is_open(deadline, at=at):
            result.append((edition, deadline))
    return result


def submission_for_page(pk: int) -> Submission:
    return (
        Submission.objects.select_related("edition__cfp", "contact")
        .prefetch_related("authors", "topics", "versions", "events__actor", "edition__important_dates")
        .get(pk=pk)
    )


def receipts_of(submission: Submission, *, recipient_emails) -> list:
    """The receipts (outbox rows) of this paper's changes that went to one of these addresses."""
    from outbox.models import OutboundMail

    keys = [event.object_key for event in submission.events.all()]
    return list(
        OutboundMail.objects.filter(kind="receipt", object_key__in=keys, recipient__in=list(recipient_emails))
        .order_by("-created_at", "-id")
    )
