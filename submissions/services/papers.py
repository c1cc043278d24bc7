"""Check an uploaded PDF with the one PDF check and store it unchanged as a new version."""
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile

from submissions.models import PaperVersion, Submission

from .errors import PdfRejected

CHUNK = 1024 * 1024


def read_capped(uploaded, max_bytes: int) -> bytes:
    """Read an upload, never more than one byte past the cap (the check reports the size)."""
    if getattr(uploaded, "size", None) is not None and uploaded.size > max_bytes:
        mb = uploaded.size / 1e6
        raise PdfRejected([f"Your file is {mb:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB."])
    uploaded.seek(0)
    data = uploaded.read(max_bytes + 1)
    return data


def paper_check(*, submission: Submission, uploaded) -> tuple[bytes, object]:
    """Run the PDF check for this submission's edition; raise PdfRejected with every problem."""
    from submissions.pdfcheck import check_pdf  # noqa: PLC0415  (TODO: top-level once the module lands)

    data = read_capped(uploaded, settings.PDF_MAX_BYTES)
    cfp = getattr(submission.edition, "cfp", None)
    page_limit = cfp.page_limit if cfp else 2
    result = check_pdf(data, page_limit=page_limit, max_bytes=settings.PDF_MAX_BYTES)
    if not result.ok:
        raise PdfRejected(result.errors)
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
