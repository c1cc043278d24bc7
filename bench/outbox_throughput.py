#!/usr/bin/env python
"""How many mails per second does the outbox deliver, compared with a plain smtplib loop to the same server?

``.venv/bin/python bench/outbox_throughput.py`` (``-n 1000`` by default) does, in one run:

1. creates a fresh PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/personal_site_bench_outbox``) and migrates it; starts an aiosmtpd server
   on 127.0.0.1 (the tests' ``tests.support.smtp.SMTPServer``, in a thread of this process) and a Celery worker
   process as the README starts it (``celery -A personal_site worker``, prefork with one child per CPU unless
   ``--pool``/``--concurrency`` say otherwise) on Redis database 8 (``--redis-url``; that database belongs to
   this bench and is emptied before and after), mailing to that server;
2. warms up with 20 mails (not counted), then measures the whole pipeline: N rows queued with
   ``mail_queue`` in one transaction, handed to Celery after the commit, sent by the worker, until the SMTP
   server has accepted all N and every row is ``sent``;
3. measures, against the same server in the same run, a plain smtplib loop sending N messages of the same
   shape on one connection, and the same loop opening a new connection for every message;
4. prints mails per second for each and the outbox/plain ratio, then stops everything and drops the database.

Nothing about speed is asserted. The exit code is 1 when a mail was lost or delivered twice (counted at the
server by Message-ID, and against the rows' states), 2 when the bench could not run.
"""
import argparse
import json
import os
import re
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.program_page import BenchError, manage  # noqa: E402
from bench.submission_burst import drop_database, recreate_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/personal_site_bench_outbox"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
WARM_UP = 20
FROM = "noreply@personal.example.org"


def bench_env(database_url: str, broker_url: str, workdir: Path, email_url: str = "") -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "personal_site.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "VAR_DIR": str(workdir / "var"),
        "MEDIA_ROOT": str(workdir / "media"),
        "DEFAULT_FROM_EMAIL": f"PeRSonAl <{FROM}>",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "CACHE_REDIS_URL", "EMAIL_URL", "AWS_STORAGE_BUCKET_NAME"):
        env.pop(name, None)  # cache on files in VAR_DIR; Celery only on the bench's Redis database
    if email_url:
        env["EMAIL_URL"] = email_url
    return env


