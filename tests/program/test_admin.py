"""Organizers edit the program in the Django admin; the public pages follow at once."""
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from program.models import Edition, Session, Talk
from speakers.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, personal_2020, django_user_model):
    call_command("ensure_organizer", "--username", "orga", "--password", "pw-for-tests-123", stdout=io.StringIO())
    assert client.login(username="orga", password="pw-for-tests-123")
    return client


def test_organizer_reaches_every_program_admin_page(organizer_client, personal_2020):
    session = personal_2020.sessions.get(title="Research Talk Q&A Session")
    talk = session.talks.first()
    person = Person.objects.get(slug="udit-gupta")
    urls = [
        reverse("admin:program_edition_changelist"),
        reverse("admin:program_edition_change", args=[personal_2020.pk]),
        reverse("admin:program_edition_copy", args=[personal_2020.pk]),
        reverse("admin:program_session_change", args=[session.pk]),
        reverse("admin:program_talk_change", args=[talk.pk]),
        reverse("admin:speakers_person_changelist") + "?q=Gupta",
        reverse("admin:speakers_person_change", args=[person.pk]),
        reverse("admin:program_callforparticipation_change", args=[personal_2020.cfp.pk]),
        reverse("admin:program_importantdate_changelist"),
    ]
    for url in urls:
        response = organizer_client.get(url)
        assert response.status_code == 200, url
    search = organizer_client.get(reverse("admin:speakers_person_changelist") + "?q=Gupta").content.decode()
    assert "Udit Gupta" in search and "Bilge Acun" not in search
    session_page = organizer_client.get(reverse("admin:program_session_change", args=[session.pk])).content.decode()
    assert "Mixed Dimension Embedding" in session_page  # talks inline in their session
    assert "Bahar Asgari" in session_page  # chairs inline too


def test_a_talk_edited_in_the_admin_shows_on_the_program(organizer_client, personal_2020):
    talk = Talk.objects.get(title__startswith="Time, Context")
    assert "Time, Context and Causality" in organizer_client.get("/").content.decode()  # now cached
    form = {
        "session": talk.session_id, "kind": talk.kind, "label": talk.label, "title": "Causality, Revisited",
        "abstract": talk.abstract, "order": talk.order, "slot_minutes": "", "video_url": "", "paper_url": "",
        "appearances-TOTAL_FORMS": "0", "appearances-INITIAL_FORMS": "0",
        "appearances-MIN_NUM_FORMS": "0", "appearances-MAX_NUM_FORMS": "1000",
    }
    response = organizer_client.post(reverse("admin:program_talk_change", args=[talk.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    organizer_client.logout()
    page = organizer_client.get("/").content.decode()
    assert "Causality, Revisited" in page and "Time, Context and Causality" not in page


def test_copy_an_edition_from_the_admin(organizer_client, personal_2020):
    response = organizer_client.post(
        reverse("admin:program_edition_copy", args=[personal_2020.pk]),
        {"slug": "2021", "title": "PeRSonAl 2021", "date": "2021-05-28"},
    )
    assert response.status_code == 302
    copy = Edition.objects.get(slug="2021")
    assert copy.sessions.count() == 5 and not copy.is_current
    intro = Session.objects.get(edition=copy, title="Introduction to PeRSonAl")
    assert intro.start.astimezone(copy.zone).strftime("%H:%M") == "12:00"
    assert copy.cfp.topics.count() == 5
    assert organizer_client.get("/2021/").status_code == 200


def test_a_chair_added_inline_in_the_admin_joins_the_session(organizer_client, personal_2020):
    from speakers.models import Appearance

    session = personal_2020.sessions.get(title="Research Talk Q&A Session")
    person = Person.objects.create(name="Nadia Newchair", slug="nadia-newchair")
    page = organizer_client.get(reverse("admin:program_session_change", args=[session.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["start_0"], data["start_1"] = session.start.strftime("%Y-%m-%d"), session.start.strftime("%H:%M:%S")
    data["end_0"], data["end_1"] = session.end.strftime("%Y-%m-%d"), session.end.strftime("%H:%M:%S")
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data[f"{fs.prefix}-TOTAL_FORMS"] = str(fs.total_form_count() + (1 if fs.model is Appearance else 0))
        data[f"{fs.prefix}-INITIAL_FORMS"] = str(fs.initial_form_count())
        data[f"{fs.prefix}-MIN_NUM_FORMS"], data[f"{fs.prefix}-MAX_NUM_FORMS"] = "0", "1000"
        for i, sub in enumerate(fs.forms):
            for name in sub.fields:
                value = sub[name].value()
                data[f"{fs.prefix}-{i}-{name}"] = "" if value is None else (value.pk if hasattr(value, "pk") else value)
        if fs.model is Appearance:
            n = fs.total_form_count()
            data.update({f"{fs.prefix}-{n}-person": person.pk, f"{fs.prefix}-{n}-role": "chair",
                         f"{fs.prefix}-{n}-affiliation": "Somewhere U", f"{fs.prefix}-{n}-order": "6"})
    response = organizer_client.post(reverse("admin:program_session_change", args=[session.pk]), data)
    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][1].formset]
    chair = Appearance.objects.get(person=person)
    assert (chair.role, chair.session, chair.edition) == ("chair", session, personal_2020)
    organizer_client.logout()
    assert "Nadia Newchair" in organizer_client.get("/").content.decode()
