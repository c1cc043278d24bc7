"""Captions (WebVTT, checked line by line) and final papers (the one PDF check), through the talk page."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from talkmedia.models import FinalPaper, TalkCaptions
from talkmedia.services.captions import CaptionsRejected, check_webvtt
from tests.submissions.conftest import pdf_with_pages


@pytest.mark.parametrize(("text", "cues"), [
    ("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n", 1),
    ("\ufeffWEBVTT - with a title\r\n\r\nNOTE a comment\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.500 align:start\r\n"
     "Hi\r\nthere\r\n\r\n00:00:02.000 --> 00:00:03.000\r\n<v Ann>Bye</v>\r\n", 2),
])
def test_valid_webvtt(text, cues):
    assert check_webvtt(text.encode()) == cues


@pytest.mark.parametrize(("data", "message"), [
    (b"1\n00:00:01,000 --> 00:00:02,000\nHello\n", "A WebVTT file starts with the line “WEBVTT”; this one does not"),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHello\n",
     "Line 3: “00:00:01,000 --> 00:00:02,000” is not a cue timing"),
    (b"WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nBackwards\n", "Line 3: the cue ends before it starts."),
    (b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nB\n\n00:00:01.000 --> 00:00:02.000\nA\n",
     "Line 6: cues must be in time order"),
    (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", "Line 3: the cue has no text."),
    (b"WEBVTT\n", "The file holds no captions (no cue)."),
    (b"WEBVTT\n\n\xff\xfe", "The file is not UTF-8 text"),
    (b"WEBVTT\n" + b"x" * (1024 * 1024), "The captions file is 1024 KB; the limit is 1024 KB."),
])
def test_invalid_webvtt_says_where(data, message):
    with pytest.raises(CaptionsRejected) as rejected:
        check_webvtt(data)
    assert rejected.value.errors[0].startswith(message), rejected.value.errors


@pytest.mark.django_db
def test_a_speaker_adds_captions_and_sees_problems_by_line(client, media_world):
    client.force_login(media_world.tony)
    url = reverse("videos:speaker:captions", kwargs={"uid": media_world.research_talk.uid})
    bad = client.post(url, {"captions": SimpleUploadedFile("c.vtt", b"WEBVTT\n\n00:01 --> 00:02\nHi\n")})
    assert bad.status_code == 400 and "Line 3: “00:01 --&gt; 00:02” is not a cue timing" in bad.content.decode()
    good = client.post(url, {"captions": SimpleUploadedFile("c.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n")})
    assert good.status_code == 302
    captions = TalkCaptions.objects.get()
    talk = media_world.research_talk
    assert captions.cue_count == 1
    assert re.fullmatch(rf"captions/{media_world.edition.slug}/{talk.uid}/[0-9a-f]{{32}}\.vtt", captions.file.name)


@pytest.mark.django_db
def test_final_paper_goes_through_the_pdf_check(client, media_world):
    client.force_login(media_world.ann)
    url = reverse("videos:speaker:paper", kwargs={"uid": media_world.research_talk.uid})
    too_long = client.post(url, {"pdf": SimpleUploadedFile("final.pdf", pdf_with_pages(3), "application/pdf")})
    assert too_long.status_code == 400 and "Your PDF has 3 pages; the limit is 2." in too_long.content.decode()
    not_pdf = client.post(url, {"pdf": SimpleUploadedFile("final.pdf", b"hello", "application/pdf")})
    assert not_pdf.status_code == 400 and not FinalPaper.objects.exists()
    data = pdf_with_pages(2)
    assert client.post(url, {"pdf": SimpleUploadedFile("final.pdf", data, "application/pdf")}).status_code == 302
    paper = FinalPaper.objects.get()
    assert paper.page_count == 2 and paper.submission == media_world.submission and paper.uploaded_by == media_world.ann
    with paper.file.open("rb") as stored:
        assert stored.read() == data  # stored unchanged
