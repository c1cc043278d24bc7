"""The author's paper page across the whole life of a paper: its status word at each stage, the decision and
the reviewers' comments only once released (never a reviewer's name or the comments for organizers), and after
acceptance what is due next, with deadlines and links, marked done when done."""
import datetime
import re

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from outbox.kinds import MailKind
from outbox.models import OutboundMail
from program.models import Talk
from review.models import Assignment, Review
from review.services.decisions import decision_stage, decisions_release
from speakers.models import Person
from speakers.views import PROFILE_SALT
from talkmedia.models import FinalPaper, TalkCaptions, TalkVideo

pytestmark = pytest.mark.django_db


def page_of(client, user, paper) -> str:
    client.force_login(user)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def status_line(page: str) -> str:
    found = re.search(r'<p class="status[^"]*">(.*?)</p>', page, re.S)
    assert found, "the page shows no status"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def reviewed(review_world):
    """Alpha reviewed by Rita and Uma, with words for the authors and a private note for the organizers."""
    w = review_world
    for name, words, note in (("rita", "Solid work on embeddings.", "Rita thinks the baseline is weak"),
                              ("uma", "Please compare with prior caches.", "Uma's private remark")):
        assignment = Assignment.objects.create(submission=w["alpha"], reviewer=w["reviewers"][name])
        Review.objects.create(assignment=assignment, score=2, confidence=2, comments_for_authors=words,
                              comments_for_organizers=note)
    return w


def test_the_status_word_follows_the_paper_from_submitted_to_under_review_to_the_released_decision(client,
                                                                                                   reviewed):
    w = reviewed
    gamma = page_of(client, w["carol"], w["gamma"])
    assert status_line(gamma).startswith("Status: Submitted.")

    alpha = page_of(client, w["ann"], w["alpha"])
    assert status_line(alpha).startswith("Status: Under review.")

    # Staged, not released: the author sees no decision and no comments yet.
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decision_stage(submission=w["gamma"], outcome="reject", by=w["organizer"])
    alpha = page_of(client, w["ann"], w["alpha"])
    assert status_line(alpha).startswith("Status: Under review.")
    assert "Solid work" not in alpha and "Decision:" not in alpha and "accepted" not in status_line(alpha).lower()

    decisions_release(edition=w["edition"], by=w["organizer"])
    alpha = page_of(client, w["ann"], w["alpha"])
    assert status_line(alpha).startswith("Status: Accepted.")
    assert "Decision: accepted" in alpha
    assert "Review 1" in alpha and "Solid work on embeddings." in alpha
    assert "Review 2" in alpha and "Please compare with prior caches." in alpha
    for secret in ("Rita", "Uma", "baseline is weak", "private remark"):
        assert secret not in alpha
    gamma = page_of(client, w["carol"], w["gamma"])
    assert status_line(gamma).startswith("Status: Rejected.") and "Decision: rejected" in gamma
    assert "The reviewers left no comments for the authors." in gamma


def test_after_acceptance_the_page_lists_what_is_due_with_deadlines_and_links(client, reviewed):
    w = reviewed
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    talk = Talk.objects.get(submission=w["alpha"])
    talk_page = reverse("videos:speaker:talk", kwargs={"uid": talk.uid})

    page = page_of(client, w["ann"], w["alpha"])
    words = text(page)
    assert "What is due next" in page
    assert f'href="{talk_page}#video"' in page and f'href="{talk_page}#captions"' in page
    assert f'href="{talk_page}#paper"' in page
    assert "To do: Pre-recorded presentation (video) — Missing; until" in words
    assert "Optional: Captions for the video (WebVTT) — None yet (optional); until" in words
    assert "To do: Final paper (camera-ready PDF) — Missing; until" in words
    assert "To do: Your speaker profile: bio, photo, consent to publish — Missing" in words
    assert "AoE (UTC−12)" in words  # the video deadline, in the zone it is stated in
    # The profile link is Ann's own signed link, like the one the presenter mail carries.
    link = re.search(r'href="(http://127\.0\.0\.1:8000/people/profile/[^"]+)"', page).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt=PROFILE_SALT)["person"] == Person.objects.get(email="ann@example.org").pk
    assert client.get(link).status_code == 200
    # The links lead where the work is done, and the talk's page leads back.
    talk_html = client.get(talk_page).content.decode()
    assert f'href="{w["alpha"].get_absolute_url()}"' in talk_html

    # Everything done: each item says so.
    now = timezone.now()
    TalkVideo.objects.create(talk=talk, state=TalkVideo.State.READY, declared_size=10, container="mp4",
                             fingerprint="f", backend=TalkVideo.Backend.LOCAL, part_size=10, part_count=1,
                             started_at=now, last_activity_at=now, uploaded_at=now)
    TalkCaptions.objects.create(talk=talk, file=ContentFile(b"WEBVTT\n", name="c.vtt"), sha256="0" * 64, size=7,
                                cue_count=3, uploaded_at=now)
    FinalPaper.objects.create(talk=talk, submission=w["alpha"], file=ContentFile(b"%PDF-", name="p.pdf"),
                              sha256="1" * 64, size=5, page_count=2, received_at=now)
    client.post(link, {"name": "Ann", "affiliation": "Uni A", "bio": "Ann studies embeddings.", "homepage": "",
                       "publish_consent": "on"})
    words = text(page_of(client, w["ann"], w["alpha"]))
    assert "Done: Pre-recorded presentation (video) — Ready" in words
    assert "Done: Captions for the video (WebVTT) — Given, 3 cues" in words
    assert "Done: Final paper (camera-ready PDF) — Given, 2 pages" in words
    assert "Done: Your speaker profile: bio, photo, consent to publish — Given" in words
    assert "Shown on the program: yes, you agreed" in words


