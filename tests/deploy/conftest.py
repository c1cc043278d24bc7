"""Fixtures for the production run: the site's processes on the test database and the test Redis database."""
import pytest

from tests.support.celery_worker import database_url_for_worker


@pytest.fixture
def site_database_url(db):
    """DATABASE_URL of the test database, for processes started by a test (they see committed rows only)."""
    from django.db import connection

    return database_url_for_worker(connection)
