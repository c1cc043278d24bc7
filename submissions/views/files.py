"""Downloads of a paper's PDF versions, for the people allowed to see the paper."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from personal_site.private_files import private_file_response
from submissions.models import PaperVersion
from submissions.rules import can_view_submission


@login_required
def paper_download(request, pk, version_id):
    version = get_object_or_404(PaperVersion.objects.select_related("submission"), pk=version_id, submission_id=pk)
    if not can_view_submission(request.user, version.submission):
        raise Http404("No such paper.")
    stamp = version.received_at.strftime("%Y%m%d-%H%M%S")
    return private_file_response(version.file, filename=f"paper-{pk}-{stamp}.pdf", content_type="application/pdf")
