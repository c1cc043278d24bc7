"""Upload sessions of talk videos: start or resume, sign parts, complete, abort, and the sweep of stale ones.

The server decides everything that matters: the storage key (never the file name), the part size and
count (from the declared size, within VIDEO_MAX_BYTES and VIDEO_MAX_PARTS), which part numbers it
signs and how many signatures one upload may use, and at completion that every part is stored with
the expected size and the ETag the browser saw, so the total is exactly the declared size.

An interrupted upload resumes when a speaker of the talk chooses the same file again (same size,
modification time and sampled content hash): the parts already stored are listed and not sent again.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from program.deadlines import closed_message, finishing_deadline, is_open
from talkmedia.rules import can_finish_video_upload, can_upload_talk_media, speaks_for_talk, talk_media_deadline

from ..models import TalkVideo, unique_key
from .processing import dispatch_processing_on_commit
from .storage import StoredPart, backend_for, clean_etag
from .upload_errors import PartsMissing, StorageUnavailable, UploadClosed, UploadError, storage_errors
from .upload_plan import (
    CONTENT_TYPES,
    MIB,
    Uploader,
    UploadLimits,
    container_of,
    fingerprint_of,
    part_plan,
    part_size_of,
    size_label,
    upload_limits,
)

__all__ = [  # the upload API of talk media: views and tests use these names from here
    "CONTENT_TYPES", "MIB", "PartsMissing", "StorageUnavailable", "UploadClosed", "UploadError", "UploadLimits",
    "Uploader", "container_of", "fingerprint_of", "part_plan", "part_size_of", "storage_errors", "upload_limits",
]

log = logging.getLogger(__name__)
State = TalkVideo.State

SIGN_BATCH = 100  # part URLs per request
SIGN_BUDGET_PER_PART = 4  # signatures an upload may use per part (retries, expired URLs)
SIGN_BUDGET_EXTRA = 50


def _refusal(talk, uploader: Uploader, what: str = "Uploads") -> UploadClosed:
    if not speaks_for_talk(uploader.user, talk, invite=uploader.invite):
        return UploadClosed("Only the talk's speakers can upload its video.")
    return UploadClosed(closed_message(talk_media_deadline(talk), what))


@dataclass
class UploadSession:
    video: TalkVideo
    stored: list[StoredPart]
    resumed: bool


def video_upload_start(
    *, talk, uploader: Uploader, file_name: str, size: int, content_type: str, client_fingerprint: str,
    at: datetime.datetime,
) -> UploadSession:
    """Start an upload, or resume the talk's unfinished upload of the same file; say which parts are stored."""
    limits = upload_limits()
    if size <= 0:
        raise UploadError("The file is empty.")
    if size > limits.max_bytes:
        raise UploadError(f"The file is {size_label(size)}; the limit is {size_label(limits.max_bytes)}.")
    container = container_of(file_name)
    if container is None:
        raise UploadError(f"Only {limits.containers_label} videos are accepted; “{file_name[:100]}” is not one.")
    fingerprint = fingerprint_of(size=size, client_fingerprint=client_fingerprint[:500])
    with transaction.atomic():
        existing = TalkVideo.objects.select_for_update().filter(talk=talk, state=State.UPLOADING).first()
        replaced_because = "Another file was chosen before this upload finished."
        if existing is not None and existing.fingerprint == fingerprint:
            if not can_finish_video_upload(uploader.user, existing, at=at, invite=uploader.invite):
                raise _refusal(talk, uploader)
            backend = backend_for(existing)
            with storage_errors("looking for the unfinished upload"):
                exists = backend.upload_exists(existing)
                stored = backend.list_parts(existing) if exists else []
            if exists:
                existing.last_activity_at = at
                existing.save(update_fields=["last_activity_at"])
                log.info("videos: upload %s of talk %s resumed", existing.pk, talk.pk)
                return UploadSession(video=existing, stored=stored, resumed=True)
            replaced_because = "The unfinished upload had expired at the storage; it was started again."
        if not can_upload_talk_media(uploader.user, talk, at=at, invite=uploader.invite):
            raise _refusal(talk, uploader)
        if existing is not None:
            _abandon(existing, replaced_because)
        backend = backend_for()
        part_size, part_count = part_plan(size, limits)
        key = unique_key("videos", talk, container)
        with storage_errors("starting the upload"):
            upload_id = backend.create(key=key, content_type=CONTENT_TYPES[container])
        try:
            with transaction.atomic():
                video = TalkVideo.objects.create(
                    talk=talk, uploaded_by=uploader.account, invite=uploader.invite, uploader_email=uploader.email,
                    file_name=file_name[:255], declared_size=size, declared_type=content_type[:100],
                    container=container, fingerprint=fingerprint, backend=backend.name, upload_id=upload_id,
                    original=key, part_size=part_size, part_count=part_count, started_at=at, last_activity_at=at,
                )
        except IntegrityError:
            raise UploadError("Another upload for this talk started at the same moment; reload the page.") from None
    log.info("videos: upload %s of talk %s started (%s bytes, %s parts of %s, %s)", video.pk, talk.pk, size,
             part_count, part_size, backend.name)
    return UploadSession(video=video, stored=[], resumed=False)


def _finishable(video: TalkVideo, uploader: Uploader, at) -> None:
    if video.state != State.UPLOADING:
        raise UploadError(f"This upload is over ({video.get_state_display().lower()}); choose the file again.")
    if not can_finish_video_upload(uploader.user, video, at=at, invite=uploader.invite):
        raise _refusal(video.talk, uploader)


