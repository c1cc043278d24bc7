"""A speaker uploads a video in a real browser, a real Celery worker checks and converts it, organizers publish
it, and it plays on the program page. With S3 (moto's server on loopback, the bucket set up by our command,
moto's global CORS off so the bucket's own CORS rule decides) and with the embedded defaults (local media).
"""
import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from talkmedia.models import TalkVideo
from talkmedia.services.storage import stored_size
from tests.support.playback import play_video

from .media import big_mkv, long_mp4, not_a_video

pytestmark = [pytest.mark.browser, pytest.mark.services]

WORKER_TIMEOUT_MS = 90_000


def is_part_upload(url: str) -> bool:
    return "partNumber=" in url or "/videos/parts/" in url


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def backend(storage_backend, site):
    """Where parts go: the S3 endpoint (its bucket set up for the site's origin by our command), or the site."""
    if storage_backend is not None:
        report = storage_backend.setup_for(site.url)  # CORS for the site's origin, exposing ETag; lifecycle rule
        assert "ETag is exposed" in report
        return storage_backend.endpoint + "/" + storage_backend.name + "/"
    return site.url + "/videos/parts/"


@pytest.fixture
def problems(page):
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def sign_in(page, site, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}])


def part_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url)
            if request.method == "PUT" and is_part_upload(request.url) else None)
    return seen


def talk_page(site, talk) -> str:
    return site.url + reverse("videos:speaker:talk", kwargs={"uid": talk.uid})


def upload_through_page(page, path) -> None:
    page.get_by_label(re.compile("video file", re.I)).set_input_files(str(path))
    page.get_by_role("button", name="Upload", exact=True).click()


def newest_state(page):
    return page.locator("table.videos tbody tr").first.locator("[data-video-state]")


def test_upload_in_parts_converted_by_a_worker_published_and_played(
    page, site, backend, media_world, celery_worker_redis, problems, tmp_path
):
    video_file = big_mkv(tmp_path / "my talk.mkv")  # H.264/AAC in Matroska: remuxed to MP4 by the worker
    talk = media_world.research_talk
    sign_in(page, site, media_world.tony)
    parts = part_requests(page)
    page.goto(talk_page(site, talk))
    expect(page.get_by_text("At most 30 minutes long.")).to_be_visible()  # the limits, before anything starts
    expect(page.get_by_text(re.compile(r"At most 4\.0.GB"))).to_be_visible()

    upload_through_page(page, video_file)
    expect(page.locator("[data-percent]")).to_have_text("100.0%", timeout=30_000)
    expect(page.locator("[data-detail]")).to_contain_text("part 5 of 5 stored")
    expect(page.locator("[data-message]")).to_contain_text("Upload complete")
    assert len(parts) == 5  # 22 MB in five parts of 5 MiB, each sent once
    assert all(url.startswith(backend) for url in parts), parts

    # The worker checks and remuxes; the page reloads itself with the outcome.
    expect(newest_state(page)).to_have_text("Ready", timeout=WORKER_TIMEOUT_MS)
    video = TalkVideo.objects.get(talk=talk)
    assert (video.conversion, video.video_codec, video.audio_codec) == ("remux", "h264", "aac")
    assert video.playable.name.endswith(".mp4") and stored_size(video.original.name) == video_file.stat().st_size

    organizer = Client()
    organizer.force_login(media_world.organizer)
    publish = organizer.post(reverse("organizer:media-action", kwargs={"edition": media_world.edition.slug,
                                                                         "uid": talk.uid}),
                             {"action": "publish-video", "video": video.pk})
    assert publish.status_code == 302
    talk.refresh_from_db()
    assert talk.video_url == f"{site.url}/talks/{talk.uid}/video"

    page.goto(f"{site.url}/{media_world.edition.slug}/")
    player = page.locator(f"#talk-{talk.pk} video")
    expect(player).to_be_visible()
    state = play_video(page, f"#talk-{talk.pk} video")
    assert state["readyState"] >= 2 and 3.5 < state["duration"] < 4.5 and state["time"] > 0, state
    assert not problems, problems


