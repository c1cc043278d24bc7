#!/usr/bin/env python
"""Twenty authors submit at once: does every paper get stored, and how long do they wait?

``.venv/bin/python bench/submission_burst.py`` does, in one run:

1. creates a fresh PostgreSQL database (``personal_site_bench`` on ``postgres://postgres@127.0.0.1:5432``
   by default) and a temporary folder for media, cache and Celery's broker files; migrates, loads
   PeRSonAl 2020 and creates the practice edition (``manage.py load_edition``,
   ``create_practice_edition``);
2. creates 20 accounts with a verified address (allauth ``EmailAddress``, ``verified=True``);
3. serves the site with gunicorn under production settings (``SITE_PROFILE=production``,
   ``ALLOWED_HOSTS=127.0.0.1``, SSL redirect on, every request says ``X-Forwarded-Proto: https`` as a
   TLS proxy would), and signs each account in through ``POST /accounts/login/`` (with its CSRF token);
4. starts 20 clients (threads with ``requests``), each submitting 10 papers: ``GET`` the form for the
   CSRF token, then ``POST`` it (multipart, a 2-page PDF, ``submit=1``). 200 submissions in all;
5. prints the submissions stored (counted in the database: must be 200), 5xx answers (must be none),
   other answers that are not the expected redirect, p50/p99 latency, total time and submissions/s;
   then drops the database. With ``--rounds N`` the burst is repeated N times on the same server
   (4,000 papers for N=20 are 20 bursts, not one) and the figures are medians over the rounds, each
   round printed with the load average beside it. The last line is ``BENCH-JSON {...}``.

Nothing about speed is asserted. The exit code is 1 when fewer than 200 papers were stored or any
answer was a 5xx, 2 when the bench could not run.

Receipts: every submission queues one receipt per author in the outbox (``OutboundMail`` rows, handed
to Celery after commit). No Celery worker runs here and ``EMAIL_URL`` is unset, so nothing is mailed:
the hand-offs land in kombu's filesystem broker inside the temporary folder (never a shared Redis,
whose worker would look the ids up in another database), and the rows stay queued. The figures
therefore cover the web request only, which is what an author waits for.

The gunicorn helpers (start, wait, stop, ``manage.py``) are bench/program_page.py's.
"""
import argparse
import io
import json
import math
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pikepdf
import psycopg
import requests
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.program_page import BenchError, free_port, gunicorn, manage, stop, wait_for_port  # noqa: E402

EDITION_FILE = REPO / "program" / "editions" / "personal-2020.yaml"
PRACTICE_SLUG = "practice"
PASSWORD = "bench-correct-horse-battery-9"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
P99_TARGET_MS = 1000  # issue #11: an author waits at most a second, at the 99th percentile
KEPT_COOKIES = ("sessionid", "csrftoken")  # the messages cookie is left behind: nobody reads the flashes


# --- The database ------------------------------------------------------------------------------------------------


