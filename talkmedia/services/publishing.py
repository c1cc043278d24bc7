"""Organizers publish a talk's video and final paper: the program then plays and links them.

Publishing sets ``Talk.video_url`` / ``Talk.paper_url`` to the talk's stable site URLs
(``/talks/<uid>/video``, ``/talks/<uid>/paper``), so the program page, the iCalendar, JSON and frab
exports all link the site, never a presigned URL that expires. Saving the talk clears the public page
cache (program/signals.py).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ..models import FinalPaper, TalkVideo

log = logging.getLogger(__name__)


class PublishError(Exception):
    pass


def stable_url(talk, what: str) -> str:
    """The public address of a talk's video or paper: it never changes, whatever version is published."""
    return settings.SITE_URL + reverse(f"videos:talk-{what}", kwargs={"uid": talk.uid})


def video_publish(*, video: TalkVideo, by, at) -> TalkVideo:
    with transaction.atomic():
        video = TalkVideo.objects.select_for_update().select_related("talk").get(pk=video.pk)
        if video.state != TalkVideo.State.READY:
            raise PublishError(f"Only a ready video can be published; this one is {video.get_state_display().lower()}.")
        if video.is_published:
            return video
        previous = list(TalkVideo.objects.select_for_update().filter(talk=video.talk_id, published_at__isnull=False))
        doomed = []
        for old in previous:
            doomed += [old.original.name, old.playable.name]
        TalkVideo.objects.filter(pk__in=[old.pk for old in previous]).update(
            published_at=None, published_by=None, state=TalkVideo.State.REPLACED,
            reason=f"Replaced on the program by video {video.pk}.",
        )
        video.published_at, video.published_by = at, by
        video.save(update_fields=["published_at", "published_by"])
        talk = video.talk
        talk.video_url = stable_url(talk, "video")
        talk.save(update_fields=["video_url"])
        if doomed:
            from .processing import _delete_quietly

            transaction.on_commit(lambda: _delete_quietly(doomed))
    log.info("videos: video %s published on talk %s by %s", video.pk, video.talk_id, getattr(by, "pk", None))
    return video


def video_unpublish(*, talk, by) -> None:
    with transaction.atomic():
        TalkVideo.objects.filter(talk=talk, published_at__isnull=False).update(published_at=None, published_by=None)
        talk.video_url = ""
        talk.save(update_fields=["video_url"])
    log.info("videos: video of talk %s unpublished by %s", talk.pk, getattr(by, "pk", None))


def paper_publish(*, paper: FinalPaper, by, at) -> FinalPaper:
    with transaction.atomic():
        paper = FinalPaper.objects.select_for_update().select_related("talk").get(pk=paper.pk)
        if paper.is_published:
            return paper
        FinalPaper.objects.filter(talk=paper.talk_id, published_at__isnull=False).update(
            published_at=None, published_by=None,
        )
        paper.published_at, paper.published_by = at, by
        paper.save(update_fields=["published_at", "published_by"])
        talk = paper.talk
        talk.paper_url = stable_url(talk, "paper")
        talk.save(update_fields=["paper_url"])
    log.info("videos: final paper %s published on talk %s", paper.pk, paper.talk_id)
    return paper


def paper_unpublish(*, talk, by) -> None:
    with transaction.atomic():
        FinalPaper.objects.filter(talk=talk, published_at__isnull=False).update(published_at=None, published_by=None)
        talk.paper_url = ""
        talk.save(update_fields=["paper_url"])
    log.info("videos: final paper of talk %s unpublished by %s", talk.pk, getattr(by, "pk", None))
