"""What an accepted paper's authors still upload, as the papers app's page lists it: the pre-recorded
video, captions (optional) and the final paper, each with the talk's media deadline and a link to the
talk's media page where it is done."""
from django.urls import reverse

from program.models import Talk
from submissions.lifecycle import DueItem

from .models import TalkVideo
from .rules import talk_media_deadline
from .selectors import VISIBLE_STATES

VIDEO_POSITION, CAPTIONS_POSITION, PAPER_POSITION = 10, 20, 30


def _video_state(videos: list[TalkVideo]) -> tuple[bool, str]:
    if any(v.state == TalkVideo.State.READY for v in videos):
        published = any(v.is_published for v in videos)
        return True, "Ready and published" if published else "Ready (organizers publish it with the program)"
    if not videos:
        return False, "Missing"
    latest = videos[0]
    if latest.state == TalkVideo.State.PROCESSING:
        return False, "Uploaded, being checked: you will get an email"
    if latest.state == TalkVideo.State.UPLOADING:
        return False, "Upload not finished: choose the same file again to continue"
    reason = f": {latest.reason}" if latest.reason else ""
    return False, f"{latest.get_state_display()}{reason}. Please upload another video"


def media_items(submission) -> list[DueItem]:
    talk = Talk.objects.filter(submission=submission).select_related("session__edition", "submission").first()
    if talk is None:
        return []
    deadline = talk_media_deadline(talk)
    page = reverse("videos:speaker:talk", kwargs={"uid": talk.uid})
    videos = list(talk.videos.filter(state__in=VISIBLE_STATES).order_by("-started_at", "-id"))
    video_done, video_state = _video_state(videos)
    captions = talk.video_captions.order_by("-uploaded_at", "-id").first()
    paper = talk.final_papers.order_by("-received_at", "-id").first()
    return [
        DueItem(position=VIDEO_POSITION, what="Pre-recorded presentation (video)", url=page + "#video",
                done=video_done, deadline=deadline, state=video_state),
        DueItem(position=CAPTIONS_POSITION, what="Captions for the video (WebVTT)", url=page + "#captions",
                done=captions is not None, deadline=deadline, optional=True,
                state=f"Given, {captions.cue_count} cue{'s' if captions.cue_count != 1 else ''}" if captions
                else "None yet (optional)"),
        DueItem(position=PAPER_POSITION, what="Final paper (camera-ready PDF)", url=page + "#paper",
                done=paper is not None, deadline=deadline,
                state=f"Given, {paper.page_count} page{'s' if paper.page_count != 1 else ''}" if paper else "Missing"),
    ]
