"""Browser tests of the public pages: a live server on a transactional database, Debian's chromium.

The live server runs in another thread of this process, so the data must be committed
(``transactional_db``); each test loads the edition itself from the same data file the README's
run command uses.
"""
import datetime
import os
from pathlib import Path

import pytest

from tests.conftest import PERSONAL_2020_FILE, REPO

# pytest-playwright empties its --output folder (test-results/ by default) when a session starts.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", REPO / "test-results" / "screenshots"))
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _site_url_is_the_live_server(request, settings):
    """Mail sent during a browser test links the live server, as it links SITE_URL in production."""
    if "live_server" in request.fixturenames:
        settings.SITE_URL = request.getfixturevalue("live_server").url


@pytest.fixture
def edition(transactional_db):
    from program.services.loading import edition_load_from_file

    return edition_load_from_file(path=PERSONAL_2020_FILE).edition


@pytest.fixture
def practice(edition):
    """A practice copy held five weeks from today, so its submission deadline is still ahead."""
    from program.services.copying import edition_copy

    return edition_copy(
        source=edition, slug="practice", date=datetime.date.today() + datetime.timedelta(days=35),
        practice=True, title="Practice edition of PeRSonAl (not a real event)",
    )


@pytest.fixture
def browser_problems(page):
    """Console errors and uncaught exceptions, including Content-Security-Policy refusals."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


@pytest.fixture
def broker_handoffs(monkeypatch):
    """Mail ids handed to Celery after commit, recorded instead of published: no worker runs here.

    Without this the live server would publish to the development broker (var/celery) ids that only
    exist in the test database.
    """
    from tests.support.handoffs import record_handoffs

    return record_handoffs(monkeypatch)["outbox.send_batch"]


def screenshot_path(name: str, viewport: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}-{viewport}.png"
