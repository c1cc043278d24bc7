"""Organizers invite, assign, reviewers review, organizers decide, preview and release: once."""
import pytest
from django.urls import reverse

from outbox.models import OutboundMail
from program.models import Talk
from review.models import Assignment, Conflict, Decision, Review, Reviewer
from speakers.models import Appearance, Person
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def test_invitation_is_accepted_only_by_the_invited_verified_address(client, open_edition, organizer, make_author):
    client.force_login(organizer)
    url = reverse("organizer:reviewers", args=[open_edition.slug])
    response = client.post(url, {"invite-name": "Rita Reviewer", "invite-email": "Rita@Example.org",
                                 "invite-submit": "1"})
    assert response.status_code == 302
    mail = OutboundMail.objects.get(kind="reviewer-invitation")
    assert mail.recipient == "rita@example.org" and "/review/invitations/" in mail.body
    link = mail.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    client.force_login(make_author("mallory@example.org"))
    refused = client.post(link)
    assert refused.status_code == 403 and b"sent to rita@example.org" in refused.content
    client.force_login(make_author("rita@example.org"))
    assert client.post(link).status_code == 302
    assert Reviewer.objects.get(edition=open_edition).name == "Rita Reviewer"


def test_assign_review_decide_release_exactly_once(client, review_world):
    w = review_world
    alpha, gamma, edition = w["alpha"], w["gamma"], w["edition"]
    client.force_login(w["organizer"])
    paper_url = reverse("organizer:paper", args=[edition.slug, alpha.pk])
    client.post(paper_url, {"assign-reviewers": [w["reviewers"]["rita"].pk], "assign-submit": "1"})
    assert Assignment.objects.filter(submission=alpha, reviewer__user=w["rita"]).exists()

    client.force_login(w["rita"])
    mine = client.get(reverse("review:mine")).content.decode()
    assert "Alpha Embeddings" in mine and "Gamma Caches" not in mine
    response = client.post(reverse("review:paper", args=[alpha.pk]), {
        "score": "2", "confidence": "3", "comments_for_authors": "Clear and useful.",
        "comments_for_organizers": "Accept."})
    assert response.status_code == 302
    assert Review.objects.get().score == 2

    client.force_login(w["organizer"])
    table = client.get(reverse("organizer:table", args=[edition.slug])).content.decode()
    assert "Alpha Embeddings" in table and "1/1" in table and "2.00" in table
    client.post(paper_url, {"decision-outcome": "accept", "decision-program_order": "1", "decision-stage": "1"})
    client.post(reverse("organizer:paper", args=[edition.slug, gamma.pk]),
                {"decision-outcome": "reject", "decision-program_order": "0", "decision-stage": "1"})
    assert Decision.objects.filter(released_at__isnull=True).count() == 2

    preview = client.get(reverse("organizer:preview", args=[edition.slug, alpha.pk])).content.decode()
    assert "accepted" in preview and "Clear and useful." in preview and "bob@example.org" in preview
    assert "Rita" not in preview  # authors never learn who reviewed

    response = client.post(reverse("organizer:release", args=[edition.slug]), follow=True)
    assert "2 decision(s) released; 4 mail(s) queued" in response.content.decode()
    decision_mails = OutboundMail.objects.filter(kind="decision")
    assert sorted(decision_mails.values_list("recipient", flat=True)) == [
        "ann@example.org", "bob@example.org", "carol@example.org", "gwen@example.org"]
    again = client.post(reverse("organizer:release", args=[edition.slug]), follow=True).content.decode()
    assert "Nothing new to release: every decision mail was already sent (4 mail(s))." in again
    assert OutboundMail.objects.filter(kind="decision").count() == 4

    talk = Talk.objects.get(submission=alpha)
    assert talk.session.kind == "qa" and talk.label.startswith("Research paper")
    assert list(talk.appearances.values_list("person__email", flat=True)) == ["ann@example.org", "bob@example.org"]
    assert not Talk.objects.filter(submission=gamma).exists()
    assert OutboundMail.objects.filter(kind="presenter-info").count() == 2
    program = client.get(f"/{edition.slug}/").content.decode()
    assert "Alpha Embeddings" in program and "Gamma Caches" not in program


