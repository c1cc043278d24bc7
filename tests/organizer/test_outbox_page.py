"""Issue #10: the outbox lists the mails themselves: searchable, filtered, a page at a time, each with its text."""
import re

import pytest
from django.urls import reverse

from outbox.models import OutboundMail

pytestmark = pytest.mark.django_db
State = OutboundMail.State


@pytest.fixture
def mails():
    rows = [OutboundMail.objects.create(kind="receipt", object_key=f"submission-event:{n}",
                                        recipient=f"author{n}@example.org", subject=f"Receipt number {n}",
                                        body=f"Your paper number {n} was received.\nSecond line.", state=State.SENT)
            for n in range(1, 56)]
    failed = OutboundMail.objects.create(kind="decision", object_key="decision:9", recipient="zoe@example.org",
                                         subject="Decision on “Zeta”", body="Dear Zoe,\nAccepted.",
                                         state=State.FAILED, attempts=3, last_error="550 mailbox unavailable")
    return rows, failed


def mail_rows(page: str) -> list[str]:
    table = page.split('id="every-mail"', 1)[1]
    return re.findall(r'<tr id="mail-(\d+)">', table)


def test_the_outbox_lists_every_mail_with_its_facts_and_its_text(client, organizer, mails):
    rows, failed = mails
    client.force_login(organizer)
    page = client.get(reverse("organizer:outbox")).content.decode()
    assert "56 mails; page 1 of 2." in page
    assert mail_rows(page)[0] == str(failed.pk) and len(mail_rows(page)) == 50  # newest first, 50 a page
    row = page.split(f'<tr id="mail-{failed.pk}">', 1)[1].split("</tr>", 1)[0]
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1] == "zoe@example.org" and cells[3] == "decision" and cells[4] == "Failed (permanent)"
    assert cells[5] == "3" and cells[6] == "550 mailbox unavailable" and cells[7].startswith("created ")
    assert re.search(r"<details><summary>Decision on “Zeta”</summary><pre class=\"mail-body\">Dear Zoe,\nAccepted."
                     r"</pre></details>", row)

    older = client.get(reverse("organizer:outbox"), {"page": 2}).content.decode()
    assert len(mail_rows(older)) == 6 and str(rows[0].pk) in mail_rows(older)
    assert "page 2 of 2" in older and 'rel="prev"' in older


def test_search_and_filters_narrow_the_list_and_survive_paging(client, organizer, mails):
    rows, failed = mails
    client.force_login(organizer)
    url = reverse("organizer:outbox")
    by_text = client.get(url, {"q": "ZOE@example"}).content.decode()
    assert mail_rows(by_text) == [str(failed.pk)] and "1 mail matches." in by_text
    by_subject = client.get(url, {"q": "Receipt number 7"}).content.decode()
    assert mail_rows(by_subject) == [str(rows[6].pk)]
    assert mail_rows(client.get(url, {"state": "failed"}).content.decode()) == [str(failed.pk)]
    by_kind = client.get(url, {"kind": "receipt"}).content.decode()
    assert "55 mails match; page 1 of 2." in by_kind and str(failed.pk) not in mail_rows(by_kind)
    assert 'href="?kind=receipt&amp;page=2"' in by_kind  # the filter stays on the next page
    assert '<option value="receipt" selected>' in by_kind
    nothing = client.get(url, {"q": "nobody", "state": "sent"}).content.decode()
    assert mail_rows(nothing) == [] and "No mail matches." in nothing

    wrong = client.get(url, {"state": "lost"}).content.decode()
    assert "“lost” is not a state of a mail; showing every state." in wrong
    assert "56 mails; page 1 of 2." in wrong
    assert 'href="?page=2"' in wrong  # the refused state is not carried to the next page (nor its message)


def test_resend_stays_on_the_outbox(client, organizer, mails):
    _, failed = mails
    client.force_login(organizer)
    page = client.get(reverse("organizer:outbox")).content.decode()
    assert f'action="{reverse("organizer:outbox-resend", args=[failed.pk])}"' in page
    done = client.post(reverse("organizer:outbox-resend", args=[failed.pk]), follow=True).content.decode()
    assert f"Mail {failed.pk} to zoe@example.org queued again as a resend" in done
    assert OutboundMail.objects.filter(resend_of=failed).count() == 1
