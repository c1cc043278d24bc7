"""Presenters and chairs are reminded the day before the event (beat, hourly), once each."""
import datetime

from django.utils import timezone

from outbox.kinds import MailKind
from outbox.services import mail_queue
from program.deadlines import reminder_due
from program.models import Edition, ImportantDate
from speakers.models import Appearance


def remind_event(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for edition in Edition.objects.prefetch_related("important_dates"):
        event = next((d for d in edition.important_dates.all() if d.kind == ImportantDate.Kind.EVENT), None)
        if not (event and reminder_due(event.moment, now=now, days_before=1)):  # the 24 hours before it
            continue
        appearances = Appearance.objects.filter(
            edition=edition, role__in=[Appearance.Role.PRESENTER, Appearance.Role.CHAIR],
        ).exclude(person__email="").select_related("person", "talk", "session")
        local = event.moment.astimezone(edition.zone)
        for appearance in appearances:
            kind = MailKind.REMINDER_EVENT
            sent += len(mail_queue(
                kind=kind, object_key=kind.key(edition=edition.pk), recipients=[appearance.person.email],
                context={"person": appearance.person, "edition": edition, "starts": local.replace(tzinfo=None),
                         "zone": local.tzname(), "role": appearance.get_role_display().lower(),
                         "what": appearance.talk.title if appearance.talk_id else appearance.session.title},
            ))
    return sent
