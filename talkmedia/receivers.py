"""The talk media app's answers to the papers app's signals (connected in VideosConfig.ready)."""
from django.dispatch import receiver

from submissions import signals

from .paper_page import media_items


@receiver(signals.paper_due_items)
def talk_media_due(sender, submission, user, **kwargs):
    return media_items(submission)
