"""Fixtures for the author flows: an open practice edition, verified accounts, papers."""
import datetime
import io

import pikepdf
import pytest
from django.utils import timezone

from program.services.copying import edition_copy


def pdf_with_pages(count: int, size=(612, 792)) -> bytes:
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=size)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def open_edition(personal_2020):
    """A copy of PeRSonAl 2020 whose event is five weeks away, so its call is open."""
    day = timezone.now().date() + datetime.timedelta(days=35)
    return edition_copy(source=personal_2020, slug="practice", date=day, practice=True, title="Practice edition")


@pytest.fixture
def make_author(django_user_model):
    from allauth.account.models import EmailAddress

    def make(email: str, *, verified: bool = True, password: str = "correct-horse-battery-9"):
        user = django_user_model.objects.create_user(username=email.split("@")[0], email=email, password=password)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make
