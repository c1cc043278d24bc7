"""``make run`` for real: ``scripts/run_site.py --prepare`` on a fresh VAR_DIR (SQLite, the filesystem broker, mail
as files), on the port PORT names. The organizer it prints signs in on the site's own sign-in page and lands on
the organizer area, and the links the site writes into mail name that port."""
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.support.site_processes import REPO, free_port

# Variables that would point the run at the test session's services instead of its own defaults.
DROPPED = ("DATABASE_URL", "REDIS_URL", "CACHE_REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SITE_URL", "SITE_PROFILE",
           "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MEDIA_ROOT", "STATIC_ROOT", "DJANGO_ALLOW_ASYNC_UNSAFE", "PORT")
START_TIMEOUT_SECONDS = 240


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    env.update({"VAR_DIR": str(tmp_path / "var"), "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen([sys.executable, "scripts/run_site.py", "--prepare"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    banner = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                banner.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not banner.wait(START_TIMEOUT_SECONDS):
            pytest.fail("make run printed no banner:\n" + "".join(lines[-60:]))
        yield port, "".join(lines), tmp_path / "var"
    finally:
        process.send_signal(signal.SIGTERM)  # the supervisor stops its children in order
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_on_port_8001_style_prints_an_organizer_who_signs_in_and_mails_name_that_port(make_run):
    port, output, var_dir = make_run
    site = f"http://127.0.0.1:{port}"
    assert f"Links in mail: {site}" in output
    found = re.search(r"Sign in at (\S+)/accounts/login/ with email “([^”]+)” and password “([^”]+)”", output)
    assert found, output
    assert found.group(1) == site
    email, password = found.group(2), found.group(3)

    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = browser.open(f"{site}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}).encode()
    try:
        browser.open(f"{site}/accounts/login/", data=data, timeout=30)
        pytest.fail("signing in did not redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read().decode()[:2000]
        assert redirect.headers["Location"] == "/organizer/"
    area = browser.open(f"{site}/organizer/", timeout=30).read().decode()
    assert "Organizer area" in area

    # The web process and the worker read the same SITE_URL: a password-reset mail, written to a file by the
    # worker, names this port as the site's address.
    form = browser.open(f"{site}/accounts/password/reset/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email}).encode()
    try:
        browser.open(f"{site}/accounts/password/reset/", data=data, timeout=30)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
    deadline = time.monotonic() + 90
    mails = []
    while time.monotonic() < deadline and not mails:
        mails = [p.read_text() for p in (var_dir / "mail").glob("*.log")] if (var_dir / "mail").exists() else []
        time.sleep(0.5)
    assert mails, "the worker wrote no mail"
    body = mails[0]
    assert "Hello from PeRSonAl tutorial!" in body and f"127.0.0.1:{port}" in body
