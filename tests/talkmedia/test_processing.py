"""Verification and conversion with the real ffprobe/ffmpeg, on local media and on S3, and who is told what."""
import pytest
from django.urls import reverse

from outbox.models import OutboundMail
from talkmedia.models import TalkVideo
from talkmedia.services import media, storage
from talkmedia.services.processing import processing_redispatch_stale, video_process, video_retry

from . import flow
from .media import big_mkv, long_mp4, not_a_video, small_mp4, small_webm, truncated


def uploaded(client, world, path, *, talk=None) -> TalkVideo:
    client.force_login(world.tony)
    talk = talk or world.research_talk
    done = flow.upload(client, reverse("videos:speaker:talk", kwargs={"uid": talk.uid}), path,
                       fingerprint=f"{path.stat().st_mtime}:{path.name}")
    return TalkVideo.objects.get(pk=done["video"])


def probe_stored(name: str) -> media.Probe:
    return media.probe(storage.media_input(name))


@pytest.mark.django_db
@pytest.mark.parametrize(("maker", "conversion"), [
    (small_mp4, "none"),
    (lambda p: small_mp4(p, faststart=False), "remux"),
    (big_mkv, "remux"),
    (small_webm, "transcode"),
])
def test_ready_videos_play_everywhere(client, media_world, storage_backend, tmp_path, after_commit, maker,
                                      conversion):
    suffix = {small_webm: ".webm", big_mkv: ".mkv"}.get(maker, ".mp4")
    video = after_commit(uploaded, client, media_world, maker(tmp_path / f"talk{suffix}"))
    assert after_commit(video_process, video_id=video.pk) == "ready"
    video.refresh_from_db()
    assert (video.state, video.reason, video.conversion) == ("ready", "", conversion)
    assert video.stored_size == video.declared_size and video.duration_seconds > 1
    assert video.width and video.height and video.video_codec in ("h264", "vp8")
    playable = probe_stored(video.playable.name)
    assert playable.is_mp4 and playable.video_codec == "h264" and playable.audio_codec == "aac"
    if conversion == "none":
        assert video.playable.name == video.original.name
    else:
        assert video.playable.name != video.original.name and video.playable.name.endswith(".mp4")
    size = storage.stored_size(video.playable.name)
    assert media.is_faststart(lambda start, length: storage.read_range(video.playable.name, start, length), size)
    mails = {(m.kind, m.recipient) for m in OutboundMail.objects.all()}
    assert mails == {("video_ready", "tony@example.org"), ("video_ready_organizers", "orga@example.org")}
    # Running the task again (a duplicate message) does nothing.
    assert after_commit(video_process, video_id=video.pk) == "skipped"


@pytest.mark.django_db
@pytest.mark.parametrize(("maker", "reason"), [
    (lambda p: long_mp4(p, minutes=31), "The video is 31 min 00 s long; this talk's limit is 30 minutes."),
    (not_a_video, "This is not an MP4, MOV, MKV or WebM video: it looks like a PDF document."),
    (lambda p: truncated(small_mp4(p.with_name("whole.mp4"), seconds=4, faststart=False), p),
     "The file could not be read as a video (moov atom not found; Invalid data found when processing input)."),
])
def test_rejections_say_why(client, media_world, storage_backend, tmp_path, after_commit, maker, reason):
    video = after_commit(uploaded, client, media_world, maker(tmp_path / "talk.mp4"))
    assert after_commit(video_process, video_id=video.pk) == "rejected"
    video.refresh_from_db()
    assert video.state == "rejected" and video.reason == reason
    assert storage.stored_size(video.original.name) is None  # the rejected file is not kept; the reason is
    speaker_mail = OutboundMail.objects.get(kind="video_rejected", recipient="tony@example.org")
    assert reason in speaker_mail.body and "Please upload a corrected file" in speaker_mail.body
    assert OutboundMail.objects.filter(kind="video_rejected_organizers", recipient="orga@example.org").exists()


@pytest.mark.django_db
def test_the_tolerance_and_the_sessions_length_set_the_limit(client, media_world, tmp_path, after_commit, settings):
    settings.VIDEO_DURATION_TOLERANCE_SECONDS = 90
    video = after_commit(uploaded, client, media_world, long_mp4(tmp_path / "talk.mp4", minutes=31))
    assert after_commit(video_process, video_id=video.pk) == "ready"
    # An invited talk has no slot_minutes: its session's length is the limit.
    invited = media_world.invited_talk
    assert invited.slot_minutes is None
    minutes = invited.session.duration_minutes
    media_world.tony.emailaddress_set.create(email="carole@example.org", verified=True)
    plenary = long_mp4(tmp_path / "plenary.mp4", minutes=minutes + 2)
    too_long = after_commit(uploaded, client, media_world, plenary, talk=invited)
    assert after_commit(video_process, video_id=too_long.pk) == "rejected"
    assert f"limit is {minutes} minutes" in TalkVideo.objects.get(pk=too_long.pk).reason


@pytest.mark.django_db
def test_a_missing_tool_is_an_error_never_ready(client, media_world, tmp_path, dispatched, after_commit, settings):
    settings.VIDEO_FFPROBE = "ffprobe-that-is-not-installed"
    video = after_commit(uploaded, client, media_world, small_mp4(tmp_path / "talk.mp4"))
    assert after_commit(video_process, video_id=video.pk) == "failed"
    video.refresh_from_db()
    assert video.state == "failed" and "ffprobe is not installed on the processing worker" in video.reason
    assert OutboundMail.objects.filter(kind="video_failed_organizers").exists()
    # Once the tool is there, an organizer runs the check again.
    settings.VIDEO_FFPROBE = "ffprobe"
    after_commit(video_retry, video=video)
    assert dispatched == [video.pk, video.pk]
    assert after_commit(video_process, video_id=video.pk) == "ready"


@pytest.mark.django_db
def test_a_newer_ready_video_replaces_the_older_one(client, media_world, tmp_path, after_commit):
    first = after_commit(uploaded, client, media_world, small_mp4(tmp_path / "one.mp4", faststart=False))
    after_commit(video_process, video_id=first.pk)
    first.refresh_from_db()
    second = after_commit(uploaded, client, media_world, small_mp4(tmp_path / "two.mp4", seconds=2))
    after_commit(video_process, video_id=second.pk)
    first.refresh_from_db()
    assert first.state == "replaced" and storage.stored_size(first.original.name) is None
    assert storage.stored_size(first.playable.name) is None
    assert TalkVideo.objects.get(pk=second.pk).state == "ready"


@pytest.mark.django_db
def test_stuck_processing_is_dispatched_again_then_given_up(client, media_world, tmp_path, dispatched, after_commit,
                                                            settings):
    import datetime

    from django.utils import timezone

    video = after_commit(uploaded, client, media_world, small_mp4(tmp_path / "talk.mp4"))
    later = timezone.now() + datetime.timedelta(minutes=settings.VIDEO_STALE_PROCESSING_MINUTES + 1)
    assert after_commit(processing_redispatch_stale, now=later) == {"dispatched": 1, "failed": 0}
    assert dispatched == [video.pk, video.pk]
    TalkVideo.objects.filter(pk=video.pk).update(processing_attempts=settings.VIDEO_MAX_PROCESSING_ATTEMPTS,
                                                 heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    assert processing_redispatch_stale() == {"dispatched": 0, "failed": 1}
    video.refresh_from_db()
    assert video.state == "failed" and "stopped 3 times" in video.reason
