"""Every organizer and reviewer URL, for every kind of visitor, with leakable data present.

Asserts what appears (titles, author names, addresses, file names and bytes), not only codes.
"""
import io
import zipfile

import pytest
from django.urls import reverse

from review.models import Assignment, Conflict, Decision

pytestmark = pytest.mark.django_db

AUTHOR_TRACES = ("Ann", "ann@example.org", "Bob", "bob@example.org")


def content(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode("utf-8", "replace")


@pytest.fixture
def world(review_world):
    w = review_world
    Assignment.objects.create(submission=w["alpha"], reviewer=w["reviewers"]["rita"])
    Conflict.objects.create(submission=w["alpha"], reviewer=w["reviewers"]["colin"], declared_by="reviewer")
    Assignment.objects.create(submission=w["gamma"], reviewer=w["reviewers"]["colin"])
    Decision.objects.create(submission=w["alpha"], outcome="accept")
    slug, pk = w["edition"].slug, w["alpha"].pk
    w["organizer_urls"] = [
        reverse("organizer:editions"), reverse("organizer:outbox"), reverse("organizer:table", args=[slug]),
        reverse("organizer:csv", args=[slug]), reverse("organizer:zip", args=[slug]),
        reverse("organizer:paper", args=[slug, pk]), reverse("organizer:reviewers", args=[slug]),
        reverse("organizer:decisions", args=[slug]), reverse("organizer:preview", args=[slug, pk]),
        reverse("organizer:template", args=[slug, "accept"]),
    ]
    w["organizer_posts"] = [reverse("organizer:release", args=[slug]), reverse("organizer:outbox-resend", args=[1])]
    w["alpha_review_urls"] = [reverse("review:paper", args=[pk]), reverse("review:paper-pdf", args=[pk])]
    return w


def test_anonymous_is_sent_to_sign_in_everywhere(client, world):
    for url in world["organizer_urls"] + world["alpha_review_urls"] + [reverse("review:mine")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in world["organizer_posts"] + [reverse("review:conflict", args=[world["alpha"].pk])]:
        assert client.post(url).status_code == 302, url
    assert Decision.objects.get().released_at is None


@pytest.mark.parametrize("who", ["ann", "carol", "rita", "uma", "colin"])
def test_nobody_but_organizers_reaches_the_organizer_area(client, world, who):
    client.force_login(world[who])
    for url in world["organizer_urls"]:
        response = client.get(url)
        assert response.status_code == 404, (who, url)
        assert "Alpha Embeddings" not in content(response) and "ann@example.org" not in content(response)
    for url in world["organizer_posts"]:
        assert client.post(url).status_code == 404
    assert Decision.objects.get().released_at is None


def test_organizer_sees_everything(client, world):
    client.force_login(world["organizer"])
    for url in world["organizer_urls"]:
        response = client.get(url)
        assert response.status_code == 200, url
    table = content(client.get(reverse("organizer:table", args=[world["edition"].slug])))
    assert "Alpha Embeddings" in table and "Ann" in table and "Gamma Caches" in table
    paper = content(client.get(reverse("organizer:paper", args=[world["edition"].slug, world["alpha"].pk])))
    assert "ann@example.org" in paper and "Rita" in paper and "Colin (the reviewer)" in paper


@pytest.mark.parametrize("mode", ["single_blind", "double_blind"])
def test_assigned_reviewer_sees_the_paper_and_authors_only_in_single_blind(client, world, mode):
    world["edition"].review_mode = mode
    world["edition"].save()
    client.force_login(world["rita"])
    listing, page = (content(client.get(u)) for u in (reverse("review:mine"), world["alpha_review_urls"][0]))
    pdf = client.get(world["alpha_review_urls"][1])
    assert "Alpha Embeddings" in listing and "Alpha Embeddings" in page
    assert "Gamma Caches" not in listing
    assert content(pdf).encode("latin-1") == world["alpha"].versions.get().file.read()
    disposition = pdf["Content-Disposition"]
    for text in (listing, page, disposition):
        for trace in AUTHOR_TRACES:
            if mode == "double_blind":
                assert trace not in text, (trace, text[:200])
    if mode == "single_blind":
        assert "Ann" in listing and "Bob" in page
        assert "alpha-embeddings" in disposition
    else:
        assert "hidden (double-blind)" in listing and disposition.endswith(f'paper-{world["alpha"].pk}.pdf"')


def test_reviewer_never_sees_reviewer_names_or_other_reviews(client, world):
    from review.models import Review

    Review.objects.create(assignment=Assignment.objects.get(reviewer__user=world["rita"]), score=2, confidence=2,
                          comments_for_authors="Fine", comments_for_organizers="Secret note for organizers")
    client.force_login(world["colin"])
    mine = content(client.get(reverse("review:mine")))
    assert "Gamma Caches" in mine and "Alpha Embeddings" not in mine
    assert "Secret note" not in content(client.get(reverse("review:paper", args=[world["gamma"].pk])))


@pytest.mark.parametrize("who", ["uma", "colin", "carol", "ann"])
def test_unassigned_conflicted_or_author_cannot_open_the_paper_as_reviewer(client, world, who):
    client.force_login(world[who])
    for url in world["alpha_review_urls"]:
        response = client.get(url)
        assert response.status_code == 404, (who, url)
        assert "Alpha Embeddings" not in content(response)
    assert client.post(reverse("review:paper", args=[world["alpha"].pk]),
                       {"score": "3", "confidence": "3", "comments_for_authors": "x"}).status_code == 404
    listing = content(client.get(reverse("review:mine")))
    assert "Alpha Embeddings" not in listing


def test_conflicted_reviewer_assigned_before_the_conflict_loses_access(client, world):
    Assignment.objects.create(submission=world["alpha"], reviewer=world["reviewers"]["colin"])
    client.force_login(world["colin"])
    assert client.get(world["alpha_review_urls"][0]).status_code == 404
    assert "Alpha Embeddings" not in content(client.get(reverse("review:mine")))


def test_authors_never_learn_who_reviewed(client, world):
    from review.models import Review
    from review.services.decisions import decisions_release

    Review.objects.create(assignment=Assignment.objects.get(reviewer__user=world["rita"]), score=2, confidence=2,
                          comments_for_authors="Solid work.", comments_for_organizers="Rita's private note")
    decisions_release(edition=world["edition"], by=world["organizer"])
    from outbox.models import OutboundMail

    for mail in OutboundMail.objects.filter(kind="decision"):
        assert "Solid work." in mail.body and "Rita" not in mail.body and "private note" not in mail.body
    client.force_login(world["ann"])
    page = content(client.get(world["alpha"].get_absolute_url()))
    assert "Rita" not in page and "private note" not in page


def test_zip_is_for_organizers_and_holds_every_submitted_paper(client, world):
    client.force_login(world["organizer"])
    response = client.get(reverse("organizer:zip", args=[world["edition"].slug]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 2
