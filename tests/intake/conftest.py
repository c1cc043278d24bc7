"""Fixtures for the email intake: a private Dovecot (IMAP) on loopback, the editions that take papers by email,
and a worker process that polls the mailbox itself.

The SMTP server and the Celery workers on Redis come from tests/conftest.py and tests/support/; the Dovecot
recipe is the one in /work/shared/notes (checked on this machine): mail as nobody, a 0755 folder under /tmp
(pytest's 0700 tmp_path breaks auth), short socket paths.
"""
import contextlib
import datetime
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from django.utils import timezone

from program.models import ImportantDate
from program.services.copying import edition_copy
from tests.services import missing, require_executable

from .corpus import AUTHSERV_ID, LATE, OVERSIZE_CAP, PAPERS

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
PASSWORD = "secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


USERS = 100  # mailboxes created before the server starts: adding users to a running Dovecot races its re-read


def user_name(number: int) -> str:
    return f"intake{number}@personal.example.org"


class Dovecot:
    """A private Dovecot instance; each test gets its own empty mailbox (a user of its own) with ``mailbox()``."""

    def __init__(self, root: str, port: int, process: subprocess.Popen):
        self.root, self.port, self.process, self.host = root, port, process, "127.0.0.1"
        self._numbers = itertools.count(1)

    def mailbox(self) -> "Mailbox":
        number = next(self._numbers)
        assert number <= USERS, "raise USERS in tests/intake/conftest.py"
        return Mailbox(self, user_name(number))


class Mailbox:
    def __init__(self, server: Dovecot, user: str):
        self.server, self.user, self.password = server, user, PASSWORD

    @contextlib.contextmanager
    def client(self):
        client = imaplib.IMAP4(self.server.host, self.server.port)
        client.login(self.user, self.password)
        try:
            yield client
        finally:
            client.logout()

    def append(self, raw: bytes, *, arrived: datetime.datetime | None = None, folder: str = "INBOX") -> None:
        when = imaplib.Time2Internaldate(arrived or timezone.now())
        with self.client() as client:
            typ, data = client.append(folder, None, when, raw)
            assert typ == "OK", data

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """UID -> FLAGS of every message in the folder."""
        with self.client() as client:
            typ, _ = client.select(folder)
            if typ != "OK":
                return {}
            _typ, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
        result = {}
        for line in data:
            if not line:
                continue
            text = line.decode() if isinstance(line, bytes) else line[0].decode()
            uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
            result[uid] = text.split("FLAGS (")[1].split(")")[0]
        return result

    def settings(self) -> dict:
        return {"INTAKE_IMAP_HOST": self.server.host, "INTAKE_IMAP_PORT": self.server.port,
                "INTAKE_IMAP_TLS": "none", "INTAKE_IMAP_USER": self.user, "INTAKE_IMAP_PASSWORD": self.password,
                "INTAKE_IMAP_FOLDER": "INBOX"}


@pytest.fixture(scope="session")
def dovecot():
    """Debian's dovecot-imapd, started privately on a free loopback port for the session."""
    binary = require_executable("dovecot", "dovecot-imapd")
    root = tempfile.mkdtemp(prefix="dovecot-")
    os.chmod(root, 0o755)
    port = free_port()
    with open(f"{root}/users", "w") as users:
        users.writelines(f"{user_name(n)}:{{PLAIN}}{PASSWORD}\n" for n in range(1, USERS + 1))
    os.mkdir(f"{root}/mail")
    nobody = pwd.getpwnam("nobody")
    os.chown(f"{root}/mail", nobody.pw_uid, nobody.pw_gid)
    with open(f"{root}/dovecot.conf", "w") as conf:
        conf.write(DOVECOT_CONF.format(root=root, port=port))
    process = subprocess.Popen([binary, "-F", "-c", f"{root}/dovecot.conf"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = open(f"{root}/dovecot.log").read() if os.path.exists(f"{root}/dovecot.log") else ""
                    missing(f"a private Dovecot (exit {process.poll()}): {log[-500:]}",
                            "apt-get install -y dovecot-imapd")
                time.sleep(0.01)
        yield Dovecot(root, port, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, settings):
    """A fresh, empty IMAP mailbox, and the intake settings pointing at it."""
    box = dovecot.mailbox()
    for name, value in box.settings().items():
        setattr(settings, name, value)
    return box


@pytest.fixture
def intake_settings(settings):
    settings.INTAKE_AUTHSERV_ID = AUTHSERV_ID
    settings.INTAKE_MAX_MESSAGE_BYTES = OVERSIZE_CAP
    settings.SITE_URL = "https://personal.example.org"
    return settings


@pytest.fixture
def intake_editions(open_edition, personal_2020, intake_settings):  # noqa: F811 - the fixture from submissions
    """The open practice edition takes papers at PAPERS; a second copy at LATE closed an hour ago."""
    open_edition.submission_email = PAPERS
    open_edition.save()
    closing = edition_copy(source=personal_2020, slug="closing", practice=True, title="Closing edition",
                           date=timezone.now().date() + datetime.timedelta(days=9))
    closing.submission_email = LATE
    closing.save()
    ImportantDate.objects.filter(edition=closing, kind=ImportantDate.Kind.SUBMISSION_DEADLINE).update(
        moment=timezone.now() - datetime.timedelta(hours=1))
    return open_edition, closing