def test_withdrawing_an_accepted_paper_takes_its_talk_off_the_program(client, review_world):
    from review.services.decisions import decision_stage, decisions_release

    w = review_world
    decision_stage(submission=w["alpha"], outcome=Decision.Outcome.ACCEPT, by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    assert "Alpha Embeddings" in client.get(f"/{w['edition'].slug}/").content.decode()
    client.force_login(w["ann"])
    client.post(reverse("submissions:withdraw", args=[w["alpha"].pk]), {"confirm": "on"})
    assert not Talk.objects.filter(title="Alpha Embeddings").exists()
    assert "Alpha Embeddings" not in client.get(f"/{w['edition'].slug}/").content.decode()


def test_conflicted_reviewer_is_never_assigned(client, review_world):
    w = review_world
    Conflict.objects.create(submission=w["alpha"], reviewer=w["reviewers"]["colin"], declared_by="author")
    client.force_login(w["organizer"])
    response = client.post(reverse("organizer:reviewers", args=[w["edition"].slug]), {
        "bulk-submissions": [w["alpha"].pk, w["gamma"].pk],
        "bulk-reviewers": [w["reviewers"]["colin"].pk], "bulk-submit": "1"}, follow=True)
    page = response.content.decode()
    assert "1 assignment(s) made." in page and "is in conflict with paper" in page
    assert list(Assignment.objects.values_list("submission__title", flat=True)) == ["Gamma Caches"]


def test_an_author_cannot_be_assigned_their_own_paper(review_world):
    from review.services.reviewers import assignment_create
    from submissions.services.errors import SubmissionError

    w = review_world
    ann_reviewer = Reviewer.objects.create(edition=w["edition"], user=w["ann"], name="Ann")
    with pytest.raises(SubmissionError, match="in conflict"):
        assignment_create(submission=w["alpha"], reviewer=ann_reviewer, by=w["organizer"])


def test_authors_declare_conflicts_when_submitting(client, review_world):
    w = review_world
    client.force_login(w["ann"])
    form = client.get(reverse("submissions:edit", args=[w["alpha"].pk])).content.decode()
    assert "Conflicts of interest with reviewers" in form and "Colin" in form
    from tests.submissions.test_author_flow import form_data

    data = form_data(title="Alpha Embeddings")
    data.update({"conflicts": [w["reviewers"]["colin"].pk], "save": "1"})
    assert client.post(reverse("submissions:edit", args=[w["alpha"].pk]), data).status_code == 302
    assert list(w["alpha"].conflicts.values_list("reviewer__name", flat=True)) == ["Colin"]


def test_reviewer_declares_a_conflict_and_loses_the_assignment(client, review_world):
    w = review_world
    Assignment.objects.create(submission=w["alpha"], reviewer=w["reviewers"]["rita"])
    client.force_login(w["rita"])
    client.post(reverse("review:conflict", args=[w["alpha"].pk]))
    assert not Assignment.objects.exists()
    assert Conflict.objects.get().declared_by == "reviewer"
    assert client.get(reverse("review:paper", args=[w["alpha"].pk])).status_code == 404


def test_decision_template_is_edited_and_checked(client, review_world):
    w = review_world
    client.force_login(w["organizer"])
    url = reverse("organizer:template", args=[w["edition"].slug, "accept"])
    bad = client.post(url, {"subject": "Accepted: {titel}", "body": "Hi {authors}"})
    assert bad.status_code == 200 and "Unknown placeholder {titel}" in bad.content.decode()
    good = client.post(url, {"subject": "Accepted: {title}", "body": "Dear {authors}, upload by {video_deadline}."})
    assert good.status_code == 302
    from review.services.decisions import decision_preview, decision_stage

    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    preview = decision_preview(submission=w["alpha"])
    assert preview.subject == "Accepted: Alpha Embeddings"
    assert "Dear Ann, Bob, upload by" in preview.body and "AoE (UTC−12)" in preview.body


def test_presenter_completes_profile_through_the_mailed_link(client, review_world):
    from review.services.decisions import decision_stage, decisions_release

    w = review_world
    decision_stage(submission=w["alpha"], outcome="accept", by=w["organizer"])
    decisions_release(edition=w["edition"], by=w["organizer"])
    mail = OutboundMail.objects.get(kind="presenter-info", recipient="bob@example.org")
    link = mail.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    bob = Person.objects.get(email="bob@example.org")
    assert not bob.publish_consent
    bob.bio = "Draft bio Bob has not agreed to publish."
    bob.save()
    speakers_url = f"/{w['edition'].slug}/speakers/"
    assert "Draft bio Bob" not in client.get(speakers_url).content.decode()
    assert "Draft bio Bob" not in client.get(bob.get_absolute_url()).content.decode()
    response = client.post(link, {"name": "Bob Coauthor", "affiliation": "Lab B, Somewhere",
                                  "bio": "Bob builds caches.", "homepage": "", "publish_consent": "on"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.publish_consent and bob.bio == "Bob builds caches."
    assert "Bob builds caches." in client.get(speakers_url).content.decode()
    assert "Lab B, Somewhere" in client.get(f"/{w['edition'].slug}/").content.decode()
    assert Appearance.objects.get(person=bob).affiliation == "Lab B, Somewhere"
    assert client.get("/not-a-token/").status_code == 404
    assert client.get("/people/profile/forged-token/").status_code == 404


def test_organizer_table_filters_csv_and_zip(client, review_world):
    import csv
    import io
    import zipfile

    w = review_world
    client.force_login(w["organizer"])
    table = client.get(reverse("organizer:table", args=[w["edition"].slug]) + "?q=gamma").content.decode()
    assert "Gamma Caches" in table and "Alpha Embeddings" not in table
    rows = list(csv.reader(io.StringIO(client.get(reverse("organizer:csv", args=[w["edition"].slug]))
                                      .content.decode())))
    assert [r[1] for r in rows[1:]] == ["Alpha Embeddings", "Gamma Caches"]
    response = client.get(reverse("organizer:zip", args=[w["edition"].slug]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert names == [f"paper-{w['alpha'].pk}-alpha-embeddings.pdf", f"paper-{w['gamma'].pk}-gamma-caches.pdf"]
    assert archive.read(names[0]) == w["alpha"].versions.get().file.read()
    assert Submission.objects.count() == 2
