"""Automatic reminders, found in the database by the hourly beat task: each goes once per recipient."""
import datetime

import pytest
from django.utils import timezone

from outbox.models import OutboundMail
from program.models import ImportantDate
from program.services.reminders import remind_event
from review.services.decisions import decision_stage, decisions_release
from speakers.models import Person
from submissions.models import Submission
from submissions.services.reminders import remind_drafts
from talkmedia.services.reminders import remind_missing_videos

pytestmark = pytest.mark.django_db


def moment(edition, kind):
    return ImportantDate.objects.get(edition=edition, kind=kind).moment


def recipients(kind):
    return sorted(OutboundMail.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_drafts_are_reminded_once_before_the_deadline(review_world, make_author):
    w = review_world
    dora = make_author("dora@example.org")
    draft = Submission.objects.create(edition=w["edition"], contact=dora, title="Unfinished")
    draft.authors.create(order=1, name="Dora", email="dora@example.org")
    draft.authors.create(order=2, name="Eli", email="eli@example.org")
    deadline = moment(w["edition"], "submission_deadline")

    assert remind_drafts(now=deadline - datetime.timedelta(days=10)) == 0  # too early
    assert remind_drafts(now=deadline - datetime.timedelta(days=2)) == 2
    assert remind_drafts(now=deadline - datetime.timedelta(days=1)) == 2  # same rows, nothing new
    assert recipients("reminder-draft") == ["dora@example.org", "eli@example.org"]  # submitted papers: none
    assert "is NOT submitted yet" in OutboundMail.objects.filter(kind="reminder-draft").first().body
    assert remind_drafts(now=deadline + datetime.timedelta(seconds=1)) == 0  # too late


def test_accepted_authors_without_a_ready_video_are_reminded_once(review_world):
    from talkmedia.models import TalkVideo

    w = review_world
    for paper in (w["alpha"], w["gamma"]):
        decision_stage(submission=paper, outcome="accept", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    now = timezone.now()
    TalkVideo.objects.create(talk=w["gamma"].talk, state=TalkVideo.State.READY, declared_size=1, container="mp4",
                             fingerprint="x", backend="local", part_size=1, part_count=1, started_at=now,
                             last_activity_at=now)
    video_deadline = moment(w["edition"], "video_deadline")
    remind_missing_videos(now=video_deadline - datetime.timedelta(days=1))
    remind_missing_videos(now=video_deadline - datetime.timedelta(hours=1))
    assert recipients("reminder-video") == ["ann@example.org", "bob@example.org"]  # gamma's video is ready


def test_presenters_and_chairs_with_an_address_are_reminded_the_day_before(review_world):
    w = review_world
    Person.objects.filter(slug__in=["yves-raimond", "bahar-asgari"]).update(email="")
    Person.objects.filter(slug="bilge-acun").update(email="bilge@example.org")
    Person.objects.filter(slug="samuel-hsia").update(email="samuel@example.org")  # chair and presenter
    event = moment(w["edition"], "event")
    remind_event(now=event - datetime.timedelta(days=2))
    assert recipients("reminder-event") == []
    remind_event(now=event - datetime.timedelta(hours=20))
    remind_event(now=event - datetime.timedelta(hours=2))
    assert recipients("reminder-event") == ["bilge@example.org", "samuel@example.org"]
