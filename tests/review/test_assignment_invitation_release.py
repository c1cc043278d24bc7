"""Issue #10, the reviewer's and the organizer's journeys: assignment mail, an invitation opened signed out,
and a release that says beforehand how many mails it sends."""
import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from outbox.models import OutboundMail
from review.models import Decision, ReviewerInvitation
from review.services.decisions import decision_stage

pytestmark = pytest.mark.django_db


def bulk_assign(client, w, papers, reviewers):
    return client.post(reverse("organizer:reviewers", args=[w["edition"].slug]), {
        "bulk-submissions": [p.pk for p in papers], "bulk-reviewers": [w["reviewers"][r].pk for r in reviewers],
        "bulk-submit": "1"}, follow=True).content.decode()


def test_one_mail_per_reviewer_lists_the_new_papers_with_links_and_repeating_mails_nobody(client, review_world):
    w = review_world
    alpha, gamma = w["alpha"], w["gamma"]
    client.force_login(w["organizer"])
    page = bulk_assign(client, w, [alpha, gamma], ["rita", "uma"])
    assert "4 assignment(s) made." in page and "Each reviewer gets one mail listing their new papers." in page

    mails = OutboundMail.objects.filter(kind="review-assignment").order_by("recipient")
    assert [m.recipient for m in mails] == ["rita@example.org", "uma@example.org"]
    rita = mails[0]
    assert rita.subject == f"[{w['edition'].title}] 2 papers to review"
    assert "Hello Rita," in rita.body
    assert f"#{alpha.pk} Alpha Embeddings\n{settings.SITE_URL}{reverse('review:paper', args=[alpha.pk])}" in rita.body
    assert f"#{gamma.pk} Gamma Caches\n{settings.SITE_URL}{reverse('review:paper', args=[gamma.pk])}" in rita.body
    assert f"Every paper assigned to you: {settings.SITE_URL}{reverse('review:mine')}" in rita.body

    # The links work for Rita.
    client.force_login(w["rita"])
    link = rita.body.split(settings.SITE_URL, 1)[1].split()[0]
    assert client.get(link).status_code == 200

    # The same action again: nothing new, no mail, and the organizer is told so.
    client.force_login(w["organizer"])
    again = bulk_assign(client, w, [alpha, gamma], ["rita", "uma"])
    assert "0 assignment(s) made." in again and "Rita was already assigned to #" in again
    assert "no mail sent again" in again
    assert OutboundMail.objects.filter(kind="review-assignment").count() == 2

    # One paper more for Rita later: one more mail, naming only the new paper.
    gamma_only = OutboundMail.objects.filter(kind="review-assignment", recipient="rita@example.org")
    delta_page = client.post(reverse("organizer:paper", args=[w["edition"].slug, alpha.pk]),
                             {"assign-reviewers": [w["reviewers"]["colin"].pk], "assign-submit": "1"}, follow=True)
    assert f"Colin is assigned to #{alpha.pk}" in delta_page.content.decode()
    colin = OutboundMail.objects.get(kind="review-assignment", recipient="colin@example.org")
    assert colin.subject == f"[{w['edition'].title}] A paper to review: #{alpha.pk}"
    assert "Gamma Caches" not in colin.body and gamma_only.count() == 1


def test_the_assignment_mail_is_previewed_for_organizers(client, organizer):
    client.force_login(organizer)
    assert reverse("organizer:mail-preview", args=["review-assignment"]) in client.get(
        reverse("organizer:mail-previews")).content.decode()
    page = client.get(reverse("organizer:mail-preview", args=["review-assignment"])).content.decode()
    assert "2 papers to review" in page and f"{settings.SITE_URL}/review/papers/17/" in page


def invite(client, edition, organizer):
    organizer.first_name, organizer.last_name = "Olga", "Organizer"
    organizer.save()
    client.force_login(organizer)
    client.post(reverse("organizer:reviewers", args=[edition.slug]),
                {"invite-name": "Rita Reviewer", "invite-email": "rita@example.org", "invite-submit": "1"})
    client.logout()
    invitation = ReviewerInvitation.objects.get()
    return invitation, reverse("review:accept-invitation", args=[invitation.token])


def test_an_invitation_opened_signed_out_says_what_it_is_and_signs_in_back_to_it(client, open_edition, organizer):
    invitation, link = invite(client, open_edition, organizer)
    response = client.get(link)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Invitation to review for {open_edition.title}" in page
    assert "Olga Organizer, for the organizers of" in page
    assert "<strong>Rita Reviewer</strong> &lt;rita@example.org&gt;" in page
    assert "What accepting means" in page and "You become a reviewer of" in page
    assert f'href="{reverse("account_login")}?next={link}"' in page
    assert f'href="{reverse("account_signup")}?next={link}"' in page
    assert "Accept the invitation" not in page  # nothing to press before signing in

    # The mail says the same: who invites, to what, and what a reviewer does.
    mail = OutboundMail.objects.get(kind="reviewer-invitation")
    assert f"Olga Organizer, for the organizers of {open_edition.title}, invites you to review" in mail.body
    assert "you are told by mail when they do" in mail.body

    # Signing in through that link comes back to the invitation.
    signed_in = client.post(f'{reverse("account_login")}?next={link}', {
        "login": "rita@example.org", "password": "nope"})
    assert signed_in.status_code == 200  # no account yet: the login form answers, the next= stays
    assert f'value="{link}"' in signed_in.content.decode()

    # A signed-out POST goes to the login page and comes back.
    posted = client.post(link)
    assert posted.status_code == 302 and posted["Location"].endswith(f"?next={link}")


