"""Receipts: after every change, every author is told what we hold, through the outbox."""
import datetime

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.models import OutboundMail
from outbox.services import mail_queue
from personal_site.identity import verified_emails
from submissions.extensions import deadline_for
from submissions.models import PaperVersion, SubmissionEvent

RECEIPT = MailKind.RECEIPT


def _others_receipts_last_hour(user, *, own: set[str]) -> int:
    since = timezone.now() - datetime.timedelta(hours=1)
    return (
        OutboundMail.objects.filter(kind=RECEIPT, triggered_by=user, created_at__gte=since)
        .exclude(recipient__in=own)
        .count()
    )


def receipt_queue(*, event: SubmissionEvent) -> list[OutboundMail]:
    """Queue one receipt per author for this change (after commit), throttled per account.

    Past ``RECEIPTS_TO_OTHERS_PER_HOUR`` receipts to other people's addresses, the rows for others are
    kept but suppressed, so the form cannot be used to mail strangers; the account holder's own
    receipt always goes.
    """
    submission = event.submission
    user = event.actor
    # Fetched once for the receipt and for deadline_for below, which asks for the authors' extensions.
    prefetch_related_objects([submission], "authors")
    authors = list(submission.authors.all())
    recipients = [a.email for a in authors]
    if user is not None and user.email:
        recipients.insert(0, user.email)
    suppress = []
    if user is not None:
        own = verified_emails(user) | {user.email.lower()}
        others = [r for r in dict.fromkeys(x.lower() for x in recipients) if r not in own]
        if others:  # the hour's count only matters when someone else is to be mailed
            budget = settings.RECEIPTS_TO_OTHERS_PER_HOUR - _others_receipts_last_hour(user, own=own)
            suppress = others[max(budget, 0):]
    deadline = deadline_for(submission.edition, submission=submission)
    version = submission.versions.order_by("-received_at", "-id").first()
    # A paper that came by email: the receipt says how to complete it on the site, and a reply to it
    # (with a new PDF) goes back to the submission address (intake).
    emailed = version is not None and version.source == PaperVersion.Source.EMAIL
    context = {
        "event": event, "submission": submission, "authors": authors, "version": version, "deadline": deadline,
        "url": settings.SITE_URL + reverse("submissions:detail", kwargs={"pk": submission.pk}),
        "edition": submission.edition, "emailed": emailed,
        "edit_url": settings.SITE_URL + reverse("submissions:edit", kwargs={"pk": submission.pk}),
        "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
    }
    return mail_queue(kind=RECEIPT, object_key=event.object_key, recipients=recipients, context=context,
                      triggered_by=user, suppress=suppress,
                      reply_to=submission.edition.submission_email if emailed else "")
