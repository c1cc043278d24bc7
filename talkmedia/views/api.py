"""The JSON endpoints static/js/video-upload.js talks to, and the part endpoint of the local backend.

Thin: each reads the request, asks a service, answers JSON. Errors carry a sentence for the speaker.
"""
from __future__ import annotations

import json

from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import TalkVideo
from ..selectors import video_of_talk
from ..services import uploads
from ..services.storage import LocalParts, PartRejected, part_token_read
from .access import SignInRequired, arrived, talk_access

MAX_JSON_BYTES = 1024 * 1024


def _json_body(request) -> dict:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_JSON_BYTES:
        raise uploads.UploadError("The request is too large.")
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise uploads.UploadError("The request is not valid JSON.") from None
    if not isinstance(data, dict):
        raise uploads.UploadError("The request is not a JSON object.")
    return data


def _api(view):
    """Resolve the talk (404 for strangers, 403 when signed out) and turn service errors into JSON answers."""

    def wrapper(request, uid=None, token=None, **kwargs):
        try:
            access = talk_access(request, uid=uid, token=token)
            return view(request, access, **kwargs)
        except SignInRequired:
            return JsonResponse({"error": "Please sign in again."}, status=403)
        except Http404 as missing:
            return JsonResponse({"error": str(missing) or "Not found."}, status=404)
        except uploads.UploadError as error:
            return JsonResponse(error.as_json(), status=error.status)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return never_cache(wrapper)


def _video(access, video_id) -> TalkVideo:
    video = video_of_talk(talk=access.talk, video_id=video_id)
    if video is None:
        raise Http404("No such upload.")
    return video


def _session_json(access, session: uploads.UploadSession) -> dict:
    video = session.video
    return {
        "video": video.pk, "resumed": session.resumed, "partSize": video.part_size, "partCount": video.part_count,
        "size": video.declared_size, "parts": [p.as_json() for p in session.stored],
        "signUrl": access.url("upload-sign", video_id=video.pk),
        "completeUrl": access.url("upload-complete", video_id=video.pk),
        "abortUrl": access.url("upload-abort", video_id=video.pk),
        "statusUrl": access.url("upload-status", video_id=video.pk),
    }


def _status_json(video: TalkVideo) -> dict:
    return {"video": video.pk, "state": video.state, "stateLabel": video.get_state_display(), "reason": video.reason,
            "duration": video.duration_label, "final": video.is_final}


@require_POST
@_api
def upload_start(request, access):
    """Declare a file; answers the part plan and the parts already stored (when resuming)."""
    data = _json_body(request)
    try:
        size = int(data.get("size"))
    except (TypeError, ValueError):
        raise uploads.UploadError("The file's size is missing.") from None
    session = uploads.video_upload_start(
        talk=access.talk, uploader=access.uploader, file_name=str(data.get("name") or ""), size=size,
        content_type=str(data.get("type") or ""), client_fingerprint=str(data.get("fingerprint") or ""),
        at=arrived(request),
    )
    return JsonResponse(_session_json(access, session))


@require_POST
@_api
def upload_sign(request, access, video_id):
    data = _json_body(request)
    try:
        numbers = [int(n) for n in data.get("parts") or []]
    except (TypeError, ValueError):
        raise uploads.UploadError("Part numbers are whole numbers.") from None
    urls = uploads.video_upload_sign(video=_video(access, video_id), numbers=numbers, uploader=access.uploader,
                                     at=arrived(request))
    return JsonResponse({"urls": {str(n): url for n, url in urls.items()}})


@require_POST
@_api
def upload_complete(request, access, video_id):
    data = _json_body(request)
    try:
        parts = {int(p["number"]): str(p.get("etag") or "") for p in data.get("parts") or []}
    except (TypeError, ValueError, KeyError):
        raise uploads.UploadError("Each part needs its number and ETag.") from None
    video = uploads.video_upload_complete(video=_video(access, video_id), client_parts=parts,
                                          uploader=access.uploader, at=arrived(request))
    return JsonResponse(_status_json(video))


@require_POST
@_api
def upload_abort(request, access, video_id):
    video = uploads.video_upload_abort(video=_video(access, video_id), uploader=access.uploader, at=arrived(request))
    return JsonResponse(_status_json(video))


@require_GET
@_api
def upload_status(request, access, video_id):
    return JsonResponse(_status_json(_video(access, video_id)))


@csrf_exempt  # authorized by the signed URL alone, exactly like a presigned S3 part URL
@require_http_methods(["PUT"])
def local_part(request, token):
    """Store one part streamed in the request body (local backend only); answers its ETag as S3 does."""
    try:
        allowed = part_token_read(token)
    except signing.BadSignature:
        return JsonResponse({"error": "This part link is not valid or has expired."}, status=403)
    video = TalkVideo.objects.filter(pk=allowed["v"], upload_id=allowed["u"], backend=TalkVideo.Backend.LOCAL,
                                     state=TalkVideo.State.UPLOADING).first()
    if video is None:
        return JsonResponse({"error": "This upload is over."}, status=404)
    size = allowed["s"]
    if int(request.META.get("CONTENT_LENGTH") or -1) != size:
        return JsonResponse({"error": f"Part {allowed['p']} must be exactly {size} bytes."}, status=400)
    try:
        etag = LocalParts().write_part(video, number=allowed["p"], size=size, stream=request)
    except PartRejected as rejected:
        return JsonResponse({"error": str(rejected)}, status=400)
    TalkVideo.objects.filter(pk=video.pk).update(last_activity_at=timezone.now())
    response = HttpResponse(status=200)
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = "no-store"
    return response
