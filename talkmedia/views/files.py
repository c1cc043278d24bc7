"""Videos, papers and captions as files: public once published (stable URLs), otherwise speakers and organizers only.

``/talks/<uid>/video``, ``/paper`` and ``/captions.vtt`` are the stable addresses the program and its
exports link; they answer only for published media. Unpublished media are reached from the talk's
media page, after a permission check, through short-lived presigned URLs (VIDEO_PRIVATE_URL_SECONDS).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from talkmedia.rules import can_read_final_paper, can_watch_talk_video

from ..models import FinalPaper, TalkCaptions, TalkVideo
from ..selectors import captions_of, published_paper, published_video
from .access import SignInRequired, talk_access
from .streaming import stored_file_response


def _video_response(request, video: TalkVideo, *, expire: int):
    return stored_file_response(request, video.playable, filename=f"talk-{video.talk.uid}.mp4",
                                content_type="video/mp4", expire=expire)


def _paper_response(request, paper: FinalPaper, *, expire: int):
    return stored_file_response(request, paper.file, filename=f"paper-{paper.talk.uid}.pdf",
                                content_type="application/pdf", expire=expire)


def _captions_response(captions: TalkCaptions):
    with captions.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Public, stable -------------------------------------------------------------------------------------


@require_safe
def talk_video(request, uid):
    video = published_video(uid=uid)
    if video is None:
        raise Http404("No published video for this talk.")
    return _video_response(request, video, expire=settings.VIDEO_PUBLIC_URL_SECONDS)


@require_safe
def talk_paper(request, uid):
    paper = published_paper(uid=uid)
    if paper is None:
        raise Http404("No published paper for this talk.")
    return _paper_response(request, paper, expire=settings.VIDEO_PUBLIC_URL_SECONDS)


@require_safe
def talk_captions(request, uid):
    video = published_video(uid=uid)
    captions = captions_of(talk=video.talk) if video else None
    if captions is None:
        raise Http404("No captions for this talk.")
    return _captions_response(captions)


# --- Private (speakers and organizers) ----------------------------------------------------------


def _access(request, uid, token):
    try:
        return talk_access(request, uid=uid, token=token)
    except SignInRequired:
        return None


@require_safe
def video_watch(request, video_id, uid=None, token=None):
    access = _access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    video = TalkVideo.objects.filter(pk=video_id, talk=access.talk, state=TalkVideo.State.READY).select_related(
        "talk").first()
    if video is None or not can_watch_talk_video(request.user, video, invite=access.invite):
        raise Http404("No such video.")
    return _video_response(request, video, expire=settings.VIDEO_PRIVATE_URL_SECONDS)


@require_safe
def paper_file(request, paper_id, uid=None, token=None):
    access = _access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    paper = FinalPaper.objects.filter(pk=paper_id, talk=access.talk).select_related("talk").first()
    if paper is None or not can_read_final_paper(request.user, paper, invite=access.invite):
        raise Http404("No such paper.")
    return _paper_response(request, paper, expire=settings.VIDEO_PRIVATE_URL_SECONDS)


@require_safe
def captions_file(request, captions_id, uid=None, token=None):
    access = _access(request, uid, token)
    if access is None:
        return redirect_to_login(request.get_full_path())
    captions = TalkCaptions.objects.filter(pk=captions_id, talk=access.talk).first()
    if captions is None:
        raise Http404("No such captions.")
    return _captions_response(captions)
