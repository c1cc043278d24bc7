"""The organizer area's tests use the review world (an open edition, two papers, reviewers, an organizer)."""
import pytest
from django.urls import reverse

from review.models import Decision
from review.services.decisions import decision_stage
from tests.review import conftest as review_fixtures

review_world = review_fixtures.review_world


def organizer_pages(w) -> dict[str, str]:
    """Every page of the organizer area a click can reach, by name (the release page before releasing)."""
    slug, alpha = w["edition"].slug, w["alpha"]
    return {
        "editions": reverse("organizer:editions"),
        "submissions": reverse("organizer:table", args=[slug]),
        "paper": reverse("organizer:paper", args=[slug, alpha.pk]),
        "reviewers": reverse("organizer:reviewers", args=[slug]),
        "decisions": reverse("organizer:decisions", args=[slug]),
        "release": reverse("organizer:release", args=[slug]),
        "decision-preview": reverse("organizer:preview", args=[slug, alpha.pk]),
        "decision-template": reverse("organizer:template", args=[slug, "accept"]),
        "talk-media": reverse("organizer:media", args=[slug]),
        "outbox": reverse("organizer:outbox"),
        "mail-previews": reverse("organizer:mail-previews"),
        "mail-preview": reverse("organizer:mail-preview", args=["review-assignment"]),
    }


@pytest.fixture
def organizer_world(review_world):  # noqa: F811 (the fixture above, used by name)
    """The review world with a staged decision, so every organizer page has something to show."""
    w = review_world
    decision_stage(submission=w["alpha"], outcome=Decision.Outcome.ACCEPT, by=w["organizer"])
    return w
