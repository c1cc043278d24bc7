"""The upload protocol over HTTP, with local media and with S3 (moto on loopback): plans, caps, resume, completion."""
import pytest
from django.urls import reverse

from talkmedia.models import TalkVideo
from talkmedia.services.uploads import part_plan, upload_limits

from . import flow
from .media import MIB, big_mkv, small_mp4


def talk_base(talk) -> str:
    return reverse("videos:speaker:talk", kwargs={"uid": talk.uid})


def test_part_plan_keeps_within_the_part_count(settings):
    settings.VIDEO_PART_BYTES = 16 * MIB
    assert part_plan(1) == (16 * MIB, 1)
    assert part_plan(16 * MIB + 1) == (16 * MIB, 2)
    size, count = part_plan(400 * 1024**3, upload_limits())  # far beyond the default limit: still <= 10,000 parts
    assert count <= 10_000 and size * count >= 400 * 1024**3 and size % MIB == 0


@pytest.mark.django_db
def test_upload_in_parts_then_resume_sends_only_missing_parts(client, media_world, storage_backend, tmp_path,
                                                              dispatched, after_commit):
    video_file = big_mkv(tmp_path / "talk.mkv")
    client.force_login(media_world.tony)
    base = talk_base(media_world.research_talk)

    first = flow.start(client, base, video_file)
    assert first.status_code == 200, first.content
    session = first.json()
    assert session["partCount"] == 5 and session["partSize"] == 5 * MIB and session["parts"] == []
    sent = flow.send_parts(client, session, video_file, [1, 3])  # then the connection dies

    again = flow.start(client, base, video_file)  # the same file chosen again, later
    resumed = again.json()
    assert resumed["resumed"] is True and resumed["video"] == session["video"]
    assert {p["number"]: p["etag"] for p in resumed["parts"]} == {n: e.strip('"') for n, e in sent.items()}

    incomplete = flow.post_json(client, resumed["completeUrl"], {"parts": [
        {"number": n, "etag": e} for n, e in sent.items()]})
    assert incomplete.status_code == 409 and incomplete.json()["missing"] == [2, 4, 5]

    rest = flow.send_parts(client, resumed, video_file, [2, 4, 5])
    etags = {**sent, **rest}
    done = after_commit(flow.post_json, client, resumed["completeUrl"], {"parts": [
        {"number": n, "etag": e} for n, e in sorted(etags.items())]})
    assert done.status_code == 200 and done.json()["state"] == "processing"
    assert dispatched == [session["video"]]
    video = TalkVideo.objects.get()
    assert video.uploaded_by == media_world.tony and video.file_name == "talk.mkv"
    assert video.original.name.startswith(f"videos/{media_world.edition.slug}/{media_world.research_talk.uid}/")
    assert "talk" not in video.original.name.rsplit("/", 1)[-1]  # the key is ours, never the file's name
    # Completing twice (a retried request) changes nothing and dispatches nothing more.
    again = after_commit(flow.post_json, client, resumed["completeUrl"], {"parts": []})
    assert again.json()["state"] == "processing"
    assert dispatched == [session["video"]]
    if storage_backend is not None:  # S3: one object, no multipart upload left open
        assert storage_backend.keys() == [video.original.name] and storage_backend.uploads() == []


@pytest.mark.django_db
def test_another_file_abandons_the_unfinished_upload(client, media_world, storage_backend, tmp_path):
    client.force_login(media_world.tony)
    base = talk_base(media_world.research_talk)
    first = flow.start(client, base, small_mp4(tmp_path / "a.mp4"), fingerprint="1:a").json()
    second = flow.start(client, base, small_mp4(tmp_path / "b.mp4", seconds=2), fingerprint="2:b").json()
    assert second["video"] != first["video"] and second["resumed"] is False
    old = TalkVideo.objects.get(pk=first["video"])
    assert old.state == "abandoned" and "Another file" in old.reason
    if storage_backend is not None:
        current = TalkVideo.objects.get(pk=second["video"])
        assert [u["UploadId"] for u in storage_backend.uploads()] == [current.upload_id]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "size", "message"), [
    ("talk.avi", 1000, "Only MP4, MOV, MKV or WebM videos are accepted"),
    ("talk", 1000, "Only MP4, MOV, MKV or WebM videos are accepted"),
    ("talk.mp4", 0, "The file is empty."),
    ("talk.mp4", 4 * 1024**3 + 1, "The file is 4.0 GB; the limit is 4.0 GB."),
])
def test_start_refuses_what_the_limits_exclude(client, media_world, name, size, message):
    client.force_login(media_world.tony)
    response = flow.post_json(client, talk_base(media_world.research_talk) + "uploads/",
                              {"name": name, "size": size, "type": "video/x-msvideo", "fingerprint": "x"})
    assert response.status_code == 400 and response.json()["error"].startswith(message)
    assert not TalkVideo.objects.exists()


@pytest.mark.django_db
def test_signing_is_capped_to_the_plan_and_a_budget(client, media_world, settings):
    settings.VIDEO_PART_BYTES = 5 * MIB
    client.force_login(media_world.tony)
    session = flow.post_json(client, talk_base(media_world.research_talk) + "uploads/", {
        "name": "t.mp4", "size": 12 * MIB, "type": "video/mp4", "fingerprint": "f"}).json()
    assert session["partCount"] == 3
    for numbers in ([0], [4], [], list(range(1, 102))):
        response = flow.post_json(client, session["signUrl"], {"parts": numbers})
        assert response.status_code == 400, numbers
    video = TalkVideo.objects.get()
    assert video.parts_signed == 0
    for _ in range(31):  # the budget is 4 signatures per part plus 50: 62 for 3 parts
        flow.post_json(client, session["signUrl"], {"parts": [1, 2]})
    refused = flow.post_json(client, session["signUrl"], {"parts": [1, 2]})
    assert refused.status_code == 400 and "used up its signatures" in refused.json()["error"]


@pytest.mark.django_db
def test_local_part_endpoint_takes_only_the_signed_size(client, media_world, tmp_path):
    client.force_login(media_world.tony)
    session = flow.post_json(client, talk_base(media_world.research_talk) + "uploads/", {
        "name": "t.mp4", "size": 6 * MIB, "type": "video/mp4", "fingerprint": "f"}).json()
    url = flow.post_json(client, session["signUrl"], {"parts": [2]}).json()["urls"]["2"]
    assert flow.put_part(client, url, b"x" * (MIB + 1))[0] == 400  # part 2 is exactly 1 MiB
    status, etag = flow.put_part(client, url, b"x" * MIB)
    assert status == 200 and etag.startswith('"')
    forged = url[:-3] + ("abc" if not url.endswith("abc") else "abd")
    assert flow.put_part(client, forged, b"x" * MIB)[0] == 403
    client.logout()  # the signed URL alone authorizes a part, as a presigned S3 URL does
    assert flow.put_part(client, url, b"y" * MIB)[0] == 200


@pytest.mark.django_db
def test_completion_refuses_an_etag_the_browser_did_not_see(client, media_world, storage_backend, tmp_path):
    video_file = small_mp4(tmp_path / "t.mp4")
    client.force_login(media_world.tony)
    session = flow.start(client, talk_base(media_world.research_talk), video_file).json()
    flow.send_parts(client, session, video_file, [1])
    response = flow.post_json(client, session["completeUrl"], {"parts": [{"number": 1, "etag": "0" * 32}]})
    assert response.status_code == 409 and response.json()["missing"] == [1]
    assert TalkVideo.objects.get().state == "uploading"
