"""Who reaches every talk media URL: strangers, speakers, authors, organizers, link holders, and the public.

The world: a research talk presenting Ann's accepted paper (Ann the contact author, Bob a co-author, Tony the
presenter), with a ready unpublished video, an unfinished upload, a final paper and captions; an invited talk
whose speaker Carole has no account but a personal link; another talk's objects are never reachable through it.
"""
import datetime
import json

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from talkmedia.models import FinalPaper, SpeakerInvite, TalkCaptions, TalkVideo
from talkmedia.services.invites import invite_revoke
from talkmedia.services.publishing import paper_publish, video_publish
from tests.submissions.conftest import pdf_with_pages

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.500\nHello and welcome.\n"
ROLES = ["anonymous", "stranger", "tony", "ann", "bob", "organizer"]
SPEAKERS = {"tony", "ann", "bob"}


@pytest.fixture
def stocked(media_world):
    talk, now = media_world.research_talk, timezone.now()
    default_storage.save(f"videos/test/{talk.uid}/ready.mp4", ContentFile(b"\x00\x00\x00\x18ftypisom" + b"v" * 1000))
    ready = TalkVideo.objects.create(
        talk=talk, state="ready", file_name="talk.mp4", declared_size=1012, container="mp4", fingerprint="f",
        backend="local", original=f"videos/test/{talk.uid}/ready.mp4", playable=f"videos/test/{talk.uid}/ready.mp4",
        part_size=5 << 20, part_count=1, started_at=now, last_activity_at=now, uploaded_at=now,
        duration_seconds=3.0, uploaded_by=media_world.tony, uploader_email="tony@example.org",
    )
    default_storage.save(f"final-papers/test/{talk.uid}/p.pdf", ContentFile(pdf_with_pages(2)))
    paper = FinalPaper.objects.create(talk=talk, submission=talk.submission, file=f"final-papers/test/{talk.uid}/p.pdf",
                                      sha256="0" * 64, size=100, page_count=2, received_at=now)
    default_storage.save(f"captions/test/{talk.uid}/c.vtt", ContentFile(VTT))
    captions = TalkCaptions.objects.create(talk=talk, file=f"captions/test/{talk.uid}/c.vtt", sha256="0" * 64,
                                           size=len(VTT), cue_count=1, uploaded_at=now)
    invite = SpeakerInvite.objects.create(talk=media_world.invited_talk, email="carole@example.org",
                                          created_by=media_world.organizer)
    revoked = SpeakerInvite.objects.create(talk=media_world.invited_talk, email="carole@example.org")
    invite_revoke(invite=revoked, by=media_world.organizer)
    return {"world": media_world, "talk": talk, "ready": ready, "paper": paper, "captions": captions,
            "invite": invite, "revoked": revoked}


def client_for(stocked, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(stocked["world"], role))
    return client


def speaker_url(stocked, name, **kwargs) -> str:
    return reverse(f"videos:speaker:{name}", kwargs={"uid": stocked["talk"].uid, **kwargs})


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_private_pages_and_files(stocked, role):
    client = client_for(stocked, role)
    urls = {
        "page": speaker_url(stocked, "talk"),
        "watch": speaker_url(stocked, "video-watch", video_id=stocked["ready"].pk),
        "paper": speaker_url(stocked, "paper-file", paper_id=stocked["paper"].pk),
        "captions": speaker_url(stocked, "captions-file", captions_id=stocked["captions"].pk),
    }
    for what, url in urls.items():
        response = client.get(url)
        if role == "anonymous":
            assert is_login_redirect(response), what
        elif role == "stranger":
            assert response.status_code == 404, what  # never confirms that the talk's media exist
        else:
            assert response.status_code == 200, (what, response.status_code)
            assert what == "page" or response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_upload_api(stocked, role):
    client = client_for(stocked, role)
    start = client.post(speaker_url(stocked, "upload-start"), data=json.dumps(
        {"name": "t.mp4", "size": 1000, "type": "video/mp4", "fingerprint": role}), content_type="application/json")
    expected = {"anonymous": 403, "stranger": 404, "organizer": 403}.get(role, 200)
    assert start.status_code == expected, start.content
    if role == "organizer":
        assert start.json()["error"] == "Only the talk's speakers can upload its video."
    video = TalkVideo.objects.filter(state="uploading").first()
    if video is None:  # let a speaker start one, to try the other endpoints on it
        client_for(stocked, "tony").post(speaker_url(stocked, "upload-start"), data=json.dumps(
            {"name": "t.mp4", "size": 1000, "type": "video/mp4", "fingerprint": "x"}), content_type="application/json")
        video = TalkVideo.objects.get(state="uploading")
    calls = {
        "status": client.get(speaker_url(stocked, "upload-status", video_id=video.pk)),
        "sign": client.post(speaker_url(stocked, "upload-sign", video_id=video.pk),
                            data=json.dumps({"parts": [1]}), content_type="application/json"),
        "abort": client.post(speaker_url(stocked, "upload-abort", video_id=video.pk), data="{}",
                             content_type="application/json"),
    }
    for what, response in calls.items():
        if role == "anonymous":
            assert response.status_code == 403, what
        elif role == "stranger":
            assert response.status_code == 404, what
        elif role == "organizer":
            assert response.status_code == (200 if what == "status" else 403), what
        else:
            assert response.status_code == 200, (what, response.content)
    assert TalkVideo.objects.get(pk=video.pk).state == ("abandoned" if role in SPEAKERS else "uploading")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_captions_and_final_paper_forms(stocked, role):
    client = client_for(stocked, role)
    captions = client.post(speaker_url(stocked, "captions"),
                           {"captions": SimpleUploadedFile("c.vtt", VTT, content_type="text/vtt")})
    paper = client.post(speaker_url(stocked, "paper"),
                        {"pdf": SimpleUploadedFile("p.pdf", pdf_with_pages(2), content_type="application/pdf")})
    for response in (captions, paper):
        if role == "anonymous":
            assert is_login_redirect(response)
        elif role == "stranger":
            assert response.status_code == 404
        else:  # back to the talk page, with a confirmation or a refusal
            assert response.status_code == 302 and response["Location"].startswith(speaker_url(stocked, "talk"))
    assert TalkCaptions.objects.count() == (2 if role in SPEAKERS else 1)
    # The final paper belongs to the paper's authors, not to a presenter who did not write it.
    assert FinalPaper.objects.count() == (2 if role in ("ann", "bob") else 1)


