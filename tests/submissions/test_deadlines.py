"""The one deadline rule: the deadline second counts, grace is honoured, extensions win, AoE is UTC-12."""
import datetime

import pytest

from program.deadlines import SUBMISSION, closed_message, is_open
from program.models import ImportantDate
from program.models.dates import AOE_ZONE, end_of_day
from submissions.extensions import deadline_for
from submissions.models import DeadlineExtension, Submission, SubmissionAuthor

UTC = datetime.UTC
# PeRSonAl 2020: "Paper submission deadline: May 7, 2020", 23:59:59 Anywhere on Earth = May 8, 11:59:59 UTC.
DEADLINE_UTC = datetime.datetime(2020, 5, 8, 11, 59, 59, tzinfo=UTC)


def test_anywhere_on_earth_is_utc_minus_12():
    assert end_of_day(datetime.date(2020, 5, 7), AOE_ZONE) == DEADLINE_UTC


@pytest.mark.django_db
def test_personal_2020_submission_deadline_is_may_7_aoe(personal_2020):
    deadline = deadline_for(personal_2020, SUBMISSION)
    assert deadline.moment == DEADLINE_UTC
    assert str(deadline) == "May 7, 2020, 23:59:59 AoE (UTC−12)"
    assert not deadline.extended


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arrival", "accepted"),
    [
        (DEADLINE_UTC - datetime.timedelta(seconds=1), True),
        (DEADLINE_UTC, True),  # the deadline second counts …
        (DEADLINE_UTC + datetime.timedelta(microseconds=999_999), True),  # … all of it
        (DEADLINE_UTC + datetime.timedelta(seconds=1), False),
        (DEADLINE_UTC + datetime.timedelta(days=400), False),
    ],
)
def test_deadline_second(personal_2020, arrival, accepted):
    assert is_open(deadline_for(personal_2020, SUBMISSION), at=arrival) is accepted


@pytest.mark.django_db
def test_grace_period_accepts_late_requests_but_is_not_shown(personal_2020, settings):
    settings.DEADLINE_GRACE_SECONDS = 300
    deadline = deadline_for(personal_2020, SUBMISSION)
    assert is_open(deadline, at=DEADLINE_UTC + datetime.timedelta(seconds=299))
    assert is_open(deadline, at=DEADLINE_UTC + datetime.timedelta(seconds=300))
    assert not is_open(deadline, at=DEADLINE_UTC + datetime.timedelta(seconds=301))
    assert "23:59:59" in str(deadline) and "00:04" not in str(deadline)
    assert "23:59:59" in closed_message(deadline)


@pytest.mark.django_db
def test_extension_for_one_submission(personal_2020, django_user_model):
    user = django_user_model.objects.create_user("a", "a@example.org", "x")
    paper = Submission.objects.create(edition=personal_2020, contact=user, title="P")
    other = Submission.objects.create(edition=personal_2020, contact=user, title="Q")
    until = DEADLINE_UTC + datetime.timedelta(days=2)
    DeadlineExtension.objects.create(edition=personal_2020, submission=paper, until=until)
    extended = deadline_for(personal_2020, submission=paper)
    assert extended.moment == until and extended.extended
    assert is_open(extended, at=until) and not is_open(extended, at=until + datetime.timedelta(seconds=1))
    assert deadline_for(personal_2020, submission=other).moment == DEADLINE_UTC


@pytest.mark.django_db
def test_extension_for_one_author_covers_all_their_papers(personal_2020, django_user_model):
    user = django_user_model.objects.create_user("a", "a@example.org", "x")
    papers = [Submission.objects.create(edition=personal_2020, contact=user, title=t) for t in "PQ"]
    for paper in papers:
        SubmissionAuthor.objects.create(submission=paper, order=1, name="Ann", email="ann@example.org")
    until = DEADLINE_UTC + datetime.timedelta(hours=12)
    DeadlineExtension.objects.create(edition=personal_2020, author_email="Ann@Example.org", until=until)
    assert all(deadline_for(personal_2020, submission=p).moment == until for p in papers)
    assert deadline_for(personal_2020, author_emails=("ann@example.org",)).moment == until
    assert deadline_for(personal_2020, author_emails=("bob@example.org",)).moment == DEADLINE_UTC


@pytest.mark.django_db
def test_an_earlier_extension_never_shortens_the_deadline(personal_2020, django_user_model):
    user = django_user_model.objects.create_user("a", "a@example.org", "x")
    paper = Submission.objects.create(edition=personal_2020, contact=user, title="P")
    DeadlineExtension.objects.create(edition=personal_2020, submission=paper,
                                     until=DEADLINE_UTC - datetime.timedelta(days=1))
    assert deadline_for(personal_2020, submission=paper).moment == DEADLINE_UTC


@pytest.mark.django_db
def test_no_deadline_means_closed(personal_2020):
    ImportantDate.objects.filter(edition=personal_2020, kind=SUBMISSION).delete()
    assert not is_open(deadline_for(personal_2020, SUBMISSION), at=DEADLINE_UTC - datetime.timedelta(days=30))
