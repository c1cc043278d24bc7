"""The organizers' overview: who is missing what (final paper, video, captions, bio, consent), and the
actions on a talk's media: publish and unpublish, send or revoke an upload link, check a video again."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from program.models import Edition, Talk
from speakers.models import Appearance
from talkmedia.models import FinalPaper, SpeakerInvite, TalkVideo
from talkmedia.rules import can_manage_talk_media
from talkmedia.selectors import CONSENT_FIELD, media_overview, missing_by_person
from talkmedia.services import invites, processing, publishing


def _organizer_only(request):
    if not can_manage_talk_media(request.user):
        raise PermissionDenied("Only organizers can see the talks' media.")


@login_required
def overview(request, edition):
    _organizer_only(request)
    edition = get_object_or_404(Edition, slug=edition)
    rows = media_overview(edition=edition)
    return render(request, "organizer/talk_media.html", {
        "edition": edition, "rows": rows, "consent_field": CONSENT_FIELD,
        "missing_count": sum(1 for row in rows if row.missing), "people_missing": missing_by_person(rows),
    })


@login_required
@require_POST
def talk_action(request, edition, uid):
    _organizer_only(request)
    talk = get_object_or_404(Talk.objects.select_related("session__edition"), uid=uid, session__edition__slug=edition)
    action, now = request.POST.get("action", ""), timezone.now()
    back = reverse("organizer:media", kwargs={"edition": edition}) + f"#talk-{talk.pk}"
    try:
        if action == "publish-video":
            video = get_object_or_404(TalkVideo, pk=request.POST.get("video"), talk=talk)
            publishing.video_publish(video=video, by=request.user, at=now)
            messages.success(request, f"The video of “{talk.title}” is published.")
        elif action == "unpublish-video":
            publishing.video_unpublish(talk=talk, by=request.user)
            messages.success(request, f"The video of “{talk.title}” is no longer published.")
        elif action == "publish-paper":
            paper = get_object_or_404(FinalPaper, pk=request.POST.get("paper"), talk=talk)
            publishing.paper_publish(paper=paper, by=request.user, at=now)
            messages.success(request, f"The paper of “{talk.title}” is published.")
        elif action == "unpublish-paper":
            publishing.paper_unpublish(talk=talk, by=request.user)
            messages.success(request, f"The paper of “{talk.title}” is no longer published.")
        elif action == "invite":
            presenter = get_object_or_404(Appearance.objects.select_related("person"), talk=talk,
                                          role=Appearance.Role.PRESENTER, person_id=request.POST.get("person"))
            invite = invites.invite_send(talk=talk, email=presenter.person.email, person=presenter.person,
                                         by=request.user)
            messages.success(request, f"An upload link is on its way to {invite.email}.")
        elif action == "revoke":
            invite = get_object_or_404(SpeakerInvite, pk=request.POST.get("invite"), talk=talk)
            invites.invite_revoke(invite=invite, by=request.user)
            messages.success(request, f"The upload link sent to {invite.email} no longer works.")
        elif action == "retry":
            video = get_object_or_404(TalkVideo, pk=request.POST.get("video"), talk=talk)
            processing.video_retry(video=video)
            messages.success(request, f"The video of “{talk.title}” is being checked again.")
        else:
            messages.error(request, "Unknown action.")
    except (publishing.PublishError, invites.InviteError) as error:
        messages.error(request, str(error))
    return redirect(back)