def test_an_interrupted_upload_continues_after_a_reload_with_the_missing_parts_only(
    page, site, backend, media_world, celery_worker_redis, tmp_path
):
    video_file = big_mkv(tmp_path / "talk.mkv")
    talk = media_world.research_talk
    sign_in(page, site, media_world.tony)
    succeeded: list[str] = []
    page.on("response", lambda r: succeeded.append(r.url) if r.request.method == "PUT" and is_part_upload(r.url)
            and r.status == 200 else None)
    let_through = {"count": 0}

    def network(route):  # the first two parts go through, then the network drops
        if route.request.method == "PUT" and let_through["count"] < 2:
            let_through["count"] += 1
            route.continue_()
        else:
            route.abort("internetdisconnected")

    page.route(is_part_upload, network)
    page.goto(talk_page(site, talk))
    upload_through_page(page, video_file)
    for _ in range(300):
        if len(succeeded) >= 2:
            break
        page.wait_for_timeout(50)
    assert len(succeeded) == 2
    page.reload()  # the tab is reloaded (or closed and opened again): nothing survives in the page
    page.unroute(is_part_upload)  # only now: a retry of the old page must not slip through in between
    parts = part_requests(page)
    upload_through_page(page, video_file)  # the same file chosen again
    expect(page.locator("[data-message]")).to_contain_text(
        "Continuing the unfinished upload: 2 of 5 parts were already stored.")
    expect(page.locator("[data-message]")).to_contain_text("Upload complete", timeout=30_000)
    assert len(parts) == 3  # only the missing parts were sent
    expect(newest_state(page)).to_have_text("Ready", timeout=WORKER_TIMEOUT_MS)
    video = TalkVideo.objects.get(talk=talk)
    assert video.state == "ready" and stored_size(video.original.name) == video_file.stat().st_size


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_a_too_long_video_and_a_non_video_are_rejected_with_their_reasons(
    page, site, backend, media_world, celery_worker_redis, tmp_path
):
    talk = media_world.research_talk
    sign_in(page, site, media_world.tony)
    page.goto(talk_page(site, talk))

    upload_through_page(page, long_mp4(tmp_path / "long.mp4", minutes=32))
    expect(newest_state(page)).to_have_text("Rejected", timeout=WORKER_TIMEOUT_MS)
    expect(page.locator("table.videos tbody tr").first).to_contain_text(
        "The video is 32 min 00 s long; this talk's limit is 30 minutes.")

    upload_through_page(page, not_a_video(tmp_path / "slides.mp4"))
    expect(page.locator("table.videos tbody tr").first.locator("[data-video-reason]")).to_have_text(
        "This is not an MP4, MOV, MKV or WebM video: it looks like a PDF document.", timeout=WORKER_TIMEOUT_MS)

    (tmp_path / "notes.txt").write_text("not a video")
    upload_through_page(page, tmp_path / "notes.txt")  # refused in the page, before any request
    expect(page.locator("[data-message]")).to_contain_text("Only MP4, MOV, MKV, WEBM files are accepted.")
    assert TalkVideo.objects.filter(talk=talk).count() == 2


PROBE_PUT = """async (url) => {
    try {
        const response = await fetch(url, {method: "PUT", body: new Blob(["part"])});
        return response.headers.get("ETag") || "ETag hidden";
    } catch (error) {
        return "blocked";
    }
}"""


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_the_bucket_cors_rule_decides_whether_the_browser_can_upload(page, site, storage_backend):
    """moto's global CORS is off: as on real S3, only the rule our command sets lets the browser PUT and read ETag."""
    client = storage_backend.client()
    upload = client.create_multipart_upload(Bucket=storage_backend.name, Key="probe")["UploadId"]
    url = client.generate_presigned_url("upload_part", HttpMethod="PUT", Params={
        "Bucket": storage_backend.name, "Key": "probe", "UploadId": upload, "PartNumber": 1})
    page.goto(site.url + "/videos/")  # any page of the site: its origin is what CORS judges
    assert page.evaluate(PROBE_PUT, url) == "blocked"
    storage_backend.setup_for(site.url)
    assert re.fullmatch(r'"[0-9a-f]{32}"', page.evaluate(PROBE_PUT, url))
    storage_backend.setup_for("https://elsewhere.example.org")
    assert page.evaluate(PROBE_PUT, url) == "blocked"


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_talk_and_overview_pages_are_accessible(page, site, backend, media_world, problems):
    """axe-core finds no serious or critical violation on the speaker's and the organizers' pages."""
    from axe_playwright_python.sync_playwright import Axe

    def serious():
        results = Axe().run(page).response["violations"]
        return [f"{v['id']}: {v['help']}" for v in results if v["impact"] in ("serious", "critical")]

    sign_in(page, site, media_world.tony)
    page.goto(talk_page(site, media_world.research_talk))
    assert serious() == []
    page.context.clear_cookies()
    sign_in(page, site, media_world.organizer)
    page.goto(site.url + reverse("organizer:media", kwargs={"edition": media_world.edition.slug}))
    assert serious() == []
    assert not problems, problems