@pytest.mark.django_db
def test_another_talks_objects_are_never_reachable_through_a_talk(stocked):
    world = stocked["world"]
    client = client_for(stocked, "tony")
    other = world.invited_talk
    world.tony.emailaddress_set.create(email="carole@example.org", verified=True)  # Tony speaks at both talks now
    for name, key in (("video-watch", "video_id"), ("paper-file", "paper_id"), ("captions-file", "captions_id"),
                      ("upload-status", "video_id")):
        obj = {"video_id": stocked["ready"], "paper_id": stocked["paper"], "captions_id": stocked["captions"]}[key]
        url = reverse(f"videos:speaker:{name}", kwargs={"uid": other.uid, key: obj.pk})
        assert client.get(url).status_code == 404, name


@pytest.mark.django_db
def test_public_stable_urls_answer_only_once_published(stocked):
    talk, world = stocked["talk"], stocked["world"]
    urls = [reverse(f"videos:talk-{what}", kwargs={"uid": talk.uid}) for what in ("video", "paper", "captions")]
    for role in ROLES:
        client = client_for(stocked, role)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404], role
    video_publish(video=stocked["ready"], by=world.organizer, at=timezone.now())
    paper_publish(paper=stocked["paper"], by=world.organizer, at=timezone.now())
    for role in ROLES:
        client = client_for(stocked, role)
        responses = [client.get(url) for url in urls]
        assert [r.status_code for r in responses] == [200, 200, 200], role
    video, paper, captions = (Client().get(url) for url in urls)
    assert video["Content-Type"] == "video/mp4" and video["Accept-Ranges"] == "bytes"
    assert paper["Content-Type"] == "application/pdf" and paper["Content-Disposition"].startswith("inline")
    assert captions["Content-Type"] == "text/vtt; charset=utf-8" and captions.content == VTT
    partial = Client().get(urls[0], HTTP_RANGE="bytes=4-11")
    assert partial.status_code == 206 and b"".join(partial.streaming_content) == b"ftypisom"
    assert partial["Content-Range"] == "bytes 4-11/1012"
    assert Client().get(urls[0], HTTP_RANGE="bytes=5000-").status_code == 416


@pytest.mark.django_db
def test_personal_links(stocked):
    world, invite = stocked["world"], stocked["invite"]
    base = reverse("videos:invite:talk", kwargs={"token": invite.token})
    anonymous = Client()
    assert anonymous.get(base).status_code == 200  # the link is the credential; no account needed
    start = anonymous.post(base + "uploads/", data=json.dumps(
        {"name": "t.mp4", "size": 1000, "type": "video/mp4", "fingerprint": "x"}), content_type="application/json")
    assert start.status_code == 200 and TalkVideo.objects.get(pk=start.json()["video"]).invite == invite
    assert anonymous.post(base + "paper/").status_code == 404  # invited talks have no paper to upload
    # Another talk's objects are not reachable through the link.
    assert anonymous.get(base + f"videos/{stocked['ready'].pk}/watch").status_code == 404
    assert anonymous.get(base + f"papers/{stocked['paper'].pk}/paper.pdf").status_code == 404
    for token in (stocked["revoked"].token, invite.token[:-2] + "xx", "garbage"):
        assert anonymous.get(reverse("videos:invite:talk", kwargs={"token": token})).status_code == 404
    invite_revoke(invite=invite, by=world.organizer)
    assert anonymous.get(base).status_code == 404
    status_url = base + f"uploads/{start.json()['video']}/"
    assert anonymous.get(status_url).status_code == 404  # a revoked link stops working mid-upload too


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_organizer_pages(stocked, role):
    client = client_for(stocked, role)
    world = stocked["world"]
    overview = client.get(reverse("organizer:media", kwargs={"edition": world.edition.slug}))
    action = client.post(reverse("organizer:media-action", kwargs={"edition": world.edition.slug,
                                                                    "uid": stocked["talk"].uid}),
                         {"action": "publish-video", "video": stocked["ready"].pk})
    if role == "anonymous":
        assert is_login_redirect(overview) and is_login_redirect(action)
    elif role == "organizer":
        assert overview.status_code == 200 and action.status_code == 302
    else:
        assert overview.status_code == 403 and action.status_code == 403
    assert TalkVideo.objects.get(pk=stocked["ready"].pk).is_published == (role == "organizer")


