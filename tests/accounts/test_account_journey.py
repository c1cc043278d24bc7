"""Every person finds their way from any page: the account hub (never cached) behind one constant link on
public pages, the same menu in every private page's header, landing after sign-in, and the site's own name
(never "personal_site", never "Hello from !") on the account pages and in account mail."""
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from outbox.models import OutboundMail
from review.models import Reviewer

pytestmark = pytest.mark.django_db

HUB = "/accounts/home/"
PASSWORD = "correct-horse-battery-9"


def links(page: str) -> dict[str, str]:
    """Link text -> address, as a reader of the page sees them."""
    found = {}
    for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page, re.S):
        found[" ".join(re.sub(r"<[^>]+>", "", label).split())] = href
    return found


def menu_of(page: str) -> dict[str, str]:
    block = re.search(r'<ul class="account-menu">(.*?)</ul>', page, re.S)
    assert block, "no account menu on the page"
    return links(block.group(1))


def test_signed_out_the_hub_offers_sign_in_and_sign_up(client):
    response = client.get(HUB)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert menu_of(response.content.decode()) == {"Sign in": "/accounts/login/",
                                                  "Create an account": "/accounts/signup/"}


def test_an_author_sees_papers_talks_addresses_password_and_sign_out(client, make_author):
    client.force_login(make_author("ann@example.org"))
    menu = menu_of(client.get(HUB).content.decode())
    assert menu == {
        "Signed in as ann@example.org": HUB,
        "My papers": reverse("submissions:mine"),
        "My talks": reverse("videos:mine"),
        "Email addresses": reverse("account_email"),
        "Password": reverse("account_change_password"),
        "Sign out": reverse("account_logout"),
    }
    for target in menu.values():
        assert client.get(target).status_code == 200, target


def test_a_reviewer_also_sees_my_reviews(client, make_author, open_edition):
    rita = make_author("rita@example.org")
    Reviewer.objects.create(edition=open_edition, user=rita, name="Rita")
    client.force_login(rita)
    menu = menu_of(client.get(HUB).content.decode())
    assert menu["My reviews"] == reverse("review:mine") and "Organizer area" not in menu


def test_an_organizer_also_sees_the_organizer_area_but_staff_alone_is_not_an_organizer(client, make_author,
                                                                                       organizer):
    client.force_login(organizer)
    assert menu_of(client.get(HUB).content.decode())["Organizer area"] == reverse("organizer:editions")

    staff = make_author("staff@example.org")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert "Organizer area" not in menu_of(client.get(HUB).content.decode())


def test_every_private_page_shows_the_same_menu_in_its_header(client, make_author):
    client.force_login(make_author("ann@example.org"))
    hub = menu_of(client.get(HUB).content.decode())
    for url in (reverse("submissions:mine"), reverse("videos:mine"), reverse("account_email")):
        page = client.get(url).content.decode()
        header = page.split("<main", 1)[0]
        assert menu_of(header) == hub, url


def test_public_pages_carry_one_constant_account_link(client, make_author, personal_2020):
    anonymous = client.get(f"/{personal_2020.slug}/").content.decode()
    header = anonymous.split("<main", 1)[0]
    assert links(header)["Your account"] == HUB
    # The same cached bytes for a signed-in visitor: nothing personal in them.
    client.force_login(make_author("ann@example.org"))
    signed_in = client.get(f"/{personal_2020.slug}/").content.decode()
    assert signed_in == anonymous and "ann@example.org" not in signed_in
    assert links(client.get("/").content.decode().split("<main", 1)[0])["Your account"] == HUB


def test_the_organizer_printed_by_the_setup_command_signs_in_and_lands_on_the_organizer_area(client):
    out = io.StringIO()
    call_command("ensure_organizer", "--url", "http://127.0.0.1:8001", stdout=out)
    printed = out.getvalue()
    assert "Sign in at http://127.0.0.1:8001/accounts/login/ with email “organizer@personal.example.org”" in printed
    password = printed.split("password “")[1].split("”")[0]

    response = client.post("/accounts/login/", {"login": "organizer@personal.example.org", "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("organizer:editions")
    assert client.get(response["Location"]).status_code == 200
    # Run again (make run resets the account): the same address still signs in with the new password.
    client.logout()
    again = io.StringIO()
    call_command("ensure_organizer", stdout=again)
    password = again.getvalue().split("password “")[1].split("”")[0]
    response = client.post("/accounts/login/", {"login": "organizer@personal.example.org", "password": password})
    assert response["Location"] == reverse("organizer:editions")


def test_an_author_lands_on_the_account_hub_after_signing_in(client, make_author):
    make_author("ann@example.org", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "ann@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == HUB


# --- The site's name -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
                                 "/admin/login/"])
def test_account_pages_carry_the_sites_name(client, url):
    page = client.get(url).content.decode()
    assert "personal_site" not in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert settings.SITE_NAME in title


def test_verification_and_password_reset_mails_greet_with_the_sites_name(client, make_author):
    response = client.post("/accounts/signup/", {"email": "new@example.org", "name": "New Person",
                                                 "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    make_author("ann@example.org", password=PASSWORD)
    client.logout()
    response = client.post("/accounts/password/reset/", {"email": "ann@example.org"})
    assert response.status_code == 302

    verification = OutboundMail.objects.get(recipient="new@example.org")
    reset = OutboundMail.objects.get(recipient="ann@example.org")
    assert "/accounts/confirm-email/" in verification.body and "/accounts/password/reset/key/" in reset.body
    for mail in (verification, reset):
        assert mail.subject.startswith(f"[{settings.SITE_NAME}] ")
        assert f"Hello from {settings.SITE_NAME}!" in mail.body
        assert "Hello from !" not in mail.body and "personal_site" not in mail.body + mail.subject
        assert f"Thank you for using {settings.SITE_NAME}!" in mail.body