def server_url(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(server_url(server, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server_url(server, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def scalar(database_url: str, query: str, *params) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute(query, params).fetchone()[0]


def create_verified_accounts(env: dict, count: int) -> list[str]:
    """Accounts as if each had followed its confirmation link: EmailAddress verified and primary."""
    emails = [f"author{n:02d}@bench.example.org" for n in range(1, count + 1)]
    script = (
        "import sys\n"
        "from allauth.account.models import EmailAddress\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.hashers import make_password\n"
        "User = get_user_model()\n"
        f"password = make_password({PASSWORD!r})  # hashed once: 20 hashes would only slow the set-up\n"
        f"for email in {emails!r}:\n"
        "    user = User.objects.create(username=email.split('@')[0], email=email, password=password,\n"
        "                               first_name='Author', last_name=email.split('@')[0])\n"
        "    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)\n"
        "print(f'{User.objects.count()} verified accounts')\n"
    )
    print("  " + manage(env, "shell", "--no-imports", "-c", script).splitlines()[-1], flush=True)
    return emails


# --- An author's browser, reduced to what the site needs ---------------------------------------------------------


def two_page_pdf(label: str) -> bytes:
    """A blank 2-page US Letter PDF whose metadata makes its bytes (and SHA-256) its own."""
    pdf = pikepdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=(612, 792))
    pdf.docinfo["/Title"] = label
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@dataclass
class Author:
    """One author's connection. Cookies are kept by hand: production cookies are ``Secure`` and this
    client speaks plain HTTP to gunicorn (the proxy's ``X-Forwarded-Proto: https`` stands in for TLS),
    so a cookie jar would never send them back."""

    base: str
    email: str
    cookies: dict = field(default_factory=dict)

    def __post_init__(self):
        self.http = requests.Session()
        self.http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # we send the Cookie header
        origin = "https://" + urlsplit(self.base).netloc
        # Django checks Origin (or Referer) against the host on HTTPS requests.
        self.headers = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"}

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, self.base + path, headers=headers, allow_redirects=False,
                                     timeout=120, **kwargs)
        for name in KEPT_COOKIES:
            if name in response.cookies:
                self.cookies[name] = response.cookies[name]
        return response

    def csrf_token(self, path: str) -> tuple[requests.Response, str | None]:
        response = self._send("GET", path)
        found = CSRF_FIELD.search(response.text) if response.status_code == 200 else None
        return response, (found.group(1) if found else None)

    def sign_in(self) -> None:
        response, token = self.csrf_token("/accounts/login/")
        if token is None:
            raise BenchError(f"GET /accounts/login/ answered {response.status_code} without a form")
        response = self._send("POST", "/accounts/login/",
                              data={"csrfmiddlewaretoken": token, "login": self.email, "password": PASSWORD})
        if response.status_code != 302 or "sessionid" not in self.cookies:
            raise BenchError(f"signing in {self.email} answered {response.status_code}, not a redirect with a "
                             f"session: {response.text[:300]!r}")

    def submit(self, n: int, pdf: bytes) -> tuple[requests.Response, float, float]:
        """GET the form, POST the paper; the answer to the POST and both durations in seconds."""
        path = f"/submissions/new/{PRACTICE_SLUG}/"
        started = time.perf_counter()
        response, token = self.csrf_token(path)
        form_seconds = time.perf_counter() - started
        if token is None:
            return response, form_seconds, 0.0
        name = self.email.split("@")[0]
        data = {
            "csrfmiddlewaretoken": token,
            "title": f"Burst paper {n} by {name}",
            "abstract": "A paper sent during the submission burst benchmark.",
            "authors-TOTAL_FORMS": "2", "authors-INITIAL_FORMS": "0",
            "authors-MIN_NUM_FORMS": "0", "authors-MAX_NUM_FORMS": "20",
            "authors-0-name": f"Author {name}", "authors-0-email": self.email, "authors-0-affiliation": "Bench U",
            "authors-1-name": "", "authors-1-email": "", "authors-1-affiliation": "",
            "submit": "1",
        }
        started = time.perf_counter()
        response = self._send("POST", path, data=data, files={"pdf": ("paper.pdf", pdf, "application/pdf")})
        return response, form_seconds, time.perf_counter() - started


# --- The burst ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "GET form" or "POST paper"
    status: int
    seconds: float
    detail: str = ""


def run_author(author: Author, papers: int, start: threading.Barrier, outcomes: list, lock: threading.Lock,
               round_number: int = 0):
    pdfs = [two_page_pdf(f"{author.email} paper {n} round {round_number}") for n in range(papers)]
    mine = []
    start.wait()
    for n, pdf in enumerate(pdfs):
        try:
            response, form_seconds, post_seconds = author.submit(n, pdf)
        except requests.RequestException as exc:
            mine.append(Outcome("POST paper", 0, 0.0, f"{type(exc).__name__}: {exc}"))
            continue
        if post_seconds == 0.0:  # the form itself failed
            mine.append(Outcome("GET form", response.status_code, form_seconds, response.text[:200]))
            continue
        mine.append(Outcome("GET form", 200, form_seconds))
        location = response.headers.get("Location", "")
        ok = response.status_code == 302 and re.fullmatch(r"/submissions/\d+/", location)
        detail = "" if ok else _why(response)
        mine.append(Outcome("POST paper", response.status_code, post_seconds, detail))
    with lock:
        outcomes.extend(mine)


def _why(response: requests.Response) -> str:
    errors = re.findall(r'<p class="field-error">(.*?)</p>', response.text)
    if errors:
        return "; ".join(errors)
    return (response.headers.get("Location") or response.text[:200]).strip()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)  # nearest rank
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def burst(authors: list[Author], papers: int, round_number: int) -> dict:
    """One burst: every author submits `papers` papers at once; latencies and the burst's wall time."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = threading.Barrier(len(authors) + 1)
    threads = [threading.Thread(target=run_author, args=(a, papers, start, outcomes, lock, round_number))
               for a in authors]
    for thread in threads:
        thread.start()
    load_before = os.getloadavg()[0]
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    post_seconds = [o.seconds for o in outcomes if o.kind == "POST paper" and o.status]
    get_seconds = [o.seconds for o in outcomes if o.kind == "GET form"]
    return {
        "outcomes": outcomes, "seconds": elapsed, "load_before": load_before, "load_after": os.getloadavg()[0],
        "post_p50": percentile(post_seconds, .5), "post_p99": percentile(post_seconds, .99),
        "post_max": max(post_seconds, default=0.0), "get_p50": percentile(get_seconds, .5),
        "get_p99": percentile(get_seconds, .99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server to create the throw-away database on")
    parser.add_argument("--database", default="personal_site_bench", help="name of the throw-away database")
    parser.add_argument("--authors", type=int, default=20, help="concurrent clients, one account each")
    parser.add_argument("--papers", type=int, default=10, help="papers each client submits")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2, for 2 cores)")
    parser.add_argument("--redis-url", default="",
                        help="put the cache (sessions' rate limits, pages) on this Redis; Celery stays on files")
    parser.add_argument("--rounds", type=int, default=1,
                        help="bursts one after another on the same server; figures are medians over rounds")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary folder")
    args = parser.parse_args()
    expected = args.authors * args.papers

    workdir = Path(tempfile.mkdtemp(prefix="bench-submission-burst-"))
    database_url = server_url(args.server, args.database)
    env = {
        **os.environ,
        "SITE_PROFILE": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true",  # every request carries X-Forwarded-Proto: https, as behind the proxy
        "DATABASE_URL": database_url,
        "VAR_DIR": str(workdir / "var"),
        "MEDIA_ROOT": str(workdir / "media"),
        "CELERY_BROKER_URL": "filesystem://localhost//",  # under VAR_DIR: no worker, no shared broker
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "personal_site.settings",
    }
    for name in ("REDIS_URL", "CACHE_REDIS_URL", "EMAIL_URL", "STATIC_ROOT", "AWS_STORAGE_BUCKET_NAME"):
        env.pop(name, None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url

    server = None
    created = False
    try:
        print(f"Setting up a production site in {workdir} on {database_url} …", flush=True)
        try:
            recreate_database(args.server, args.database)
        except psycopg.Error as exc:
            raise BenchError(f"cannot create the database {args.database} on {args.server}: {exc}") from None
        created = True
        manage(env, "migrate", "--noinput")
        print("  " + manage(env, "load_edition", str(EDITION_FILE)).splitlines()[-1], flush=True)
        print("  " + manage(env, "create_practice_edition").splitlines()[-1], flush=True)
        manage(env, "collectstatic", "--noinput")
        emails = create_verified_accounts(env, args.authors)

        port = free_port()
        server = gunicorn("personal_site.wsgi:application", port, args.workers, env, workdir / "gunicorn.log")
        wait_for_port(port, server, "gunicorn")
        base = f"http://127.0.0.1:{port}"
        authors = [Author(base, email) for email in emails]
        for author in authors:
            author.sign_in()
        print(f"  {len(authors)} authors signed in through /accounts/login/", flush=True)

        print(f"\n{args.authors} clients × {args.papers} papers (2-page PDFs, submit=1) against gunicorn with "
              f"{args.workers} sync workers; no Celery worker, receipts stay queued in the outbox; "
              f"{args.rounds} round(s)\n", flush=True)
        rounds = [burst(authors, args.papers, round_number) for round_number in range(args.rounds)]
        expected *= args.rounds
        outcomes = [outcome for one in rounds for outcome in one["outcomes"]]

        stored = scalar(database_url, "SELECT count(*) FROM submissions_submission WHERE status = %s", "submitted")
        all_rows = scalar(database_url, "SELECT count(*) FROM submissions_submission")
        versions = scalar(database_url, "SELECT count(*) FROM submissions_paperversion")
        receipts = scalar(database_url, "SELECT count(*) FROM personal_site_outboundmail WHERE kind = %s", "receipt")
        server_errors = [o for o in outcomes if o.status >= 500]
        unexpected = [o for o in outcomes if o.status < 500 and o.detail]

        print(f"submissions stored (status submitted, in the database): {stored} of {expected}"
              + ("" if all_rows == stored else f" ({all_rows} rows in all)"))
        print(f"PDF versions stored: {versions}; receipts queued in the outbox: {receipts}")
        print(f"5xx answers: {len(server_errors)}")
        print(f"other answers that were not the expected one (200 form, 302 to the paper): {len(unexpected)}")
        for (kind, status, detail), count in Counter((o.kind, o.status, o.detail[:160]) for o in
                                                    server_errors + unexpected).most_common(8):
            print(f"  {count:4d} × {kind} → {status or 'no answer'}: {detail}")
        for number, one in enumerate(rounds, start=1):
            print(f"round {number}: POST (check the PDF, store it, queue receipts) p50 {one['post_p50'] * 1e3:5.0f} ms"
                  f"  p99 {one['post_p99'] * 1e3:5.0f} ms  max {one['post_max'] * 1e3:5.0f} ms;  GET the form p50 "
                  f"{one['get_p50'] * 1e3:5.0f} ms  p99 {one['get_p99'] * 1e3:5.0f} ms;  {one['seconds']:.1f} s, "
                  f"load average {one['load_before']:.1f} before, {one['load_after']:.1f} after")
        figures = {key: statistics.median(one[key] for one in rounds)
                   for key in ("post_p50", "post_p99", "post_max", "get_p50", "get_p99", "seconds")}
        print(f"median over {len(rounds)} round(s): POST p50 {figures['post_p50'] * 1e3:.0f} ms, "
              f"p99 {figures['post_p99'] * 1e3:.0f} ms; {args.authors * args.papers / figures['seconds']:.1f} "
              f"submissions/s")
        print(f"machine: {os.cpu_count()} CPUs, load average {rounds[0]['load_before']:.1f} before the first burst, "
              f"{os.getloadavg()[0]:.1f} after the last (other work on the machine skews the figures)")
        load_after = round(os.getloadavg()[0], 2)
        json_figures = {
            "bench": "submission_burst", "stored": stored, "expected": expected, "server_errors": len(server_errors),
            "unexpected": len(unexpected), "rounds": len(rounds), "clients": args.authors, "papers": args.papers,
            **{f"{key}_ms" if key != "seconds" else key: round(value * (1e3 if key != "seconds" else 1), 1)
               for key, value in figures.items()},
            "post_p99_ms_by_round": [round(one["post_p99"] * 1e3, 1) for one in rounds],
            "load_before": round(rounds[0]["load_before"], 2), "load_after": load_after, "load_average": load_after,

            # For bench/run_all.py's table: the targets (every paper stored, no 5xx, POST p99 <= 1 s).
            "figures": [
                {"name": "burst papers stored", "unit": "papers", "ours": stored, "min": expected},
                {"name": "burst 5xx answers", "unit": "answers", "ours": len(server_errors), "max": 0},
                {"name": "burst POST p50", "unit": "ms", "ours": round(figures["post_p50"] * 1e3, 1)},
                {"name": "burst POST p99", "unit": "ms", "ours": round(figures["post_p99"] * 1e3, 1),
                 "max": P99_TARGET_MS},
                {"name": "burst GET form p99", "unit": "ms", "ours": round(figures["get_p99"] * 1e3, 1)},
            ],
        }
        log = workdir / "gunicorn.log"
        if log.is_file() and log.stat().st_size:
            print("--- gunicorn.log (last lines)\n" + "\n".join(log.read_text().splitlines()[-10:]))
        failed = stored != expected or server_errors
        if failed:
            print(f"\nFAILED: {stored} of {expected} stored, {len(server_errors)} 5xx answers", file=sys.stderr)
        print("BENCH-JSON " + json.dumps(json_figures, sort_keys=True), flush=True)
        return 1 if failed else 0
    except BenchError as exc:
        print(f"\nbench/submission_burst.py: {exc}", file=sys.stderr)
        log = workdir / "gunicorn.log"
        if log.is_file() and log.stat().st_size:
            print("--- gunicorn.log (last lines)\n" + "\n".join(log.read_text().splitlines()[-20:]), file=sys.stderr)
        return 2
    finally:
        stop(server)
        if args.keep:
            print(f"Kept {workdir} and the database {args.database}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if created:
                drop_database(args.server, args.database)
                print(f"Dropped the database {args.database}")


if __name__ == "__main__":
    sys.exit(main())