def video_upload_sign(*, video: TalkVideo, numbers: list[int], uploader: Uploader, at) -> dict[int, str]:
    """Presigned (or application) URLs for these part numbers, within the upload's part count and budget."""
    _finishable(video, uploader, at)
    wanted = sorted(set(numbers))
    if not wanted or len(wanted) > SIGN_BATCH:
        raise UploadError(f"Ask for 1 to {SIGN_BATCH} parts at a time.")
    if wanted[0] < 1 or wanted[-1] > video.part_count:
        raise UploadError(f"This upload has parts 1 to {video.part_count}.")
    budget = video.part_count * SIGN_BUDGET_PER_PART + SIGN_BUDGET_EXTRA
    updated = TalkVideo.objects.filter(pk=video.pk, parts_signed__lte=budget - len(wanted)).update(
        parts_signed=F("parts_signed") + len(wanted), last_activity_at=at,
    )
    if not updated:
        raise UploadError("This upload used up its signatures; please start it again.")
    backend = backend_for(video)
    return {n: backend.part_url(video, number=n, size=part_size_of(video, n)) for n in wanted}


def video_upload_complete(*, video: TalkVideo, client_parts: dict[int, str], uploader: Uploader, at) -> TalkVideo:
    """Check every part (present, right size, the ETag the browser saw), complete, and hand over to processing."""
    with transaction.atomic():
        video = TalkVideo.objects.select_for_update().select_related("talk__session__edition").get(pk=video.pk)
        if video.state != State.UPLOADING and video.uploaded_at is not None:
            return video  # completed already (a repeated request)
        _finishable(video, uploader, at)
        backend = backend_for(video)
        with storage_errors("checking the parts"):
            stored = {p.number: p for p in backend.list_parts(video)}
        missing = [n for n in range(1, video.part_count + 1) if n not in stored]
        if missing:
            raise PartsMissing(f"{len(missing)} part(s) are not stored yet.", missing)
        wrong = [n for n, p in stored.items() if n <= video.part_count and p.size != part_size_of(video, n)]
        unconfirmed = [n for n in range(1, video.part_count + 1) if clean_etag(client_parts.get(n)) != stored[n].etag]
        if wrong or unconfirmed:
            raise PartsMissing("Some parts differ from what was sent; they will be sent again.",
                               sorted(set(wrong) | set(unconfirmed)))
        parts = [stored[n] for n in range(1, video.part_count + 1)]
        total = sum(p.size for p in parts)
        if total != video.declared_size:  # cannot happen after the checks above; never let it through
            raise UploadError(f"The parts add up to {total} bytes, not {video.declared_size}.")
        with storage_errors("assembling the parts"):
            backend.complete(video, parts)
        video.state, video.uploaded_at, video.last_activity_at = State.PROCESSING, at, at
        video.save(update_fields=["state", "uploaded_at", "last_activity_at"])
        dispatch_processing_on_commit(video.pk)
    log.info("videos: upload %s of talk %s complete (%s bytes in %s parts)", video.pk, video.talk_id, total, len(parts))
    return video


def _abandon(video: TalkVideo, reason: str) -> None:
    try:
        backend_for(video).abort(video)
    except Exception:  # noqa: BLE001 - the bucket's lifecycle rule removes what is left
        log.warning("videos: could not abort upload %s", video.pk, exc_info=True)
    video.state, video.reason = State.ABANDONED, reason
    video.save(update_fields=["state", "reason"])


def video_upload_abort(*, video: TalkVideo, uploader: Uploader, at) -> TalkVideo:
    """The speaker cancels an unfinished upload: its parts are discarded."""
    if not speaks_for_talk(uploader.user, video.talk, invite=uploader.invite):
        raise UploadClosed("Only the talk's speakers can cancel its upload.")
    with transaction.atomic():
        video = TalkVideo.objects.select_for_update().get(pk=video.pk)
        if video.state != State.UPLOADING:
            return video
        _abandon(video, "Cancelled by the speaker.")
    return video


def uploads_abort_stale(*, now: datetime.datetime | None = None) -> int:
    """Abort uploads left unfinished past their finishing window, or idle for VIDEO_UPLOAD_IDLE_HOURS."""
    now = now or timezone.now()
    idle_since = now - datetime.timedelta(hours=settings.VIDEO_UPLOAD_IDLE_HOURS)
    aborted = 0
    uploading = TalkVideo.objects.filter(state=State.UPLOADING).select_related("talk__session__edition",
                                                                                "talk__submission")
    for video in uploading:
        if video.last_activity_at < idle_since:
            reason = (f"Nothing was sent for {settings.VIDEO_UPLOAD_IDLE_HOURS} hours; "
                      "the unfinished upload was discarded.")
        else:
            deadline = talk_media_deadline(video.talk)
            if deadline is not None and is_open(finishing_deadline(deadline), at=now):
                continue
            reason = "The upload was not finished in time after the deadline; its parts were discarded."
        with transaction.atomic():
            locked = TalkVideo.objects.select_for_update().get(pk=video.pk)
            if locked.state == State.UPLOADING:
                _abandon(locked, reason)
                aborted += 1
                log.info("videos: upload %s aborted: %s", video.pk, reason)
    return aborted
