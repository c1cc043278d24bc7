"""A review world: an open edition, two submitted papers, an organizer, reviewers."""

import pytest
from django.urls import reverse

from review.models import Reviewer
from submissions.models import Submission
from tests.submissions.conftest import pdf_with_pages
from tests.submissions.test_author_flow import form_data, upload


def submit_paper(client, edition, user, title, coauthor, *, pdf=None):
    client.force_login(user)
    data = form_data(title=title, **{"authors-0-email": user.email, "authors-0-name": user.username.title(),
                                     "authors-1-email": coauthor, "authors-1-name": coauthor.split("@")[0].title()})
    data["submit"] = "1"
    data["pdf"] = upload(pdf or pdf_with_pages(2))
    response = client.post(reverse("submissions:new", args=[edition.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    return Submission.objects.get(title=title)


@pytest.fixture
def review_world(client, open_edition, make_author, organizer):
    ann, carol = make_author("ann@example.org"), make_author("carol@example.org")
    alpha = submit_paper(client, open_edition, ann, "Alpha Embeddings", "bob@example.org")
    gamma = submit_paper(client, open_edition, carol, "Gamma Caches", "gwen@example.org")
    rita = make_author("rita@example.org")   # will be assigned to alpha
    uma = make_author("uma@example.org")     # reviewer, never assigned
    colin = make_author("colin@example.org")  # reviewer in conflict with alpha
    reviewers = {u.username: Reviewer.objects.create(edition=open_edition, user=u, name=u.username.title())
                 for u in (rita, uma, colin)}
    return {"edition": open_edition, "ann": ann, "carol": carol, "alpha": alpha, "gamma": gamma,
            "rita": rita, "uma": uma, "colin": colin, "reviewers": reviewers, "organizer": organizer}