@pytest.mark.django_db
def test_my_talks_lists_what_a_speaker_presents(stocked):
    mine = reverse("videos:mine")
    assert is_login_redirect(Client().get(mine))
    for role, listed in (("tony", True), ("ann", True), ("bob", True), ("stranger", False)):
        page = client_for(stocked, role).get(mine).content.decode()
        assert (stocked["talk"].title in page) == listed, role


@pytest.mark.django_db
def test_local_part_urls_expire(stocked, settings, time_machine):
    time_machine.move_to(timezone.now())
    client = client_for(stocked, "tony")
    session = client.post(speaker_url(stocked, "upload-start"), data=json.dumps(
        {"name": "t.mp4", "size": 1000, "type": "video/mp4", "fingerprint": "x"}), content_type="application/json")
    url = client.post(session.json()["signUrl"], data=json.dumps({"parts": [1]}),
                      content_type="application/json").json()["urls"]["1"]
    time_machine.shift(datetime.timedelta(seconds=settings.VIDEO_PART_URL_SECONDS + 1))
    expired = Client().generic("PUT", url, data=b"x" * 1000, content_type="application/octet-stream")
    assert expired.status_code == 403 and "expired" in expired.json()["error"]


@pytest.mark.django_db
def test_presigned_links_are_short_lived_unless_published(stocked, s3):
    """On S3, files are reached through presigned URLs: private ones live VIDEO_PRIVATE_URL_SECONDS, published ones
    VIDEO_PUBLIC_URL_SECONDS, part URLs VIDEO_PART_URL_SECONDS with their size signed. (moto checks neither
    signatures nor expiry, so these rules are checked here, in what we sign.)"""
    talk, world = stocked["talk"], stocked["world"]
    video = stocked["ready"]
    default_storage.save(video.playable.name, ContentFile(b"\x00\x00\x00\x18ftypisom" + b"v" * 1000))
    default_storage.save(stocked["paper"].file.name, ContentFile(pdf_with_pages(2)))
    tony = client_for(stocked, "tony")
    watch = tony.get(speaker_url(stocked, "video-watch", video_id=video.pk))
    assert watch.status_code == 302 and watch["Location"].startswith(f"{s3.endpoint}/{s3.name}/videos/")
    assert "X-Amz-Expires=900&" in watch["Location"] and "response-content-type=video%2Fmp4" in watch["Location"]
    fetched = requests.get(watch["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content.startswith(b"\x00\x00\x00\x18ftyp")
    stranger = client_for(stocked, "stranger")
    assert stranger.get(speaker_url(stocked, "video-watch", video_id=video.pk)).status_code == 404
    paper = tony.get(speaker_url(stocked, "paper-file", paper_id=stocked["paper"].pk))
    assert paper.status_code == 302 and "X-Amz-Expires=900&" in paper["Location"]

    public = Client().get(reverse("videos:talk-video", kwargs={"uid": talk.uid}))
    assert public.status_code == 404
    video_publish(video=video, by=world.organizer, at=timezone.now())
    public = Client().get(reverse("videos:talk-video", kwargs={"uid": talk.uid}))
    assert public.status_code == 302 and "X-Amz-Expires=21600&" in public["Location"]

    session = tony.post(speaker_url(stocked, "upload-start"), data=json.dumps(
        {"name": "t.mp4", "size": 6 << 20, "type": "video/mp4", "fingerprint": "x"}), content_type="application/json")
    urls = tony.post(session.json()["signUrl"], data=json.dumps({"parts": [1, 2]}),
                     content_type="application/json").json()["urls"]
    for number, size in (("1", 5 << 20), ("2", 1 << 20)):
        assert "X-Amz-Expires=3600&" in urls[number] and "X-Amz-SignedHeaders=content-length%3Bhost" in urls[number]
        assert f"partNumber={number}" in urls[number], size


def test_the_talk_page_links_the_papers_page_for_its_authors_only(client, media_world):
    """Ann and Bob (authors) are led back to the paper's page; Tony presents but is no author: no link to a 404."""
    talk = media_world.research_talk
    paper_page = reverse("submissions:detail", args=[talk.submission_id])
    for user, linked in ((media_world.ann, True), (media_world.bob, True), (media_world.tony, False)):
        client.force_login(user)
        page = client.get(reverse("videos:speaker:talk", kwargs={"uid": talk.uid}))
        assert page.status_code == 200, user.email
        assert (f'href="{paper_page}"' in page.content.decode()) is linked, user.email
        if linked:
            assert client.get(paper_page).status_code == 200
