"""Moving models between apps keeps every row: a database filled through the schema as it was before
the apps were cut apart (InboundMessage in submissions, the outbox without HTML) is migrated forward,
and every row is found through the models where they live now."""
import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The schema before the redesign: the last migration of each app as it was then.
BEFORE = [
    ("submissions", "0002_inboundmessage"), ("personal_site", "0001_initial"), ("review", "0001_initial"),
    ("videos", "0001_initial"), ("program", "0003_edition_review_mode"),
    ("speakers", "0002_person_profile_updated_at_person_publish_consent"),
    ("contenttypes", "0002_remove_content_type_name"), ("auth", "0012_alter_user_first_name_max_length"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def fill_the_old_schema(apps) -> dict:
    """Rows as the old code wrote them, through the historical models."""
    User = apps.get_model("auth", "User")
    Edition = apps.get_model("program", "Edition")
    Submission = apps.get_model("submissions", "Submission")
    InboundMessage = apps.get_model("submissions", "InboundMessage")
    OutboundMail = apps.get_model("personal_site", "OutboundMail")
    Reviewer = apps.get_model("review", "Reviewer")
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ann = User.objects.create(username="ann", email="ann@example.org")
    edition = Edition.objects.create(slug="old", name="Old", title="Old edition", iteration=1,
                                     date=datetime.date(2020, 5, 29))
    paper = Submission.objects.create(edition=edition, contact=ann, title="Kept paper")
    now = timezone.now()
    inbound = InboundMessage.objects.create(
        channel="pipe", raw="inbound/2020/05/kept.eml", sha256="a" * 64, size=123, received_at=now,
        from_address="ann@example.org", subject="Our paper", submission=paper, edition=edition, status="accepted",
    )
    duplicate = InboundMessage.objects.create(channel="imap", raw="inbound/2020/05/again.eml", sha256="b" * 64,
                                              size=123, received_at=now, duplicate_of=inbound, status="duplicate")
    mail = OutboundMail.objects.create(kind="receipt", object_key="submission-event:1", recipient="ann@example.org",
                                       subject="Receipt", body="We hold your paper.", state="sent")
    Reviewer.objects.create(edition=edition, user=ann, name="Ann")
    # The intake app did not exist: no content type of its own (the test database was made at the latest schema).
    ContentTypeThen.objects.filter(app_label="intake").delete()
    inbound_type, _ = ContentTypeThen.objects.get_or_create(app_label="submissions", model="inboundmessage")
    permission, _ = Permission.objects.get_or_create(content_type=inbound_type, codename="view_inboundmessage",
                                                     defaults={"name": "Can view inbound email"})
    apps.get_model("auth", "Group").objects.create(name="Mail readers").permissions.add(permission)
    return {"paper": paper.pk, "inbound": inbound.pk, "duplicate": duplicate.pk, "mail": mail.pk,
            "permission": permission.pk}


@pytest.mark.django_db(transaction=True)
def test_a_database_of_the_old_schema_keeps_every_row():
    ids = fill_the_old_schema(migrate(BEFORE))
    migrate(latest())

    from intake.models import InboundMessage
    from outbox.models import OutboundMail
    from review.models import Reviewer
    from submissions.models import Submission

    inbound = InboundMessage.objects.get(pk=ids["inbound"])
    assert (inbound.subject, inbound.from_address, inbound.submission_id) == ("Our paper", "ann@example.org",
                                                                              ids["paper"])
    assert inbound.raw.name == "inbound/2020/05/kept.eml"
    assert InboundMessage.objects.get(pk=ids["duplicate"]).duplicate_of_id == ids["inbound"]
    assert list(Submission.objects.get(pk=ids["paper"]).inbound_messages.values_list("pk", flat=True)) == \
        [ids["inbound"]]
    mail = OutboundMail.objects.get(pk=ids["mail"])
    assert (mail.body, mail.html, mail.state) == ("We hold your paper.", "", "sent")
    assert Reviewer.objects.filter(name="Ann").count() == 1
    # Permissions granted on inbound mail follow the model to its new app.
    moved = ContentType.objects.get_for_model(InboundMessage)
    assert moved.app_label == "intake"
    assert moved.permission_set.filter(pk=ids["permission"], group__name="Mail readers").exists()
    assert not ContentType.objects.filter(app_label="submissions", model="inboundmessage").exists()
