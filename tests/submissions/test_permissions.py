"""Who sees which paper: every submission URL, with another author's paper present.

Asserts what appears (titles, names, addresses, bytes), not only status codes.
"""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from submissions.models import Submission

from .conftest import pdf_with_pages
from .test_author_flow import form_data, upload

pytestmark = pytest.mark.django_db

ALPHA = "Secret Paper Alpha"
GAMMA = "Hidden Paper Gamma"
ALPHA_PDF = pdf_with_pages(2)


def create_paper(client, edition, user, title, coauthor_email, pdf):
    client.force_login(user)
    data = form_data(title=title, **{"authors-0-email": user.email, "authors-1-email": coauthor_email,
                                     "authors-1-name": coauthor_email.split("@")[0].title()})
    data["submit"] = "1"
    data["pdf"] = upload(pdf)
    response = client.post(reverse("submissions:new", args=[edition.slug]), data)
    assert response.status_code == 302
    client.logout()
    return Submission.objects.get(title=title)


@pytest.fixture
def world(client, open_edition, make_author, django_user_model):
    ann, carol = make_author("ann@example.org"), make_author("carol@example.org")
    bob = make_author("bob@example.org")  # co-author of Alpha, verified
    make_author("dan@example.org", verified=False)
    alpha = create_paper(client, open_edition, ann, ALPHA, "bob@example.org", ALPHA_PDF)
    gamma = create_paper(client, open_edition, carol, GAMMA, "gwen@example.org", pdf_with_pages(1))
    call_command("ensure_organizer", "--username", "orga", "--password", "pw-orga-12345", stdout=io.StringIO())
    organizer = django_user_model.objects.get(username="orga")
    version = alpha.versions.get()
    urls = {
        "detail": alpha.get_absolute_url(),
        "edit": reverse("submissions:edit", args=[alpha.pk]),
        "withdraw": reverse("submissions:withdraw", args=[alpha.pk]),
        "download": reverse("submissions:download", args=[alpha.pk, version.pk]),
        # a version id of Alpha under Gamma's number must not open either
        "download-mismatched": reverse("submissions:download", args=[gamma.pk, version.pk]),
    }
    return {"ann": ann, "bob": bob, "carol": carol, "organizer": organizer, "alpha": alpha, "gamma": gamma,
            "urls": urls, "edition": open_edition}


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def assert_no_trace_of_alpha(response):
    content = body(response)
    assert ALPHA.encode() not in content
    assert b"bob@example.org" not in content and b"ann@example.org" not in content
    assert ALPHA_PDF not in content


PUBLIC_URLS = ["/", "/practice/", "/practice/speakers/", "/practice/call/", "/practice/program.json",
               "/practice/program.ics", "/practice/schedule.xml", "/program.json", "/schedule.xml"]


def test_anonymous_sees_nothing(client, world):
    for name, url in world["urls"].items():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, (name, method)
            assert response["Location"].startswith("/accounts/login/")
            assert_no_trace_of_alpha(response)
    assert client.get(reverse("submissions:mine")).status_code == 302
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert ALPHA.encode() not in response.content and GAMMA.encode() not in response.content


def test_another_author_sees_nothing_of_the_paper(client, world):
    client.force_login(world["carol"])
    for name, url in world["urls"].items():
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"confirm": "on", **form_data(title="Hijack"), "save": "1"})
            assert response.status_code == 404, (name, method)
            assert_no_trace_of_alpha(response)
    mine = client.get(reverse("submissions:mine"))
    assert GAMMA.encode() in mine.content
    assert_no_trace_of_alpha(mine)
    world["alpha"].refresh_from_db()
    assert world["alpha"].title == ALPHA and world["alpha"].status == Submission.Status.SUBMITTED


def test_unverified_holder_of_a_listed_address_sees_nothing(client, world, make_author):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="dan@example.org"))
    world["alpha"].authors.create(order=3, name="Dan", email="dan@example.org")
    for url in (world["urls"]["detail"], world["urls"]["download"]):
        response = client.get(url)
        assert response.status_code == 404
        assert ALPHA.encode() not in body(response)


def test_co_author_sees_and_may_change_the_paper_but_not_the_other(client, world):
    client.force_login(world["bob"])
    detail = client.get(world["urls"]["detail"])
    assert detail.status_code == 200 and ALPHA.encode() in detail.content
    assert client.get(world["urls"]["edit"]).status_code == 200
    download = client.get(world["urls"]["download"])
    assert download.status_code == 200 and body(download) == ALPHA_PDF
    assert client.get(world["urls"]["download-mismatched"]).status_code == 404
    mine = client.get(reverse("submissions:mine"))
    assert ALPHA.encode() in mine.content and GAMMA.encode() not in mine.content
    gamma_page = client.get(world["gamma"].get_absolute_url())
    assert gamma_page.status_code == 404 and GAMMA.encode() not in gamma_page.content


def test_organizer_may_read_but_not_change_an_authors_paper(client, world):
    client.force_login(world["organizer"])
    detail = client.get(world["urls"]["detail"])
    assert detail.status_code == 200 and ALPHA.encode() in detail.content
    download = client.get(world["urls"]["download"])
    assert download.status_code == 200 and body(download) == ALPHA_PDF
    edit = client.post(world["urls"]["edit"], {**form_data(title="Organizer Edit"), "save": "1"})
    assert edit.status_code == 403 and b"Only the authors of this paper can change it." in edit.content
    withdraw = client.post(world["urls"]["withdraw"], {"confirm": "on"})
    assert withdraw.status_code == 302
    world["alpha"].refresh_from_db()
    assert world["alpha"].title == ALPHA and world["alpha"].status == Submission.Status.SUBMITTED
    # organizers' own list holds no author's paper
    mine = client.get(reverse("submissions:mine"))
    assert ALPHA.encode() not in mine.content and GAMMA.encode() not in mine.content
