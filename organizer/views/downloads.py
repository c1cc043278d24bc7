"""Exports for organizers: the submissions table as CSV, every current PDF as one zip."""
import csv
import tempfile
import zipfile

from django.http import FileResponse, HttpResponse

from review import selectors
from review.selectors import paper_file_name
from submissions.models import Submission


def submissions_csv(edition) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{edition.slug}-submissions.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "title", "status", "authors", "emails", "affiliations", "submitted_at (UTC)", "pages",
                     "sha256", "pdf warnings", "reviews", "average score", "decision", "released"])
    for s in selectors.organizer_submissions(edition):
        authors = list(s.authors.all())
        version = next(iter(s.versions.all()), None)
        decision = getattr(s, "decision", None)
        writer.writerow([
            s.pk, s.title, s.get_status_display(), "; ".join(a.name for a in authors),
            "; ".join(a.email for a in authors), "; ".join(a.affiliation for a in authors),
            s.submitted_at.strftime("%Y-%m-%d %H:%M:%S") if s.submitted_at else "",
            version.page_count if version else "", version.sha256 if version else "",
            " | ".join(version.warnings) if version else "", f"{s.reviewed}/{s.assigned}",
            f"{s.average_score:.2f}" if s.average_score is not None else "",
            decision.get_outcome_display() if decision else "", "yes" if decision and decision.released_at else "",
        ])
    return response


def papers_zip(edition, *, anonymous: bool) -> FileResponse:
    """Current PDF of every submitted paper; spooled to disk, never whole in memory."""
    spool = tempfile.TemporaryFile()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for s in selectors.organizer_submissions(edition, status=Submission.Status.SUBMITTED):
            version = next(iter(s.versions.all()), None)
            if version is None:
                continue
            with version.file.open("rb") as source, archive.open(paper_file_name(s, anonymous=anonymous), "w") as out:
                while chunk := source.read(1024 * 1024):
                    out.write(chunk)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{edition.slug}-papers.zip",
                        content_type="application/zip")
