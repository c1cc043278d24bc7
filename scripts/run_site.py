#!/usr/bin/env python
"""Run the whole site on this machine: the web server, a Celery worker and Celery beat.

``make run`` calls ``.venv/bin/python scripts/run_site.py --prepare``. With ``--prepare`` it first
migrates the database, loads PeRSonAl 2020 from its data file, creates (or moves) the practice
edition and resets the organizer account, whose login it prints. Every step is idempotent, so
running it again is safe.

Then it starts three children, each in its own session (so a Ctrl-C in the terminal reaches only
this supervisor, which stops them in order), prefixes their output with their name, prints where
things are, and stays in the foreground. Ctrl-C, SIGTERM or SIGHUP stops all children; when one
child dies, the others are stopped and the supervisor exits with an error.

With no environment set, the worker and beat use kombu's filesystem transport under ``var/celery``
(a real worker, not eager mode) and mail is written to files under ``var/mail``.
"""
import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EDITION_FILE = REPO / "program" / "editions" / "personal-2020.yaml"
# A Celery worker needs 5-8 s for a warm shutdown; after this, the process group is killed.
STOP_TIMEOUT_SECONDS = 20
WEB_START_TIMEOUT_SECONDS = 60


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor itself is killed (Linux), so nothing is orphaned."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Child:
    def __init__(self, name: str, argv: list[str], env: dict):
        self.name = name
        self.process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )
        self._pump = threading.Thread(target=self._copy_output, daemon=True)

    def start_output(self) -> None:
        self._pump.start()

    def _copy_output(self) -> None:
        prefix = f"[{self.name}] ".encode()
        for line in iter(self.process.stdout.readline, b""):
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)  # the group: runserver's autoreloader has a child
        except ProcessLookupError:
            pass

    def finish_output(self) -> None:
        self._pump.join(timeout=2)


def say(message: str) -> None:
    print(f"[run_site] {message}", flush=True)


def manage(*args: str, capture: bool = False) -> str:
    argv = [sys.executable, "manage.py", *args]
    say("$ " + " ".join(["python", "manage.py", *args]))
    result = subprocess.run(argv, cwd=REPO, text=True, stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        say(f"manage.py {args[0]} failed (exit code {result.returncode}); nothing was started.")
        sys.exit(result.returncode)
    if capture:
        print(result.stdout, end="", flush=True)
        return result.stdout
    return ""


def port_answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def prepare(site_url: str) -> str:
    """Database, data and the organizer account; returns the organizer's login line."""
    manage("migrate", "--noinput")
    manage("load_edition", str(EDITION_FILE.relative_to(REPO)))
    manage("create_practice_edition")
    return manage("ensure_organizer", "--url", site_url, capture=True).strip()


def where_things_are() -> list[str]:
    """What the settings say about the database, broker and mail, for the banner."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personal_site.settings")
    sys.path.insert(0, str(REPO))
    from django.conf import settings

    database = settings.DATABASES["default"]
    db = database["NAME"] if "sqlite" in database["ENGINE"] else f"{database['ENGINE']} {database.get('HOST')}"
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("filesystem://"):
        broker = f"kombu filesystem transport in {settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']}"
    else:
        broker = broker.split("@")[-1]  # never print a password
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        mail = f"written to files in {settings.EMAIL_FILE_PATH}"
    else:
        mail = f"sent with {settings.EMAIL_BACKEND} via {getattr(settings, 'EMAIL_HOST', '?')}"
    return [f"Database: {db}", f"Celery broker: {broker}", f"Mail: {mail}"]


def mail_site_url(served: str, environ=os.environ) -> str:
    """The SITE_URL mail links use: SITE_URL when set, otherwise the address this run serves
    (``PORT=8001 make run`` mails links to http://127.0.0.1:8001)."""
    return (environ.get("SITE_URL") or served).rstrip("/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", action="store_true",
                        help="migrate, load PeRSonAl 2020, create the practice edition and the organizer first")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()
    site_url = f"http://{args.host}:{args.port}"
    # Every child (and the setup commands) reads the same SITE_URL, so links in mail reach this server.
    os.environ["SITE_URL"] = mail_site_url(site_url)

    if port_answers(args.host, args.port):
        say(f"Something already answers on {site_url}: is the site running in another terminal? "
            "Stop it, or choose another port: PORT=8001 make run")
        return 1

    login = prepare(site_url) if args.prepare else ""

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    celery = [sys.executable, "-m", "celery", "-A", "personal_site"]
    stopping = threading.Event()

    def request_stop(signum, frame):
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    children = [
        Child("web", [sys.executable, "manage.py", "runserver", f"{args.host}:{args.port}"], env),
        Child("worker", [*celery, "worker", "--loglevel=INFO"], env),
        Child("beat", [*celery, "beat", "--loglevel=INFO"], env),
    ]
    # Only now start the threads that copy their output: preexec_fn is not safe while threads run.
    for child in children:
        child.start_output()

    deadline = time.monotonic() + WEB_START_TIMEOUT_SECONDS
    while not stopping.is_set() and not port_answers(args.host, args.port):
        if time.monotonic() > deadline or any(c.process.poll() is not None for c in children):
            break
        time.sleep(0.2)

    exit_code = 0
    if port_answers(args.host, args.port):
        lines = [
            f"Site:  {site_url}/   (PeRSonAl 2020 at {site_url}/2020/, practice edition at {site_url}/practice/)",
            f"Admin: {site_url}/admin/",
            f"Links in mail: {os.environ['SITE_URL']}",
            *([f"Organizer: {login}"] if login else []),
            *where_things_are(),
            "Processes: " + ", ".join(f"{c.name} (pid {c.process.pid})" for c in children),
            "Press Ctrl-C to stop them all.",
        ]
        width = max(len(line) for line in lines)
        print("\n" + "=" * width + "\n" + "\n".join(lines) + "\n" + "=" * width + "\n", flush=True)
    elif not stopping.is_set():
        say(f"The web server did not answer on {site_url}.")
        exit_code = 1
        stopping.set()

    while not stopping.is_set():
        dead = [c for c in children if c.process.poll() is not None]
        if dead:
            for c in dead:
                say(f"{c.name} exited with code {c.process.returncode}; stopping the others.")
            exit_code = 1
            break
        stopping.wait(0.5)

    say("Stopping: " + ", ".join(c.name for c in children) + " (the worker takes a few seconds) …")
    # SIGTERM to each main process only: the Celery worker stops its own pool (a warm shutdown);
    # signalling the pool processes too would leave it waiting for children that are gone.
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop in {STOP_TIMEOUT_SECONDS} s; killing it.")
        # whatever is left in its process group, such as the server process under runserver's reloader
        child.signal_group(signal.SIGKILL)
        child.process.wait()
        child.finish_output()
    say("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
