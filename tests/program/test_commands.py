"""The operators' management commands: load_edition, copy_edition, create_practice_edition, ensure_organizer."""
import datetime
import io
import zoneinfo

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from personal_site.identity import ORGANIZERS_GROUP, is_organizer
from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from program.models.dates import AOE_ZONE
from speakers.models import Appearance, Person
from tests.conftest import PERSONAL_2020_FILE

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AOE = zoneinfo.ZoneInfo(AOE_ZONE)
MODELS = (Edition, Session, Talk, Person, Appearance, ImportantDate, CallForParticipation, Topic)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "session_uids": sorted(str(u) for u in Session.objects.values_list("uid", flat=True)),
        "talk_uids": sorted(str(u) for u in Talk.objects.values_list("uid", flat=True)),
    }


# --- load_edition ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_edition_creates_the_2020_program_and_says_so():
    output = run("load_edition", str(PERSONAL_2020_FILE))

    assert "PeRSonAl 2020 loaded: /2020/" in output
    assert "created:" in output
    edition = Edition.objects.get(slug="2020")
    assert edition.is_current
    assert edition.sessions.count() == 5
    assert Talk.objects.filter(session__edition=edition).count() == 7
    assert edition.cfp.topics.count() == 5
    first = edition.sessions.first()
    assert first.start.astimezone(NEW_YORK).time() == datetime.time(12, 0)
    assert first.start == datetime.datetime(2020, 5, 29, 16, 0, tzinfo=datetime.UTC)  # 12:00 EDT


@pytest.mark.django_db
def test_load_edition_twice_changes_nothing():
    run("load_edition", str(PERSONAL_2020_FILE))
    before = snapshot()

    output = run("load_edition", str(PERSONAL_2020_FILE))

    assert "already up to date" in output
    assert "created" not in output and "updated" not in output
    assert snapshot() == before


@pytest.mark.django_db
def test_load_edition_reports_what_a_changed_file_updates(tmp_path):
    run("load_edition", str(PERSONAL_2020_FILE))
    uids = snapshot()["talk_uids"]
    changed = tmp_path / "edition.yaml"
    changed.write_text(PERSONAL_2020_FILE.read_text().replace(
        "Thank you for attending the second iteration", "Welcome to the second iteration"
    ))

    output = run("load_edition", str(changed))

    assert "updated: 1 edition" in output
    assert Edition.objects.get(slug="2020").welcome_after_event.startswith("Welcome to the second iteration")
    assert snapshot()["talk_uids"] == uids


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("edition: [unclosed\n", "is not valid YAML"),
        ("people: []\n", "“edition” is missing"),
        ('edition: {slug: "x", name: X, title: X, iteration: 1, date: 2020-05-29}\n'
         "sessions:\n  - {title: Opening, start: noon, end: \"13:00\"}\n", "“noon” is not a time of day"),
        ('edition: {slug: "x", name: X, title: X, iteration: 1, date: 2020-05-29}\n'
         "sessions:\n  - title: Opening\n    start: \"12:00\"\n    end: \"13:00\"\n"
         "    talks: [{title: A talk, presenters: [{person: nobody}]}]\n", "person “nobody” is used but not listed"),
    ],
    ids=["not-yaml", "no-edition", "bad-time", "unknown-person"],
)
def test_load_edition_rejects_a_malformed_file_with_a_clear_error(tmp_path, content, message):
    path = tmp_path / "broken.yaml"
    path.write_text(content)

    with pytest.raises(CommandError) as excinfo:
        run("load_edition", str(path))

    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)
    assert not Edition.objects.exists()  # nothing half-loaded


@pytest.mark.django_db
def test_load_edition_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("load_edition", str(tmp_path / "missing.yaml"))


