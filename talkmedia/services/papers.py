"""Final papers of accepted talks: the one PDF check (submissions.services.papers), stored unchanged."""
from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile

from submissions.services.papers import paper_check

from ..models import FinalPaper, unique_key


def final_paper_store(*, talk, uploaded, user, at) -> FinalPaper:
    """Check the upload as every paper is checked (PdfRejected lists each problem); keep it as a new version."""
    data, result = paper_check(submission=talk.submission, uploaded=uploaded)
    paper = FinalPaper(
        talk=talk, submission=talk.submission, original_name=(getattr(uploaded, "name", "") or "")[:255],
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), page_count=result.page_count,
        warnings=list(result.warnings), uploaded_by=user, received_at=at,
    )
    paper.file.save(unique_key("final-papers", talk, "pdf"), ContentFile(data), save=False)
    paper.save()
    return paper