class Worker:
    """``celery -A personal_site worker`` in its own process group, output in a log file."""

    def __init__(self, env: dict, log: Path, pool: str, concurrency: int):
        self.env, self.log, self.pool, self.concurrency = env, log, pool, concurrency
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "personal_site", "worker", "--loglevel=INFO",
                f"--pool={self.pool}", f"--concurrency={self.concurrency}", "-n", f"bench-outbox-{os.getpid()}@%h",
                "--without-mingle", "--without-gossip"]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(argv, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                raise BenchError(f"the worker exited with {self.process.returncode}:\n{self.tail()}")
            time.sleep(0.1)
        raise BenchError(f"the worker was not ready within {timeout:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.0f} s")
        time.sleep(0.01)


def check_exactly_once(server, expected_ids: list[str], label: str) -> list[str]:
    """Problems with what the server accepted: lost or duplicated messages (by Message-ID)."""
    received = server.message_ids()
    problems = []
    duplicates = len(received) - len(set(received))
    if duplicates:
        problems.append(f"{label}: {duplicates} message(s) delivered more than once")
    lost = set(expected_ids) - set(received)
    if lost:
        problems.append(f"{label}: {len(lost)} of {len(expected_ids)} message(s) never arrived")
    strangers = set(received) - set(expected_ids)
    if strangers:
        problems.append(f"{label}: {len(strangers)} message(s) arrived that nobody sent")
    return problems


def run_outbox(server, count: int, kind: str, timeout: float) -> tuple[float, float, list[str]]:
    """Queue ``count`` mails in one transaction; seconds to the commit (hand-overs done), to the last delivery."""
    from django.db import transaction
    from django.db.models import Count

    from outbox.models import OutboundMail
    from outbox.services import mail_queue

    server.clear()
    rows_of_kind = OutboundMail.objects.filter(kind=kind)
    started = time.perf_counter()
    with transaction.atomic():
        rows = mail_queue(kind=kind, object_key=f"bench:{kind}",
                          recipients=[f"reader{i:05}@bench.example.org" for i in range(count)],
                          subject="Your submission to PeRSonAl 2020",
                          body="Dear author,\n\nThe program committee has decided.\n\nThe organizers\n")
    committed = time.perf_counter() - started  # on_commit ran: every row was handed to the broker
    wait_until(lambda: len(server.messages) >= count, timeout, f"{count} mails at the SMTP server")
    wait_until(lambda: rows_of_kind.filter(state=OutboundMail.State.SENT).count() >= count, timeout,
               f"{count} rows marked sent")
    finished = time.perf_counter() - started
    server.wait_quiet(0.5)  # a duplicate would arrive now
    problems = check_exactly_once(server, [row.message_id for row in rows], f"outbox ({kind})")
    states = dict(rows_of_kind.order_by().values_list("state").annotate(n=Count("id")))
    if states != {OutboundMail.State.SENT: count}:
        problems.append(f"outbox ({kind}): row states {states}, expected {count} sent")
    return committed, finished, problems


def task_durations(log: Path, since: int) -> list[float]:
    """Run times of the batch send tasks, from the worker's own log ("Task outbox.send_batch[…] succeeded in
    0.2s"), for the lines written after byte ``since``: the claim, one SMTP connection for the batch's mails, an
    update per mail."""
    with open(log, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    return sorted(float(s) for s in re.findall(r"Task outbox\.send_batch\[[^\]]+\] succeeded in ([\d.]+)s", text))


def settings_batch_size() -> int:
    from django.conf import settings

    return settings.OUTBOX_BATCH_SIZE


def sample_messages(count: int) -> list[tuple[str, str, bytes]]:
    """Messages shaped like the outbox's (same headers and body, built by the outbox's own build_message)."""
    from outbox.models import OutboundMail
    from outbox.services import build_message

    out = []
    for i in range(count):
        mail = OutboundMail(kind="bench", object_key="bench:smtplib", recipient=f"plain{i:05}@bench.example.org",
                            subject="Your submission to PeRSonAl 2020",
                            body="Dear author,\n\nThe program committee has decided.\n\nThe organizers\n")
        out.append((mail.message_id, mail.recipient, build_message(mail).message().as_bytes()))
    return out


def run_smtplib(server, messages, *, one_connection: bool, timeout: float) -> tuple[float, list[str]]:
    server.clear()
    started = time.perf_counter()
    if one_connection:
        with smtplib.SMTP(server.host, server.port, timeout=30) as smtp:
            for _, recipient, raw in messages:
                smtp.sendmail(FROM, [recipient], raw)
    else:
        for _, recipient, raw in messages:
            with smtplib.SMTP(server.host, server.port, timeout=30) as smtp:
                smtp.sendmail(FROM, [recipient], raw)
    wait_until(lambda: len(server.messages) >= len(messages), timeout, f"{len(messages)} mails at the SMTP server")
    elapsed = time.perf_counter() - started
    server.wait_quiet(0.3)
    label = "smtplib, one connection" if one_connection else "smtplib, a connection per message"
    return elapsed, check_exactly_once(server, [m[0] for m in messages], label)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--mails", type=int, default=1000, help="mails per measurement (default 1000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="PostgreSQL database to create and drop (default %(default)s)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                        help="Redis database for Celery, emptied before and after (default %(default)s)")
    parser.add_argument("--pool", default="prefork", help="worker pool (default prefork, as in production)")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: one per CPU, Celery's own default)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary folder")
    args = parser.parse_args()
    count = args.mails
    timeout = max(120.0, count / 5)

    database_url = args.database_url
    name = urlsplit(database_url).path.lstrip("/")
    if not name or name in ("personal_site", "postgres"):
        print(f"bench/outbox_throughput.py: refusing to create and drop the database {name!r}", file=sys.stderr)
        return 2
    broker = redis.Redis.from_url(args.redis_url)
    if int(broker.connection_pool.connection_kwargs.get("db", 0)) in (0, 1):
        print("bench/outbox_throughput.py: Redis databases 0 and 1 belong to the site", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    worker = server = None
    created = False
    try:
        try:
            broker.ping()
        except redis.RedisError as exc:
            raise BenchError(f"Redis at {args.redis_url} is not available: {exc}") from None
        broker.flushdb()
        try:
            recreate_database(database_url, name)
        except psycopg.Error as exc:
            raise BenchError(f"cannot create the database {name}: {exc}") from None
        created = True
        print(f"Database {database_url} (new), Celery on {args.redis_url}, work folder {workdir}", flush=True)
        env = bench_env(database_url, args.redis_url, workdir)
        manage(env, "migrate", "--noinput")

        from tests.support.smtp import SMTPServer

        server = SMTPServer().start()
        env = bench_env(database_url, args.redis_url, workdir, email_url=server.url)
        os.environ.update(env)
        import django

        django.setup()

        worker = Worker(env, workdir / "worker.log", args.pool, args.concurrency)
        worker.start()
        print(f"SMTP server (aiosmtpd) on {server.host}:{server.port}; worker: --pool={args.pool} "
              f"--concurrency={args.concurrency}\n", flush=True)

        problems: list[str] = []
        _, _, warm_problems = run_outbox(server, WARM_UP, "bench-warm-up", timeout)
        problems += warm_problems
        log_offset = worker.log.stat().st_size
        committed, finished, outbox_problems = run_outbox(server, count, "bench", timeout)
        problems += outbox_problems
        messages = sample_messages(count)
        plain, plain_problems = run_smtplib(server, messages, one_connection=True, timeout=timeout)
        problems += plain_problems
        per_message, per_message_problems = run_smtplib(server, messages, one_connection=False, timeout=timeout)
        problems += per_message_problems

        outbox_rate, plain_rate, per_message_rate = count / finished, count / plain, count / per_message
        print(f"{count} mails each; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
              "(the worker, Redis, PostgreSQL and the SMTP server share them)")
        print(f"  outbox (queue in one transaction → Celery worker on Redis → SMTP): {finished:7.2f} s "
              f"{outbox_rate:8.1f} mails/s")
        print(f"      of which queueing the rows, commit and hand-over to Redis:       {committed:7.2f} s")
        durations = task_durations(worker.log, log_offset) or [float("nan")]
        middle, batch = statistics.median(durations), min(count, settings_batch_size())
        print(f"      {len(durations)} batch task(s) of up to {batch} mails (claim, one connection, send and update "
              f"each): median {middle * 1e3:.1f} ms, p90 {durations[int(len(durations) * .9)] * 1e3:.1f} ms, "
              f"{middle * 1e3 / batch:.2f} ms per mail")
        print(f"  plain smtplib loop, one connection:                                 {plain:7.2f} s "
              f"{plain_rate:8.1f} mails/s")
        print(f"  smtplib loop, a new connection per message:                         {per_message:7.2f} s "
              f"{per_message_rate:8.1f} mails/s")
        print(f"  outbox / plain smtplib: {outbox_rate / plain_rate:.2f} "
              f"(outbox / smtplib with a connection per message: {outbox_rate / per_message_rate:.2f})")
        print("  The outbox sends each batch task's mails (OUTBOX_BATCH_SIZE) over one SMTP connection "
              "(outbox/delivery.py), so the one-connection loop is its yardstick.")
        if problems:
            print("\nFAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        print("\nEvery mail arrived exactly once (by Message-ID), and every outbox row is sent.")
        # The figures for bench/run_all.py (make bench): always the last line.
        print("BENCH-JSON " + json.dumps({"bench": "outbox_throughput", "load_average": os.getloadavg()[0], "figures": [
            {"name": "outbox vs smtplib, one connection", "unit": "mails/s", "ours": outbox_rate,
             "baseline": plain_rate, "min_ratio": 0.5},  # issue #11: at least half the plain loop
            {"name": "outbox vs smtplib, connection per mail", "unit": "mails/s", "ours": outbox_rate,
             "baseline": per_message_rate},
        ]}))
        return 0
    except (BenchError, TimeoutError) as exc:
        print(f"\nbench/outbox_throughput.py: {exc}", file=sys.stderr)
        if worker is not None and worker.log.exists():
            print("--- worker.log (last lines)\n" + worker.tail(), file=sys.stderr)
        return 2
    finally:
        if worker is not None:
            worker.stop()
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        with_redis_errors_ignored(broker.flushdb)
        if args.keep:
            print(f"Kept {workdir} and the database {name}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if created:
                drop_database(database_url, name)
                print(f"Dropped the database {name}")


def with_redis_errors_ignored(action) -> None:
    try:
        action()
    except redis.RedisError:
        pass


if __name__ == "__main__":
    sys.exit(main())
