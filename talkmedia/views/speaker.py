"""Speaker pages: my talks, one talk's media page (video upload, captions, final paper). Thin: services decide."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from program.deadlines import closed_message
from submissions.rules import can_view_submission, is_author
from submissions.services.errors import PdfRejected
from talkmedia.rules import (
    can_finish_video_upload,
    can_manage_talk_media,
    can_upload_final_paper,
    can_upload_talk_media,
    speaks_for_talk,
    talk_media_deadline,
)

from ..forms import CaptionsForm, FinalPaperForm
from ..selectors import talk_media, talks_of_speaker
from ..services.captions import CaptionsRejected, captions_store
from ..services.papers import final_paper_store
from ..services.uploads import upload_limits
from .access import SignInRequired, arrived, talk_access


def _page_access(request, uid, token):
    try:
        return talk_access(request, uid=uid, token=token)
    except SignInRequired:
        return None


@login_required
def my_talks(request):
    return render(request, "videos/mine.html", {"talks": talks_of_speaker(request.user)})


def _page_limit(talk) -> int:
    cfp = getattr(talk.session.edition, "cfp", None)
    return cfp.page_limit if cfp else 2


def _render_talk(request, access, *, captions_form=None, paper_form=None, status=200):
    talk, at = access.talk, arrived(request)
    media = talk_media(talk=talk)
    deadline = talk_media_deadline(talk)
    uploading = media.uploading
    can_upload = can_upload_talk_media(request.user, talk, at=at, invite=access.invite)
    can_resume = uploading is not None and can_finish_video_upload(request.user, uploading, at=at,
                                                                   invite=access.invite)
    can_paper = not access.by_link and can_upload_final_paper(request.user, talk, at=at)
    return render(request, "videos/talk.html", {
        "access": access, "talk": talk, "edition": talk.session.edition, "media": media, "deadline": deadline,
        "closed_message": closed_message(deadline, "Uploads"), "now": at,
        "limits": upload_limits(), "tolerance": settings.VIDEO_DURATION_TOLERANCE_SECONDS,
        "is_speaker": speaks_for_talk(request.user, talk, invite=access.invite),
        "is_organizer": can_manage_talk_media(request.user),
        # The paper's page is its authors' (submissions/rules.py); a presenter who is not one would get a 404.
        "sees_paper_page": (talk.submission_id is not None and not access.by_link
                            and can_view_submission(request.user, talk.submission)),
        "can_upload": can_upload, "can_resume": can_resume, "can_paper": can_paper,
        "captions_form": captions_form or CaptionsForm(),
        "paper_form": paper_form or FinalPaperForm(page_limit=_page_limit(talk)),
    }, status=status)


@never_cache
def talk_page(request, uid=None, token=None):
    access = _page_access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    return _render_talk(request, access)


@require_POST
def captions_upload(request, uid=None, token=None):
    access = _page_access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    at = arrived(request)
    if not can_upload_talk_media(request.user, access.talk, at=at, invite=access.invite):
        messages.error(request, closed_message(talk_media_deadline(access.talk), "Captions")
                       if speaks_for_talk(request.user, access.talk, invite=access.invite)
                       else "Only the talk's speakers can add captions.")
        return redirect(access.url("talk"))
    form = CaptionsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            captions_store(talk=access.talk, data=form.cleaned_data["captions"].read(),
                           uploaded_by=request.user if request.user.is_authenticated else None,
                           invite=access.invite, at=at)
        except CaptionsRejected as rejected:
            for error in rejected.errors:
                form.add_error("captions", error)
        else:
            messages.success(request, "Captions saved; they are shown with the video.")
            return redirect(access.url("talk") + "#captions")
    return _render_talk(request, access, captions_form=form, status=400)


@require_http_methods(["POST"])
def final_paper_upload(request, uid=None, token=None):
    access = _page_access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    talk, at = access.talk, arrived(request)
    if access.by_link or talk.submission_id is None:
        raise Http404("This talk has no accepted paper.")
    if not can_upload_final_paper(request.user, talk, at=at):
        refusal = (closed_message(talk_media_deadline(talk), "Final papers") if is_author(request.user, talk.submission)
                   else "Only the paper's authors can upload its final version.")
        messages.error(request, refusal)
        return redirect(access.url("talk"))
    form = FinalPaperForm(request.POST, request.FILES, page_limit=_page_limit(talk))
    if form.is_valid():
        try:
            final_paper_store(talk=talk, uploaded=form.cleaned_data["pdf"], user=request.user, at=at)
        except PdfRejected as rejected:
            for error in rejected.errors:
                form.add_error("pdf", error)
        else:
            messages.success(request, "Final paper received. The organizers will publish it with the program.")
            return redirect(access.url("talk") + "#paper")
    return _render_talk(request, access, paper_form=form, status=400)
