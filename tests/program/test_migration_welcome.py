"""Migration 0004 keeps an existing edition's words: a welcome that thanks attendees (true only after
the event) is moved to ``welcome_after_event``; any other welcome stays where it is."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("program", "0003_edition_review_mode")]
AFTER = [("program", "0004_edition_welcome_after_event")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_thanking_welcome_is_shown_after_the_event_only_and_others_are_kept():
    try:
        Edition = migrate(BEFORE).get_model("program", "Edition")
        Edition.objects.create(slug="thanks", name="T", title="T", iteration=1, date=datetime.date(2020, 5, 29),
                               welcome="Thank you for attending the second iteration.")
        Edition.objects.create(slug="hello", name="H", title="H", iteration=1, date=datetime.date(2021, 5, 29),
                               welcome="Welcome to the third iteration.")

        Edition = migrate(AFTER).get_model("program", "Edition")
        thanks, hello = Edition.objects.get(slug="thanks"), Edition.objects.get(slug="hello")
        assert (thanks.welcome, thanks.welcome_after_event) == ("", "Thank you for attending the second iteration.")
        assert (hello.welcome, hello.welcome_after_event) == ("Welcome to the third iteration.", "")

        Edition = migrate(BEFORE).get_model("program", "Edition")  # and back, nothing lost
        assert Edition.objects.get(slug="thanks").welcome == "Thank you for attending the second iteration."
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
