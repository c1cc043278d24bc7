"""Which deadline applies to a paper or a person: the edition's, or a later extension.

An extension granted to the submission or to one of its authors (``DeadlineExtension``) replaces the
edition's deadline when it is later. The arithmetic with the result is ``program/deadlines.py``'s.
"""
from django.db.models import Q

from program.deadlines import SUBMISSION, Deadline, edition_deadline
from program.models import Edition


def deadline_for(
    edition: Edition,
    kind: str = SUBMISSION,
    *,
    submission=None,
    author_emails: tuple[str, ...] = (),
) -> Deadline | None:
    """The deadline that applies to a submission (its authors' extensions included) or to a person."""
    from .models import DeadlineExtension

    base = edition_deadline(edition, kind)
    emails = {e.lower() for e in author_emails}
    if submission is not None and submission.pk:
        emails |= {a.email.lower() for a in submission.authors.all()}
    scope = Q(author_email__in=emails) if emails else Q(pk__in=[])
    if submission is not None and submission.pk:
        scope |= Q(submission=submission)
    extension = (
        DeadlineExtension.objects.filter(scope, edition=edition, deadline=kind).order_by("-until").first()
    )
    if extension and (base is None or extension.until > base.moment):
        return Deadline(moment=extension.until, zone=base.zone if base else "UTC", extended=True)
    return base