def test_a_rejected_paper_lists_nothing_due_and_offers_no_withdrawal(client, reviewed):
    w = reviewed
    decision_stage(submission=w["alpha"], outcome="reject", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    page = page_of(client, w["ann"], w["alpha"])
    assert "What is due next" not in page
    assert reverse("submissions:withdraw", args=[w["alpha"].pk]) not in page
    response = client.get(reverse("submissions:withdraw", args=[w["alpha"].pk]), follow=True)
    assert "it was not accepted, so there is nothing to withdraw from" in response.content.decode()
    response = client.post(reverse("submissions:withdraw", args=[w["alpha"].pk]), {"confirm": "on"})
    w["alpha"].refresh_from_db()
    assert not w["alpha"].is_withdrawn


def test_an_accepted_paper_may_be_withdrawn_and_the_page_says_the_talk_leaves_the_program(client, reviewed):
    w = reviewed
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    client.force_login(w["ann"])
    confirm = text(client.get(reverse("submissions:withdraw", args=[w["alpha"].pk])).content.decode())
    assert "The paper's talk is taken off the program" in confirm
    assert "This cannot be undone" in confirm
    # Decided: what was reviewed stays what was decided on, even while submissions are still open.
    page = client.get(w["alpha"].get_absolute_url()).content.decode()
    assert reverse("submissions:edit", args=[w["alpha"].pk]) not in page
    edit = client.get(reverse("submissions:edit", args=[w["alpha"].pk]))
    assert edit.status_code == 403
    assert "The decision on this paper is out: it can no longer be changed." in edit.content.decode()


def test_decision_mails_link_the_paper_page_even_from_a_template_without_the_link(client, reviewed):
    w = reviewed
    from review.services.decisions import template_for

    template = template_for(w["edition"], "reject")
    template.body = "Dear {authors}, sorry about {title}.\n"
    template.save()
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decision_stage(submission=w["gamma"], outcome="reject", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    for paper in (w["alpha"], w["gamma"]):
        page = "http://127.0.0.1:8000" + paper.get_absolute_url()
        mails = OutboundMail.objects.filter(kind="decision", object_key=MailKind.DECISION.key(submission=paper.pk))
        assert mails.count() == 2
        for mail in mails:
            assert page in mail.body.split(), mail.body


def test_the_paper_page_costs_the_same_queries_with_one_or_three_reviews(client, review_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = review_world
    names = ["rita", "uma", "colin"]
    counts = []
    for n in (1, 3):
        Assignment.objects.all().delete()
        w["alpha"].conflicts.all().delete()
        for name in names[:n]:
            assignment = Assignment.objects.create(submission=w["alpha"], reviewer=w["reviewers"][name])
            Review.objects.create(assignment=assignment, score=1, confidence=1, comments_for_authors=f"From {n}")
        if n == 1:
            decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
            decisions_release(edition=w["edition"], by=w["organizer"])
        client.force_login(w["ann"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(w["alpha"].get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_video_deadline_extension_shows_on_the_due_items(client, reviewed):
    from submissions.models import DeadlineExtension

    w = reviewed
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    until = timezone.now().replace(microsecond=0) + datetime.timedelta(days=90)
    DeadlineExtension.objects.create(edition=w["edition"], deadline=DeadlineExtension.Deadline.VIDEO,
                                     submission=w["alpha"], until=until)
    page = page_of(client, w["ann"], w["alpha"])
    assert until.strftime("%Y-%m-%dT%H:%M:%SZ") in page  # the machine-readable moment of the extended deadline
    assert Person.objects.filter(email="ann@example.org").exists()


def test_my_papers_lists_each_papers_status_word_in_the_same_queries_for_one_or_three(client, review_world,
                                                                                       make_author):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.review.conftest import submit_paper

    w = review_world
    Assignment.objects.create(submission=w["alpha"], reviewer=w["reviewers"]["rita"])

    def listing() -> tuple[str, int]:
        client.force_login(w["ann"])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("submissions:mine")).content.decode()
        return text(page), len(queries)

    words, one = listing()
    assert "Alpha Embeddings Practice edition Under review" in words
    beta = submit_paper(client, w["edition"], w["ann"], "Beta Vectors", "bob@example.org")
    submit_paper(client, w["edition"], w["ann"], "Delta Graphs", "bob@example.org")
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decision_stage(submission=beta, outcome="reject", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    words, three = listing()
    assert "Alpha Embeddings Practice edition Accepted" in words
    assert "Beta Vectors Practice edition Rejected" in words
    assert "Delta Graphs Practice edition Submitted" in words
    assert one == three
