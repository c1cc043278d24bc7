"""Read queries behind the talk media pages: a speaker's talks, one talk's media, the organizers' overview."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from personal_site.identity import verified_emails
from program.models import Edition, Talk
from speakers.models import Appearance, Person

from .models import FinalPaper, SpeakerInvite, TalkCaptions, TalkVideo

VISIBLE_STATES = [TalkVideo.State.UPLOADING, TalkVideo.State.PROCESSING, TalkVideo.State.READY,
                  TalkVideo.State.REJECTED, TalkVideo.State.FAILED]


def talks_of_speaker(user) -> QuerySet[Talk]:
    """Talks the user presents (a verified address of a presenter) or whose accepted paper they wrote."""
    if not user.is_authenticated:
        return Talk.objects.none()
    scope = Q(submission__contact=user)
    emails = verified_emails(user)
    for email in emails:  # a person's address may be stored with capitals
        scope |= Q(appearances__role=Appearance.Role.PRESENTER, appearances__person__email__iexact=email)
        scope |= Q(submission__authors__email__iexact=email)
    ids = Talk.objects.filter(scope).exclude(submission__status="withdrawn").values("pk")
    return (
        Talk.objects.filter(pk__in=ids).select_related("session__edition", "submission")
        .prefetch_related(Prefetch("videos", queryset=TalkVideo.objects.filter(state__in=VISIBLE_STATES)))
        .order_by("-session__edition__date", "session__start", "order")
    )


def talk_for_page(*, uid) -> Talk | None:
    return Talk.objects.select_related("session__edition", "submission").filter(uid=uid).first()


@dataclass
class TalkMedia:
    """Everything a talk's media page shows: its videos (newest first), current captions and final papers."""

    talk: Talk
    videos: list[TalkVideo]
    captions: TalkCaptions | None
    papers: list[FinalPaper]
    presenters: list[Appearance]

    @property
    def uploading(self) -> TalkVideo | None:
        return next((v for v in self.videos if v.state == TalkVideo.State.UPLOADING), None)

    @property
    def published_video(self) -> TalkVideo | None:
        return next((v for v in self.videos if v.is_published), None)

    @property
    def latest_paper(self) -> FinalPaper | None:
        return self.papers[0] if self.papers else None


def talk_media(*, talk: Talk) -> TalkMedia:
    return TalkMedia(
        talk=talk,
        videos=list(talk.videos.filter(state__in=VISIBLE_STATES).order_by("-started_at", "-id")[:10]),
        captions=talk.video_captions.order_by("-uploaded_at", "-id").first(),
        papers=list(talk.final_papers.order_by("-received_at", "-id")[:10]),
        presenters=list(talk.appearances.filter(role=Appearance.Role.PRESENTER).select_related("person")),
    )


def video_of_talk(*, talk: Talk, video_id: int) -> TalkVideo | None:
    return TalkVideo.objects.filter(talk=talk, pk=video_id).select_related("talk__session__edition").first()


def published_video(*, uid) -> TalkVideo | None:
    return (TalkVideo.objects.filter(talk__uid=uid, published_at__isnull=False, state=TalkVideo.State.READY)
            .select_related("talk").first())


def published_paper(*, uid) -> FinalPaper | None:
    return FinalPaper.objects.filter(talk__uid=uid, published_at__isnull=False).select_related("talk").first()


def captions_of(*, talk: Talk) -> TalkCaptions | None:
    return talk.video_captions.order_by("-uploaded_at", "-id").first()


def captioned_talk_ids(*, edition_id: int) -> set[int]:
    """Talks of an edition that have captions (one query for a whole program page)."""
    return set(TalkCaptions.objects.filter(talk__session__edition_id=edition_id).values_list("talk_id", flat=True))


# --- The organizers' overview -------------------------------------------------------------------


@dataclass
class OverviewRow:
    talk: Talk
    presenters: list[Appearance]
    videos: list[TalkVideo]
    papers: list[FinalPaper]
    has_captions: bool
    invites: list[SpeakerInvite]
    missing: list[str] = field(default_factory=list)

    @property
    def latest_video(self) -> TalkVideo | None:
        return self.videos[0] if self.videos else None

    @property
    def ready_video(self) -> TalkVideo | None:
        return next((v for v in self.videos if v.state == TalkVideo.State.READY), None)

    @property
    def published_video(self) -> TalkVideo | None:
        return next((v for v in self.videos if v.is_published), None)

    @property
    def latest_paper(self) -> FinalPaper | None:
        return self.papers[0] if self.papers else None

    @property
    def published_paper(self) -> FinalPaper | None:
        return next((p for p in self.papers if p.is_published), None)

    @property
    def needs_paper(self) -> bool:
        return self.talk.submission_id is not None

    @property
    def people_without_bio(self) -> list[Person]:
        return [a.person for a in self.presenters if not a.person.bio.strip()]

    @property
    def active_invites(self) -> list[SpeakerInvite]:
        return [i for i in self.invites if i.is_active]


# Person has no consent field yet: the overview shows the column empty until one exists.
CONSENT_FIELD = next((f.name for f in Person._meta.get_fields() if "consent" in f.name), None)


def media_overview(*, edition: Edition) -> list[OverviewRow]:
    """One row per talk of the edition, in program order, with what is missing: a fixed number of queries."""
    talks = (
        Talk.objects.filter(session__edition=edition).select_related("session", "submission")
        .prefetch_related(
            Prefetch("appearances", queryset=Appearance.objects.filter(role=Appearance.Role.PRESENTER)
                     .select_related("person").order_by("order", "id"), to_attr="presenter_list"),
            Prefetch("videos", queryset=TalkVideo.objects.filter(state__in=VISIBLE_STATES)
                     .order_by("-started_at", "-id"), to_attr="video_list"),
            Prefetch("final_papers", queryset=FinalPaper.objects.order_by("-received_at", "-id"),
                     to_attr="paper_list"),
            Prefetch("video_invites", queryset=SpeakerInvite.objects.order_by("-created_at", "-id"),
                     to_attr="invite_list"),
        )
        .order_by("session__start", "order", "id")
    )
    captioned = captioned_talk_ids(edition_id=edition.pk)
    rows = []
    for talk in talks:
        row = OverviewRow(talk=talk, presenters=talk.presenter_list, videos=talk.video_list, papers=talk.paper_list,
                          has_captions=talk.pk in captioned, invites=talk.invite_list)
        if row.needs_paper and row.latest_paper is None:
            row.missing.append("final paper")
        if row.ready_video is None and row.published_video is None:
            row.missing.append("video")
        if not row.has_captions:
            row.missing.append("captions")
        if row.people_without_bio:
            row.missing.append("bio")
        rows.append(row)
    return rows


@dataclass
class PersonMissing:
    """One presenter and what they still owe: per talk (paper, video, captions) and their own profile."""

    person: Person
    talks: list[tuple[Talk, list[str]]] = field(default_factory=list)
    bio: bool = False


def missing_by_person(rows: list[OverviewRow]) -> list[PersonMissing]:
    """The overview turned around: who is missing what, each presenter once, in program order."""
    people: dict[int, PersonMissing] = {}
    for row in rows:
        talk_items = [item for item in row.missing if item != "bio"]
        for appearance in row.presenters:
            person = appearance.person
            owed = people.get(person.pk) or PersonMissing(person=person)
            if talk_items:
                owed.talks.append((row.talk, talk_items))
            owed.bio = owed.bio or not person.bio.strip()
            if owed.talks or owed.bio:
                people[person.pk] = owed
    return list(people.values())
