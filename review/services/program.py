"""Accepted papers on the program: a talk in the Q&A session, the authors as presenters."""
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from outbox.kinds import MailKind
from outbox.services import mail_queue
from program.models import Session, Talk
from speakers.models import Appearance, Person
from speakers.views import PROFILE_SALT
from submissions.services.errors import SubmissionError


def qa_session(edition) -> Session:
    session = edition.sessions.filter(kind=Session.Kind.QA).order_by("start").first()
    if session is None:
        raise SubmissionError(f"{edition.title} has no Q&A session for accepted papers; add one in the admin first.")
    return session


def _person_for(author) -> Person:
    person = Person.objects.filter(email__iexact=author.email).first()
    if person:
        return person
    base = slugify(author.name)[:180] or "speaker"
    slug, n = base, 1
    while Person.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    # Bio and photo appear only once the person has given them and agreed to publish them.
    return Person.objects.create(name=author.name, slug=slug, email=author.email, publish_consent=False)


def profile_link(person: Person) -> str:
    token = signing.dumps({"person": person.pk}, salt=PROFILE_SALT)
    return settings.SITE_URL + reverse("speakers:profile", args=[token])


def talk_for_accepted_paper(*, decision, by) -> Talk:
    """Create (once) the talk of an accepted paper, and ask each presenter for bio, photo and consent."""
    submission = decision.submission
    existing = Talk.objects.filter(submission=submission).first()
    if existing:
        return existing
    session = qa_session(submission.edition)
    cfp = getattr(submission.edition, "cfp", None)
    with transaction.atomic():
        position = session.talks.filter(kind=Talk.Kind.RESEARCH).count() + 1
        talk = Talk.objects.create(
            session=session, kind=Talk.Kind.RESEARCH, label=f"Research paper {position}", title=submission.title,
            abstract=submission.abstract, order=decision.program_order or position,
            slot_minutes=cfp.presentation_minutes if cfp else None, submission=submission,
        )
        for order, author in enumerate(submission.authors.all(), start=1):
            person = _person_for(author)
            Appearance.objects.create(person=person, edition=submission.edition, role=Appearance.Role.PRESENTER,
                                      talk=talk, affiliation=author.affiliation, order=order)
            kind = MailKind.PRESENTER_INFO
            mail_queue(kind=kind, object_key=kind.key(talk=talk.pk, person=person.pk), recipients=[author.email],
                       context={"author": author, "submission": submission, "edition": submission.edition,
                                "profile_link": profile_link(person)},
                       triggered_by=by)
    return talk


def talk_remove_for_withdrawn(*, submission) -> int:
    """Withdrawing an accepted paper takes its talk off the program."""
    deleted, _ = Talk.objects.filter(submission=submission).delete()
    return deleted