# --- copy_edition ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("new_date", "first_start_utc"),
    [
        (datetime.date(2021, 5, 28), datetime.datetime(2021, 5, 28, 16, 0, tzinfo=datetime.UTC)),  # still EDT
        (datetime.date(2021, 1, 15), datetime.datetime(2021, 1, 15, 17, 0, tzinfo=datetime.UTC)),  # EST in winter
    ],
    ids=["summer", "across-dst"],
)
def test_copy_edition_copies_the_program_with_dates_shifted(personal_2020, new_date, first_start_utc):
    output = run("copy_edition", "2020", "2021", "--date", new_date.isoformat())

    copy = Edition.objects.get(slug="2021")
    assert "Copied PeRSonAl 2020 to PeRSonAl 2021 (5 sessions, 4 dates): /2021/" in output
    assert copy.title == "PeRSonAl 2021"
    assert copy.date == new_date
    assert not copy.is_current and Edition.objects.get(slug="2020").is_current
    # the same program: sessions, talks, topics and people's roles
    assert list(copy.sessions.values_list("title", flat=True)) == list(
        personal_2020.sessions.values_list("title", flat=True))
    assert list(Talk.objects.filter(session__edition=copy).values_list("title", flat=True)) == list(
        Talk.objects.filter(session__edition=personal_2020).values_list("title", flat=True))
    assert list(copy.cfp.topics.values_list("name", flat=True)) == list(
        personal_2020.cfp.topics.values_list("name", flat=True))

    def roles(edition):
        return sorted(edition.appearances.values_list("person__slug", "role", "affiliation"))

    assert roles(copy) == roles(personal_2020)
    # new rows with new export UIDs, not moved rows
    assert not set(Talk.objects.filter(session__edition=copy).values_list("uid", flat=True)) & set(
        Talk.objects.filter(session__edition=personal_2020).values_list("uid", flat=True))
    # 12:00 local stays 12:00 local, whatever the offset on the new day
    first = copy.sessions.first()
    assert first.start == first_start_utc
    assert [s.start.astimezone(NEW_YORK).time() for s in copy.sessions.all()] == [
        s.start.astimezone(NEW_YORK).time() for s in personal_2020.sessions.all()]
    # deadlines stay 23:59:59 Anywhere on Earth, the same number of days before the event
    shift = new_date - personal_2020.date
    for old in personal_2020.important_dates.filter(is_deadline=True):
        new = copy.important_dates.get(kind=old.kind)
        assert new.zone == AOE_ZONE
        assert new.moment.astimezone(AOE).time() == datetime.time(23, 59, 59)
        assert new.moment.astimezone(AOE).date() == old.moment.astimezone(AOE).date() + shift
    event = copy.important_dates.get(kind="event")
    assert event.moment.astimezone(NEW_YORK) == datetime.datetime.combine(new_date, datetime.time(12), NEW_YORK)


@pytest.mark.django_db
def test_copy_edition_refuses_an_unknown_source_or_a_taken_slug(personal_2020):
    with pytest.raises(CommandError, match="No edition with slug “1999”"):
        run("copy_edition", "1999", "2021", "--date", "2021-05-28")
    with pytest.raises(CommandError, match="An edition with slug “2020” exists already"):
        run("copy_edition", "2020", "2020", "--date", "2021-05-28")


# --- create_practice_edition ----------------------------------------------------------------------


@pytest.mark.django_db
def test_create_practice_edition_opens_a_call_with_a_future_deadline(personal_2020):
    output = run("create_practice_edition")

    practice = Edition.objects.get(slug="practice")
    assert "/practice/" in output
    assert practice.is_practice
    assert not practice.is_current
    assert Edition.objects.get(is_current=True) == personal_2020
    deadline = practice.important_dates.get(kind=ImportantDate.Kind.SUBMISSION_DEADLINE)
    assert deadline.moment > timezone.now()
    assert practice.date > timezone.now().date()
    assert practice.sessions.count() == personal_2020.sessions.count()


@pytest.mark.django_db
def test_create_practice_edition_twice_keeps_one_practice_edition(personal_2020):
    run("create_practice_edition")
    uids = snapshot()["talk_uids"]

    output = run("create_practice_edition")

    assert "up to date" in output
    assert Edition.objects.filter(slug="practice").count() == 1
    assert snapshot()["talk_uids"] == uids


@pytest.mark.django_db
def test_create_practice_edition_needs_a_current_edition():
    with pytest.raises(CommandError, match="no current edition"):
        run("create_practice_edition")


# --- ensure_organizer -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_ensure_organizer_prints_a_login_for_a_staff_organizer():
    output = run("ensure_organizer")

    assert ("Sign in at http://127.0.0.1:8000/accounts/login/ with email “organizer@personal.example.org” "
            "and password “") in output
    assert "the admin at http://127.0.0.1:8000/admin/ takes the user name “organizer”" in output
    password = output.split("password “")[1].split("”")[0]
    user = get_user_model().objects.get(username="organizer")
    assert user.check_password(password)
    # allauth signs in only verified addresses: the organizer's is verified and primary.
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("organizer@personal.example.org", True, True)]
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [ORGANIZERS_GROUP]
    assert is_organizer(user)


@pytest.mark.django_db
def test_ensure_organizer_again_resets_the_password_of_the_same_account():
    run("ensure_organizer", "--password", "first-password-1")

    output = run("ensure_organizer", "--password", "second-password-2", "--url", "https://personal.example.org")

    assert "Organizer account reset. Sign in at https://personal.example.org/accounts/login/" in output
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 1
    user = get_user_model().objects.get()
    assert user.check_password("second-password-2")
    assert is_organizer(user)


@pytest.mark.django_db
def test_ensure_organizer_refuses_an_address_another_account_holds(make_author):
    make_author("ann@example.org")
    with pytest.raises(CommandError, match="ann@example.org belongs to another account"):
        run("ensure_organizer", "--username", "boss", "--email", "ann@example.org")
    assert not get_user_model().objects.filter(username="boss").exists()
