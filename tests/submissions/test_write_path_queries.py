"""The submission write path's database round trips: a burst of authors submitting at once waits on
each of them (issue #11). Counted per POST, with 1 and 3 authors, so an N+1 shows as a difference."""
import pytest
from django.urls import reverse

from .conftest import pdf_with_pages
from .test_author_flow import form_data, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("authors", [1, 3])
def test_submitting_a_new_paper_takes_a_fixed_number_of_queries(client, make_author, open_edition, authors,
                                                               django_assert_num_queries):
    user = make_author("ann@example.org")
    client.force_login(user)
    data = form_data(**{"authors-TOTAL_FORMS": str(authors)})
    for n in range(authors):
        data.update({f"authors-{n}-name": f"Author {n}", f"authors-{n}-email": f"a{n}@example.org",
                     f"authors-{n}-affiliation": "Uni"})
    data.update({"submit": "1", "pdf": upload(pdf_with_pages(2))})

    # 18 for the session, the edition, the deadline, the rows and the receipt's facts, then the receipts for
    # the account holder and every author: one INSERT of outbox rows in a savepoint (3), however many authors.
    # With one author it was 35 before issue #11, then 24 (a savepoint and an INSERT per receipt).
    with django_assert_num_queries(21):
        response = client.post(reverse("submissions:new", args=[open_edition.slug]), data)

    assert response.status_code == 302


def test_a_paper_whose_only_author_is_the_account_holder_skips_the_receipt_throttle(client, make_author, open_edition,
                                                                                    django_assert_num_queries):
    """Only receipts to other people's addresses are throttled, so nobody needs counting here."""
    user = make_author("ann@example.org")
    client.force_login(user)
    data = form_data(**{"authors-TOTAL_FORMS": "1", "authors-0-email": "ann@example.org"})
    data.update({"submit": "1", "pdf": upload(pdf_with_pages(2))})

    # One receipt (the account holder's) and no count of the hour's receipts to others: 21 - 1.
    with django_assert_num_queries(20):
        response = client.post(reverse("submissions:new", args=[open_edition.slug]), data)

    assert response.status_code == 302
