"""Every mail the site writes comes from its kind's templates, renders without a missing value, and
can be previewed by organizers in the organizer area."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from outbox.compose import compose, template_names
from outbox.kinds import KEY_FORMATS, MailKind
from outbox.models import OutboundMail
from outbox.previews import NOT_TEMPLATED, previewable_kinds, sample_context
from outbox.services import mail_queue


@pytest.fixture
def strict_templates(settings):
    """A template variable that does not resolve shows as MISSING[name] instead of vanishing."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"],
                                                                "string_if_invalid": "MISSING[%s]"}}]


def test_every_kind_has_a_key_format():
    assert set(KEY_FORMATS) == set(MailKind)


def test_every_kind_but_the_organizers_and_allauths_own_has_templates():
    assert set(MailKind) - set(previewable_kinds()) == set(NOT_TEMPLATED)
    from django.template.loader import get_template

    for kind in previewable_kinds():
        names = template_names(kind)
        get_template(names["subject"]), get_template(names["text"])  # raise when missing


@pytest.mark.parametrize("kind", previewable_kinds(), ids=str)
def test_each_kind_renders_completely_from_the_sample(kind, strict_templates):
    mail = compose(kind, sample_context(site_url="https://personal.example.org"))
    assert "MISSING[" not in mail.subject + mail.text, mail.subject + mail.text
    assert mail.subject and "\n" not in mail.subject
    assert len(mail.text.strip()) > 40


def test_queued_mail_takes_its_words_from_the_templates(db, settings):
    kind = MailKind.REVIEWER_INVITATION
    [row] = mail_queue(kind=kind, object_key=kind.key(invitation=1), recipients=["rita@example.org"],
                       context=sample_context(site_url=settings.SITE_URL))
    assert row.subject == "[PeRSonAl 2020 (sample)] Invitation to review"
    assert "Hello Rita Reviewer," in row.body and f"{settings.SITE_URL}/review/invitations/sample/" in row.body
    assert row.html == ""


def test_a_kind_with_an_html_template_sends_both(db, settings, tmp_path):
    html = tmp_path / "mail" / MailKind.REMINDER_DRAFT.value / "body.html"
    html.parent.mkdir(parents=True)
    html.write_text("<p>{{ submission.title }} is still a <strong>draft</strong>.</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    kind = MailKind.REMINDER_DRAFT
    [row] = mail_queue(kind=kind, object_key=kind.key(submission=17), recipients=["ada@example.org"],
                       context=sample_context(site_url=settings.SITE_URL))
    assert "NOT submitted yet" in row.body
    assert row.html == "<p>A Sample Paper on Recommendations is still a <strong>draft</strong>.</p>"
    from outbox.services import build_message

    message = build_message(OutboundMail.objects.get(pk=row.pk)).message()
    assert message.get_content_type() == "multipart/alternative"


def test_organizers_preview_every_kind_from_the_outbox_page(client, organizer):
    client.force_login(organizer)
    outbox = client.get(reverse("organizer:outbox")).content.decode()
    assert reverse("organizer:mail-previews") in outbox
    page = client.get(reverse("organizer:mail-previews")).content.decode()
    for kind in previewable_kinds():
        assert reverse("organizer:mail-preview", args=[kind.value]) in page
        assert escape(kind.label) in page
    one = client.get(reverse("organizer:mail-preview", args=[MailKind.REMINDER_VIDEO.value])).content.decode()
    assert "Your pre-recorded presentation is due May 8, 2020" in one
    assert "mail/reminder-video/body.txt" in one
    assert client.get(reverse("organizer:mail-preview", args=["decision"])).status_code == 404
    assert client.get(reverse("organizer:mail-preview", args=["no-such-kind"])).status_code == 404


def test_the_previews_are_for_organizers_only(client, django_user_model):
    url = reverse("organizer:mail-previews")
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(django_user_model.objects.create_user(username="ann", email="ann@example.org"))
    assert client.get(url).status_code == 404
