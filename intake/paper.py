"""The paper in a message: exactly one PDF, through the one PDF check, and what the message says about it.

Title from the subject (without Re:/Fwd:), else from the PDF's metadata; the sender as the contact
author; the body's own words (quotes and signature removed; after "Abstract:" when there is one) as
the abstract. What email cannot carry (co-authors, topics) is completed later on the paper's page.
"""
import re
from dataclasses import dataclass

from django.conf import settings

from program.models import Edition
from submissions.models import PaperVersion, Submission
from submissions.pdfcheck import check_pdf
from submissions.services.authoring import AuthorData, CheckedPdf, PaperDetails, submission_create

from . import messages
from .accounts import account_for_address
from .models import InboundMessage
from .parsing import Attachment, ParsedMessage

# Reply and forward markers, list-style [tags], and the subjects of our own answers (a reply to them
# carries the paper's title after them).
SUBJECT_NOISE = re.compile(
    r"^\s*((re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:|\[[^\]]{0,100}\]|not received:|please confirm your paper:)\s*",
    re.IGNORECASE,
)


class PaperProblem(Exception):
    """Why the message holds no acceptable paper; ``str()`` is told to the sender as it is."""


@dataclass
class EmailedPaper:
    details: PaperDetails
    pdf: CheckedPdf


def attached_pdf(parsed: ParsedMessage) -> Attachment:
    """The one attachment that can be the paper, or PaperProblem (none, several, not a PDF, too large)."""
    candidates = [a for a in parsed.attachments if a.looks_like_pdf]
    if len(candidates) > 1:
        raise PaperProblem(messages.several_pdfs([a.filename or "unnamed" for a in candidates]))
    if not candidates:
        if parsed.attachments:
            raise PaperProblem(messages.not_a_pdf([a.label for a in parsed.attachments]))
        raise PaperProblem(messages.NO_ATTACHMENT)
    pdf = candidates[0]
    if pdf.data is None:
        raise PaperProblem(messages.attachment_too_large(pdf.size, settings.INTAKE_MAX_ATTACHMENT_BYTES))
    return pdf


def page_limit(edition: Edition) -> int:
    cfp = getattr(edition, "cfp", None)
    return cfp.page_limit if cfp else 2


def checked_pdf(attachment: Attachment, *, edition: Edition) -> CheckedPdf:
    """The one PDF check, as for the upload form; every problem it finds is passed on."""
    result = check_pdf(attachment.data, page_limit=page_limit(edition), max_bytes=settings.PDF_MAX_BYTES)
    if not result.ok:
        raise PaperProblem(" ".join(result.errors))
    return CheckedPdf(data=attachment.data, result=result, original_name=attachment.filename,
                      source=PaperVersion.Source.EMAIL)


def title_from(subject: str, pdf_title: str | None) -> str:
    title = subject or ""
    while (stripped := SUBJECT_NOISE.sub("", title, count=1)) != title:
        title = stripped
    title = title.strip()
    return (title or (pdf_title or "").strip() or "Untitled paper")[:500]


def paper_details(parsed: ParsedMessage, pdf: CheckedPdf) -> PaperDetails:
    name = parsed.from_name or parsed.from_address.partition("@")[0]
    return PaperDetails(
        title=title_from(parsed.subject, getattr(pdf.result, "title", None)),
        abstract=parsed.body_text,
        authors=[AuthorData(name=name[:200], email=parsed.from_address)],
    )


def emailed_paper(parsed: ParsedMessage, *, edition: Edition) -> EmailedPaper:
    pdf = checked_pdf(attached_pdf(parsed), edition=edition)
    return EmailedPaper(details=paper_details(parsed, pdf), pdf=pdf)


def submission_from_email(inbound: InboundMessage, paper: EmailedPaper) -> Submission:
    """The submission, through the same service as the web form, judged at the message's arrival."""
    user = account_for_address(email=inbound.from_address, name=inbound.from_name)
    result = submission_create(edition=inbound.edition, user=user, details=paper.details, pdf=paper.pdf, submit=True,
                               at=inbound.received_at)
    return result.submission


