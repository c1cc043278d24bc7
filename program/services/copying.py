"""Start the next iteration of an event by copying an edition with new dates."""
import datetime

from django.conf import settings
from django.db import transaction

from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from speakers.models import Appearance


@transaction.atomic
def edition_copy(
    *,
    source: Edition,
    slug: str,
    date: datetime.date,
    title: str | None = None,
    iteration: int | None = None,
    practice: bool = False,
    include_talks: bool = True,
) -> Edition:
    """Copy ``source`` (sessions, talks, call, topics, people's roles, dates) to a new edition on ``date``.

    Every moment moves by the same number of days as the event date, so deadlines keep their
    distance from the event and sessions keep their local time of day. The copy is never current.
    A practice copy takes papers at ``PRACTICE_SUBMISSION_EMAIL``, in its fields and in its call's
    words alike: the source's address is a real organizer's, and mail to it would reach them.
    """
    shift = date - source.date
    submission_email = settings.PRACTICE_SUBMISSION_EMAIL if practice else source.submission_email
    title = title or source.title.replace(str(source.date.year), str(date.year))
    copy = Edition.objects.create(
        slug=slug, name=source.name, title=title, subtitle=source.subtitle,
        iteration=iteration if iteration is not None else source.iteration + (0 if practice else 1),
        date=date, time_zone=source.time_zone, format=source.format, welcome=source.welcome,
        welcome_after_event=source.welcome_after_event,
        overview=source.overview, watch_url="", watch_label=source.watch_label,
        free_and_open=source.free_and_open, submission_email=submission_email,
        is_current=False, is_practice=practice,
    )
    zone = source.zone

    def move(moment: datetime.datetime) -> datetime.datetime:
        # Shift in the event's local calendar, so 12:00 EDT stays 12:00 local across DST changes.
        local = moment.astimezone(zone)
        return datetime.datetime.combine(local.date() + shift, local.time(), tzinfo=zone).astimezone(datetime.UTC)

    for session in source.sessions.prefetch_related("talks__appearances", "appearances"):
        new_session = Session.objects.create(
            edition=copy, title=session.title, kind=session.kind, start=move(session.start),
            end=move(session.end), description=session.description,
        )
        for chair in session.appearances.all():
            Appearance.objects.create(person_id=chair.person_id, edition=copy, role=chair.role,
                                      session=new_session, affiliation=chair.affiliation, order=chair.order)
        if not include_talks:
            continue
        for talk in session.talks.all():
            new_talk = Talk.objects.create(
                session=new_session, kind=talk.kind, label=talk.label, title=talk.title,
                abstract=talk.abstract, order=talk.order, slot_minutes=talk.slot_minutes,
            )
            for presenter in talk.appearances.all():
                Appearance.objects.create(person_id=presenter.person_id, edition=copy, role=presenter.role,
                                          talk=new_talk, affiliation=presenter.affiliation, order=presenter.order)
    for organizer in source.appearances.filter(role=Appearance.Role.ORGANIZER):
        Appearance.objects.create(person_id=organizer.person_id, edition=copy, role=organizer.role,
                                  affiliation=organizer.affiliation, order=organizer.order)
    for important in source.important_dates.all():
        if important.is_deadline:
            # Deadlines keep their stated zone (AoE) and their last-second-of-the-day instant.
            new_moment = important.moment + shift
        else:
            new_moment = move(important.moment)
        ImportantDate.objects.create(edition=copy, kind=important.kind, label=important.label,
                                     moment=new_moment, zone=important.zone,
                                     is_deadline=important.is_deadline, order=important.order)
    cfp = CallForParticipation.objects.filter(edition=source).first()
    if cfp is not None:
        topics = list(cfp.topics.all())
        cfp.pk = None
        cfp.edition = copy
        if practice and source.submission_email:
            cfp.how_to_submit = cfp.how_to_submit.replace(source.submission_email, submission_email)
        cfp.save()
        Topic.objects.bulk_create([Topic(cfp=cfp, name=t.name, order=t.order) for t in topics])
    return copy
