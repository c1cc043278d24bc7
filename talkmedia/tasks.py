"""Celery tasks of talk media: thin wrappers (ids in) around the services."""
from celery import shared_task

from .services import processing, reminders, uploads


@shared_task(name=processing.PROCESS_TASK, ignore_result=True)
def process_video(video_id: int) -> str:
    # Not acks_late: a conversion may outlast the broker's visibility timeout and would be redelivered.
    # A worker that dies mid-way leaves a stale heartbeat, and the sweep dispatches the video again.
    return processing.video_process(video_id=video_id)


@shared_task(name="videos.sweep", ignore_result=True)
def sweep_videos() -> dict:
    return {
        "aborted_uploads": uploads.uploads_abort_stale(),
        **processing.processing_redispatch_stale(),
    }


@shared_task(name="videos.remind_missing", ignore_result=True)
def send_video_reminders() -> int:
    return reminders.remind_missing_videos()
