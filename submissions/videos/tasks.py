"""Celery tasks of talk media: thin wrappers (ids in) around the services."""
from celery import shared_task

from .services import processing, uploads


@shared_task(name="videos.process", ignore_result=True)
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