def test_signing_in_from_the_invitation_returns_to_it(client, open_edition, organizer, make_author):
    _, link = invite(client, open_edition, organizer)
    make_author("rita@example.org")
    response = client.post(f'{reverse("account_login")}?next={link}', {
        "login": "rita@example.org", "password": "correct-horse-battery-9", "next": link})
    assert response.status_code == 302 and response["Location"] == link
    assert "Accept the invitation" in client.get(link).content.decode()


def test_used_expired_and_unknown_invitations_say_so(client, open_edition, organizer, make_author):
    invitation, link = invite(client, open_edition, organizer)
    unknown = client.get(reverse("review:accept-invitation", args=["00000000-0000-4000-8000-000000000000"]))
    assert unknown.status_code == 404 and "This invitation link is not known" in unknown.content.decode()

    client.force_login(make_author("rita@example.org"))
    assert client.post(link).status_code == 302
    client.force_login(make_author("other@example.org"))
    used = client.get(link)
    assert used.status_code == 410 and "This invitation was accepted already" in used.content.decode()
    client.logout()
    assert "This invitation was accepted already" in client.get(link).content.decode()

    ReviewerInvitation.objects.filter(pk=invitation.pk).update(accepted_at=None, accepted_by=None)
    open_edition.date = datetime.date.today() - datetime.timedelta(days=3)
    open_edition.save()
    expired = client.get(link)
    assert expired.status_code == 410 and "This invitation has expired" in expired.content.decode()
    assert "Sign in" not in expired.content.decode().split("<main", 1)[1]


def test_release_asks_first_and_the_count_is_what_is_queued(client, review_world, make_author):
    w = review_world
    edition = w["edition"]
    decision_stage(submission=w["alpha"], outcome=Decision.Outcome.ACCEPT, by=w["organizer"])
    client.force_login(w["organizer"])
    decisions = client.get(reverse("organizer:decisions", args=[edition.slug])).content.decode()
    assert f'href="{reverse("organizer:release", args=[edition.slug])}"' in decisions

    confirm = client.get(reverse("organizer:release", args=[edition.slug])).content.decode()
    assert "2 decision mails will be sent to 2 authors for 1 paper</strong>; papers without decision: 1." in confirm
    assert "Release and send 2 mails" in confirm
    assert not OutboundMail.objects.filter(kind="decision").exists()  # asking sends nothing

    client.post(reverse("organizer:release", args=[edition.slug]))
    assert OutboundMail.objects.filter(kind="decision").count() == 2

    # Gamma decided later: the page counts only the mails still to go, and that is what goes.
    decision_stage(submission=w["gamma"], outcome=Decision.Outcome.REJECT, by=w["organizer"])
    confirm = client.get(reverse("organizer:release", args=[edition.slug])).content.decode()
    assert "2 decision mails will be sent to 2 authors for 1 paper</strong>; papers without decision: 0." in confirm
    client.post(reverse("organizer:release", args=[edition.slug]))
    assert OutboundMail.objects.filter(kind="decision").count() == 4

    done = client.get(reverse("organizer:release", args=[edition.slug])).content.decode()
    assert "0 decision mails will be sent to 0 authors for 0 papers" in done and "Nothing to release" in done
    again = client.post(reverse("organizer:release", args=[edition.slug]), follow=True).content.decode()
    assert "Nothing new to release" in again
    assert OutboundMail.objects.filter(kind="decision").count() == 4


def test_creating_an_account_from_the_invitation_returns_to_it_after_confirming(client, open_edition, organizer):
    import re

    _, link = invite(client, open_edition, organizer)
    page = client.get(link).content.decode()
    signup = re.search(r'href="([^"]*/signup/\?next=[^"]+)"', page).group(1)
    response = client.post(signup, {"name": "Rita Reviewer", "email": "rita@example.org",
                                    "password1": "a-long-pass-phrase-77", "password2": "a-long-pass-phrase-77",
                                    "next": link})
    assert response.status_code == 302, response.content.decode()[:2000]
    mail = OutboundMail.objects.filter(recipient="rita@example.org", kind__startswith="account-").latest("pk")
    confirm = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mail.body).group(1)
    confirmed = client.post(confirm)
    assert confirmed.status_code == 302 and confirmed["Location"] == link
    accepted = client.post(link, follow=True).content.decode()
    assert f"You are a reviewer of {open_edition.title}." in accepted
