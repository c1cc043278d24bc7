"""Fixtures shared by every test package."""
import os
import shutil
from pathlib import Path

import pytest

from tests.services import missing

REPO = Path(__file__).resolve().parent.parent
PERSONAL_2020_FILE = REPO / "program" / "editions" / "personal-2020.yaml"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture
def personal_2020(db):
    """The PeRSonAl 2020 edition, loaded from its data file as the README's run command does."""
    from program.services.loading import edition_load_from_file

    return edition_load_from_file(path=PERSONAL_2020_FILE).edition


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's chromium (never a downloaded browser)."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing("Debian's chromium (/usr/bin/chromium)", "apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
