"""After the upload: verify a video, convert it when browsers cannot play it as it is, and tell people.

The checks, in order, each with a reason in words when it fails:

1. the stored size is the declared size (the storage's own answer, not the browser's);
2. the first bytes are those of an MP4/MOV or a Matroska/WebM file (a PDF renamed .mp4 is named as such);
3. ffprobe reads it, it is one of the accepted containers, it has a picture, and frames decode at its
   start and near its end (a file cut short fails here);
4. its duration is within the talk's slot (``Talk.slot_length_minutes``: 30 minutes for PeRSonAl's
   research talks, the session's length for others) plus VIDEO_DURATION_TOLERANCE_SECONDS.

A video that passes is kept unchanged and, unless it is already an H.264/AAC MP4 with its index first
(faststart), converted: remuxed when the streams can be copied, otherwise transcoded. Outcomes:
``ready``, ``rejected`` (the file's fault, the speaker may upload again) or ``failed`` (ours: a missing
tool, a storage error; organizers can run it again). Speaker and organizers are told through the outbox.
"""
from __future__ import annotations

import datetime
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from personal_site import durable

from ..models import TalkVideo, unique_key
from . import media, storage
from .notifications import notify_video_outcome

log = logging.getLogger(__name__)
State = TalkVideo.State
PROCESS_TASK = "videos.process"


def dispatch_processing_on_commit(video_id: int) -> None:
    """Check the video once the upload's transaction commits; the beat sweep retries if the broker is down."""
    durable.dispatch_on_commit(PROCESS_TASK, video_id)


class VideoRejected(Exception):
    """The file is not acceptable; the message is shown to the speaker."""


class ProcessingFailed(Exception):
    """We could not check the file (our problem); the message is shown to organizers and the speaker."""


def _claim(video_id: int, now: datetime.datetime) -> TalkVideo | None:
    """Take a PROCESSING video whose last heartbeat is old (or absent); None when someone else is on it."""
    stale = now - datetime.timedelta(minutes=settings.VIDEO_STALE_PROCESSING_MINUTES)
    claimed = durable.claim(
        TalkVideo.objects.filter(pk=video_id, state=State.PROCESSING).filter(
            Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale)),
        heartbeat_at=now, processing_attempts=F("processing_attempts") + 1,
    )
    if not claimed:
        return None
    return TalkVideo.objects.select_related("talk__session__edition").get(pk=video_id)


def video_process(*, video_id: int) -> str:
    """Verify and convert one uploaded video; returns its new state ('skipped' when not ours to process)."""
    video = _claim(video_id, timezone.now())
    if video is None:
        return "skipped"
    log.info("videos: processing video %s of talk %s (attempt %s)", video.pk, video.talk_id, video.processing_attempts)
    try:
        outcome = _verify_and_convert(video)
    except VideoRejected as rejected:
        return _finish(video, State.REJECTED, str(rejected))
    except (ProcessingFailed, media.ToolMissing, media.ProcessingTimeout) as failed:
        return _finish(video, State.FAILED, str(failed))
    except Exception as error:  # noqa: BLE001 - a storage or database hiccup: record it, never leave it silent
        log.exception("videos: processing video %s crashed", video.pk)
        return _finish(video, State.FAILED, f"Processing stopped with an unexpected error ({type(error).__name__}).")
    return _finish(video, State.READY, "", outcome)


def _heartbeat(video: TalkVideo) -> None:
    TalkVideo.objects.filter(pk=video.pk, state=State.PROCESSING).update(heartbeat_at=timezone.now())


def _verify_and_convert(video: TalkVideo) -> dict:
    name = video.original.name
    if video.backend == TalkVideo.Backend.LOCAL:
        try:
            storage.LocalParts().assemble(video)
        except FileNotFoundError:
            raise ProcessingFailed("The uploaded parts are missing from local media.") from None
    size = storage.stored_size(name)
    if size is None:
        raise ProcessingFailed("The uploaded file is missing from storage.")
    if size != video.declared_size:
        raise VideoRejected(f"The stored file has {size} bytes, but the upload announced {video.declared_size}; "
                            "please upload it again.")
    head = storage.read_head(name, 64)
    if media.sniff(head) is None:
        raise VideoRejected(f"This is not an MP4, MOV, MKV or WebM video: it looks like {media.looks_like(head)}.")

    source = storage.media_input(name)
    try:
        found = media.probe(source)
    except media.MediaUnreadable as unreadable:
        raise VideoRejected(f"The file could not be read as a video ({unreadable}).") from None
    if not found.demuxers & media.ACCEPTED_DEMUXERS:
        raise VideoRejected(f"The file is in the “{found.format_name}” format; MP4, MOV, MKV or WebM are accepted.")
    if not found.video_codec:
        raise VideoRejected("The file has no video picture (audio only?).")
    if not found.duration:
        raise VideoRejected("The length of the video could not be determined; the file may be damaged.")
    limit_minutes = video.talk.slot_length_minutes
    tolerance = settings.VIDEO_DURATION_TOLERANCE_SECONDS
    if found.duration > limit_minutes * 60 + tolerance:
        raise VideoRejected(
            f"The video is {_minutes_seconds(found.duration)} long; this talk's limit is {limit_minutes} minutes."
        )
    if not media.decodes_at(source, seconds=0):
        raise VideoRejected("The first frames of the video cannot be decoded; the file may be damaged.")
    if not media.decodes_at(source, seconds=max(found.duration - 3, 0)):
        raise VideoRejected("The end of the video cannot be decoded; the file may be cut short. "
                            "Please upload it again.")
    _heartbeat(video)

    faststart = found.is_mp4 and media.is_faststart(lambda start, length: storage.read_range(name, start, length), size)
    conversion = media.conversion_for(found, faststart=faststart)
    outcome = {"probe": found, "conversion": conversion, "stored_size": size, "playable": name,
               "playable_size": size, "playable_probe": found}
    if conversion == "none":
        return outcome

    work_dir = settings.VIDEO_WORK_DIR or None
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="video-", dir=work_dir) as folder:
        target = Path(folder) / "playable.mp4"
        command = media.conversion_command(source, str(target), conversion)
        try:
            media.run_conversion(command, timeout=settings.VIDEO_PROCESS_TIMEOUT_SECONDS,
                                 heartbeat=lambda: _heartbeat(video))
        except media.MediaUnreadable as unreadable:
            raise VideoRejected(f"The video could not be converted for the web ({unreadable}).") from None
        result = media.probe(str(target))
        if not (result.is_mp4 and result.video_playable and result.audio_playable):
            raise ProcessingFailed(f"The conversion produced {result.video_codec}/{result.audio_codec or 'no audio'}, "
                                   "not H.264/AAC.")
        if result.duration is None or abs(result.duration - found.duration) > max(2.0, found.duration * 0.02):
            raise ProcessingFailed("The converted video's length differs from the original's.")
        playable = unique_key("videos", video.talk, "mp4")
        playable_size = target.stat().st_size
        storage.store_file(target, playable, content_type="video/mp4")
    outcome.update(playable=playable, playable_size=playable_size, playable_probe=result)
    return outcome


