"""Check an uploaded PDF with the one PDF check and store it unchanged as a new version."""
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile

from submissions.models import PaperVersion, Submission
from submissions.pdfcheck import check_pdf

from .errors import PdfRejected


def paper_check(*, submission: Submission, uploaded) -> tuple[bytes, object]:
    """Run the one PDF check for this submission's edition; raise PdfRejected with every problem.

    The check streams the upload and refuses it past the size cap before keeping it in memory; only
    a file that passed (so at most PDF_MAX_BYTES) is read whole, to be stored unchanged.
    """
    cfp = getattr(submission.edition, "cfp", None)
    page_limit = cfp.page_limit if cfp else 2
    result = check_pdf(uploaded, page_limit=page_limit, max_bytes=settings.PDF_MAX_BYTES)
    if not result.ok:
        raise PdfRejected(result.errors)
    uploaded.seek(0)
    data = uploaded.read()
    if hashlib.sha256(data).hexdigest() != result.sha256:  # the file changed under us: never store unchecked bytes
        raise PdfRejected(["The upload could not be read reliably; please try again."])
    return data, result


def paper_store(*, submission: Submission, data: bytes, result, user, at, original_name: str = "",
                source: str = PaperVersion.Source.WEB) -> PaperVersion:
    """Store the bytes unchanged under a server-chosen name, with their SHA-256, size and page count."""
    version = PaperVersion(
        submission=submission, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        page_count=result.page_count, warnings=list(result.warnings),
        pdf_title=(getattr(result, "title", "") or "")[:500], pdf_author=(getattr(result, "author", "") or "")[:500],
        source=source, uploaded_by=user, received_at=at, original_name=(original_name or "")[:255],
    )
    version.file.save("paper.pdf", ContentFile(data), save=False)
    version.save()
    return version
