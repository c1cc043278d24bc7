"""Organizers publish: the program plays the video (captions as a track) and links the paper; the exports link the
site's stable URLs; the overview says who is missing what; upload links go out through the outbox."""
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundMail
from talkmedia.models import FinalPaper, SpeakerInvite, TalkCaptions, TalkVideo
from talkmedia.services.publishing import paper_publish, video_publish, video_unpublish
from tests.submissions.conftest import pdf_with_pages

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.500\nHello.\n"


def ready_video(talk, name="ready.mp4") -> TalkVideo:
    now = timezone.now()
    key = f"videos/test/{talk.uid}/{name}"
    default_storage.save(key, ContentFile(b"\x00\x00\x00\x18ftypisom" + b"v" * 100))
    return TalkVideo.objects.create(
        talk=talk, state="ready", file_name=name, declared_size=112, container="mp4", fingerprint=name,
        backend="local", original=key, playable=key, part_size=5 << 20, part_count=1, started_at=now,
        last_activity_at=now, uploaded_at=now, duration_seconds=3.0,
    )


def final_paper(talk) -> FinalPaper:
    key = f"final-papers/test/{talk.uid}/p.pdf"
    default_storage.save(key, ContentFile(pdf_with_pages(2)))
    return FinalPaper.objects.create(talk=talk, submission=talk.submission, file=key, sha256="0" * 64, size=1,
                                     page_count=2, received_at=timezone.now())


@pytest.mark.django_db
def test_published_media_on_the_program_and_in_the_exports(media_world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # nor the in-process copy of finished pages
    talk, edition = media_world.research_talk, media_world.edition
    program = f"/{edition.slug}/"
    assert "<video" not in Client().get(program).content.decode()

    video = ready_video(talk)
    video_publish(video=video, by=media_world.organizer, at=timezone.now())
    paper_publish(paper=final_paper(talk), by=media_world.organizer, at=timezone.now())
    talk.refresh_from_db()
    assert talk.video_url == f"http://testserver/talks/{talk.uid}/video"
    assert talk.paper_url == f"http://testserver/talks/{talk.uid}/paper"

    page = Client().get(program).content.decode()
    article = page[page.index(f'id="talk-{talk.pk}"'):]
    article = article[:article.index("</article>")]
    assert f'<video controls preload="metadata" playsinline src="/talks/{talk.uid}/video"' in article
    assert "<track" not in article  # no captions yet
    assert f'href="http://testserver/talks/{talk.uid}/paper"' in article

    TalkCaptions.objects.create(talk=talk, file=default_storage.save("captions/c.vtt", ContentFile(VTT)),
                                sha256="0" * 64, size=len(VTT), cue_count=1, uploaded_at=timezone.now())
    page = Client().get(program).content.decode()
    assert f'<track kind="captions" src="/talks/{talk.uid}/captions.vtt" srclang="en" label="English" default>' in page

    exported = json.loads(Client().get(f"/{edition.slug}/program.json").content)
    talks = [t for s in exported["sessions"] for t in s.get("talks", [])]
    mine = next(t for t in talks if t["title"] == talk.title)
    assert (mine["video_url"], mine["paper_url"]) == (talk.video_url, talk.paper_url)
    assert f"/talks/{talk.uid}/video" in Client().get(f"/{edition.slug}/schedule.xml").content.decode()

    video_unpublish(talk=talk, by=media_world.organizer)
    talk.refresh_from_db()
    assert talk.video_url == "" and "<video" not in Client().get(program).content.decode()


@pytest.mark.django_db
def test_the_player_costs_one_query_per_page_whatever_the_number_of_videos(media_world, settings,
                                                                         django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # nor the in-process copy of finished pages
    from program.models import Talk

    program = f"/{media_world.edition.slug}/"
    client = Client()
    client.get(program)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        client.get(program)
    talks = list(Talk.objects.filter(session__edition=media_world.edition))
    video_publish(video=ready_video(talks[0], "a.mp4"), by=None, at=timezone.now())
    with CaptureQueriesContext(connection) as one:
        client.get(program)
    for index, talk in enumerate(talks[1:4]):
        video_publish(video=ready_video(talk, f"v{index}.mp4"), by=None, at=timezone.now())
    with CaptureQueriesContext(connection) as four:
        page = client.get(program).content.decode()
    assert page.count("<video") == 4
    assert len(one) == len(without) + 1 == len(four)


@pytest.mark.django_db
def test_organizer_overview_shows_who_is_missing_what(media_world):
    talk = media_world.research_talk
    organizer = Client()
    organizer.force_login(media_world.organizer)
    url = reverse("organizer:media", kwargs={"edition": media_world.edition.slug})
    page = organizer.get(url).content.decode()
    row = page[page.index(f'id="talk-{talk.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Missing: final paper, video" in row
    ready_video(talk)
    final_paper(talk)
    row = organizer.get(url).content.decode()
    row = row[row.index(f'id="talk-{talk.pk}"'):]
    row = row[:row.index("</tr>")]
    assert not re.search(r"Missing:[^<]*(final paper|video)", row)
    assert re.search(r"Publish<span class=\"visually-hidden\"> the video", row)
    assert re.search(r"Publish<span class=\"visually-hidden\"> the paper", row)
    # Consent comes from Person.publish_consent when the speakers app has it.
    from talkmedia.selectors import CONSENT_FIELD

    if CONSENT_FIELD:
        assert ": yes" in row or ": no" in row


@pytest.mark.django_db
def test_organizer_sends_and_revokes_an_upload_link(media_world):
    talk = media_world.invited_talk
    carole = talk.appearances.get(role="presenter").person
    organizer = Client()
    organizer.force_login(media_world.organizer)
    action = reverse("organizer:media-action", kwargs={"edition": media_world.edition.slug, "uid": talk.uid})
    assert organizer.post(action, {"action": "invite", "person": carole.pk}).status_code == 302
    invite = SpeakerInvite.objects.get()
    mail = OutboundMail.objects.get(kind="video_invite")
    assert mail.state == "queued"  # sent by the outbox's worker after commit
    assert mail.recipient == "carole@example.org" and mail.object_key == f"video-invite:{invite.pk}"
    link = re.search(r"http://testserver(/videos/invite/\S+/)", mail.body).group(1)
    assert f"up to {talk.slot_length_minutes} minutes" in mail.body
    assert Client().get(link).status_code == 200
    assert organizer.post(action, {"action": "revoke", "invite": invite.pk}).status_code == 302
    assert Client().get(link).status_code == 404
