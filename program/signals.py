"""Clear the public page cache whenever anything shown on the program changes."""
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from personal_site.public_cache import program_changed
from program.models import CallForParticipation, Edition, ImportantDate, Session, Talk, Topic
from speakers.models import Appearance, Person

WATCHED = (Edition, Session, Talk, ImportantDate, CallForParticipation, Topic, Person, Appearance)


def _program_changed(**kwargs):
    # Now, and again after commit, so that a page rendered from the old rows between the two
    # moments cannot stay cached.
    program_changed()
    transaction.on_commit(program_changed)


for _model in WATCHED:
    post_save.connect(_program_changed, sender=_model, dispatch_uid=f"program-cache-save-{_model.__name__}")
    post_delete.connect(_program_changed, sender=_model, dispatch_uid=f"program-cache-delete-{_model.__name__}")
