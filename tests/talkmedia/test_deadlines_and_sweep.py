"""The video deadline (the one rule in program/deadlines.py, extensions included), the finishing window of an
upload started on time, and the beat sweep that aborts unfinished uploads."""
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from submissions.models import DeadlineExtension
from talkmedia.models import TalkVideo
from talkmedia.rules import talk_media_deadline
from talkmedia.services.uploads import uploads_abort_stale
from talkmedia.tasks import sweep_videos


def start(client, talk, fingerprint="f"):
    return client.post(reverse("videos:speaker:upload-start", kwargs={"uid": talk.uid}), data=json.dumps(
        {"name": "t.mp4", "size": 1000, "type": "video/mp4", "fingerprint": fingerprint}),
        content_type="application/json")


@pytest.mark.django_db
def test_uploads_close_at_the_video_deadline_and_reopen_with_an_extension(client, media_world, time_machine):
    talk = media_world.research_talk
    deadline = talk_media_deadline(talk)
    # The deadline's last second counts, to its last microsecond.
    time_machine.move_to(deadline.moment + datetime.timedelta(microseconds=999_999), tick=False)
    client.force_login(media_world.tony)
    assert start(client, talk, "a").status_code == 200
    time_machine.move_to(deadline.moment + datetime.timedelta(seconds=1))
    late = start(client, talk, "b")
    assert late.status_code == 403 and late.json()["error"].startswith("Uploads closed at the deadline")
    page = client.get(reverse("videos:speaker:talk", kwargs={"uid": talk.uid})).content.decode()
    assert "Uploads closed at the deadline" in page and "data-video-upload" in page  # may still finish the open one
    DeadlineExtension.objects.create(edition=media_world.edition, deadline="video_deadline",
                                     submission=media_world.submission,
                                     until=deadline.moment + datetime.timedelta(days=2))
    assert start(client, talk, "b").status_code == 200


@pytest.mark.django_db
def test_an_upload_started_on_time_may_finish_within_the_window(client, media_world, time_machine, settings):
    talk = media_world.research_talk
    deadline = talk_media_deadline(talk)
    time_machine.move_to(deadline.moment - datetime.timedelta(minutes=5))
    client.force_login(media_world.tony)
    session = start(client, talk).json()
    time_machine.move_to(deadline.moment + datetime.timedelta(hours=settings.VIDEO_UPLOAD_FINISH_HOURS - 1))
    assert start(client, talk).json()["resumed"] is True  # resuming is finishing, not starting
    sign = client.post(session["signUrl"], data=json.dumps({"parts": [1]}), content_type="application/json")
    assert sign.status_code == 200
    time_machine.move_to(deadline.moment + datetime.timedelta(hours=settings.VIDEO_UPLOAD_FINISH_HOURS, seconds=1))
    sign = client.post(session["signUrl"], data=json.dumps({"parts": [1]}), content_type="application/json")
    assert sign.status_code == 403


@pytest.mark.django_db
def test_the_sweep_aborts_idle_and_late_uploads(client, media_world, storage_backend, time_machine, settings):
    talk, other = media_world.research_talk, media_world.invited_talk
    deadline = talk_media_deadline(talk)
    media_world.tony.emailaddress_set.create(email="carole@example.org", verified=True)
    time_machine.move_to(deadline.moment - datetime.timedelta(days=5))
    client.force_login(media_world.tony)
    idle = TalkVideo.objects.get(pk=start(client, talk).json()["video"])
    time_machine.move_to(deadline.moment - datetime.timedelta(hours=1))
    late = TalkVideo.objects.get(pk=start(client, other).json()["video"])
    assert uploads_abort_stale() == 1  # idle for more than VIDEO_UPLOAD_IDLE_HOURS
    idle.refresh_from_db()
    assert idle.state == "abandoned" and "Nothing was sent for 48 hours" in idle.reason
    time_machine.move_to(deadline.moment + datetime.timedelta(hours=settings.VIDEO_UPLOAD_FINISH_HOURS, minutes=1))
    assert sweep_videos() == {"aborted_uploads": 1, "dispatched": 0, "failed": 0}  # the beat task
    late.refresh_from_db()
    assert late.state == "abandoned" and "not finished in time" in late.reason
    if storage_backend is not None:
        assert storage_backend.uploads() == []  # the multipart uploads are aborted at S3 too


def test_beat_runs_the_sweep(settings):
    assert settings.CELERY_BEAT_SCHEDULE["videos-sweep"]["task"] == "videos.sweep"


@pytest.mark.django_db
def test_setup_video_bucket(s3, settings):
    out = s3.setup_for("https://personal.example.org")
    assert "ETag is exposed" in out and "aborted 2 day(s) after" in out
    client = s3.client()
    [rule] = client.get_bucket_cors(Bucket=s3.name)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://personal.example.org"] and rule["ExposeHeaders"] == ["ETag"]
    assert "PUT" in rule["AllowedMethods"]
    [lifecycle] = client.get_bucket_lifecycle_configuration(Bucket=s3.name)["Rules"]
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    s3.setup_for("https://personal.example.org")  # idempotent: still one rule each
    assert len(client.get_bucket_lifecycle_configuration(Bucket=s3.name)["Rules"]) == 1


@pytest.mark.django_db
def test_setup_video_bucket_needs_s3():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="S3 is not configured"):
        call_command("setup_video_bucket", stdout=io.StringIO())