def _minutes_seconds(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60} min {total % 60:02d} s"


def _finish(video: TalkVideo, state: str, reason: str, outcome: dict | None = None) -> str:
    """Record the outcome once (the row must still be PROCESSING), tidy up storage, tell people after commit."""
    now = timezone.now()
    fields = {"state": state, "reason": reason, "processed_at": now, "heartbeat_at": None}
    if outcome:
        found, playable_probe = outcome["probe"], outcome["playable_probe"]
        fields.update(
            stored_size=outcome["stored_size"], format_name=found.format_name[:100], duration_seconds=found.duration,
            video_codec=found.video_codec, audio_codec=found.audio_codec, pix_fmt=found.pix_fmt,
            width=found.width, height=found.height, conversion=outcome["conversion"], playable=outcome["playable"],
            playable_size=outcome["playable_size"],
            details={"original": found.summary(), "playable": playable_probe.summary()},
        )
    with transaction.atomic():
        updated = TalkVideo.objects.filter(pk=video.pk, state=State.PROCESSING).update(**fields)
        if not updated:
            log.warning("videos: video %s left processing while we worked; outcome %s dropped", video.pk, state)
            return "skipped"
        video.refresh_from_db()
        doomed: list[str] = []
        if state == State.REJECTED:
            doomed.append(video.original.name)  # the reason stays; the speaker still has the file
        if state == State.READY:
            doomed += _replace_older(video)
        notify_video_outcome(video)
        if doomed:
            transaction.on_commit(lambda: _delete_quietly(doomed))
    log.info("videos: video %s of talk %s is %s%s", video.pk, video.talk_id, state, f": {reason}" if reason else "")
    return state


def _replace_older(video: TalkVideo) -> list[str]:
    """A new ready video replaces the talk's older unpublished ones (the published one stays until republished)."""
    older = list(TalkVideo.objects.filter(talk=video.talk_id, state__in=[State.READY, State.FAILED],
                                          published_at__isnull=True).exclude(pk=video.pk))
    names = []
    for old in older:
        names += [old.original.name, old.playable.name]
    TalkVideo.objects.filter(pk__in=[o.pk for o in older]).update(
        state=State.REPLACED, reason=f"Replaced by video {video.pk}.",
    )
    return names


def _delete_quietly(names: list[str]) -> None:
    for name in dict.fromkeys(n for n in names if n):
        try:
            storage.delete_stored(name)
        except Exception:  # noqa: BLE001 - leftovers cost storage, never correctness
            log.warning("videos: could not delete %s", name, exc_info=True)


def processing_redispatch_stale(*, now: datetime.datetime | None = None) -> dict:
    """Videos stuck in PROCESSING (their worker vanished, or the broker lost the task): dispatch again or give up."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(minutes=settings.VIDEO_STALE_PROCESSING_MINUTES)
    stuck = TalkVideo.objects.filter(state=State.PROCESSING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, uploaded_at__lt=stale)
    )
    limit = settings.VIDEO_MAX_PROCESSING_ATTEMPTS
    failed = 0
    for video in stuck.filter(processing_attempts__gte=limit).select_related("talk__session__edition"):
        _finish(video, State.FAILED,
                f"Processing stopped {video.processing_attempts} times without finishing (the worker may have "
                "run out of memory or time).")
        failed += 1
    dispatched = durable.redispatch(PROCESS_TASK, stuck.filter(processing_attempts__lt=limit), stamp=None, now=now)
    return {"dispatched": dispatched, "failed": failed}


def video_retry(*, video: TalkVideo) -> TalkVideo:
    """An organizer runs processing again for a video that could not be checked (a tool was missing)."""
    with transaction.atomic():
        updated = TalkVideo.objects.filter(pk=video.pk, state=State.FAILED).update(
            state=State.PROCESSING, reason="", processing_attempts=0, heartbeat_at=None,
        )
        if updated:
            dispatch_processing_on_commit(video.pk)
    video.refresh_from_db()
    return video
