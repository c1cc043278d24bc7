#!/usr/bin/env python
"""How fast are the program pages in production, compared with a bare Django view?

``make bench`` (or ``.venv/bin/python bench/program_page.py``) does, in one run:

1. sets up a throw-away production site: ``SITE_PROFILE=production``, ``SECURE_SSL_REDIRECT`` on,
   ``ALLOWED_HOSTS=127.0.0.1``, ``VAR_DIR`` in a temporary folder, so a temporary SQLite database
   (or ``--database-url``) and the production cache (files under ``VAR_DIR/cache``, or Redis when
   ``REDIS_URL`` is set; shared by the gunicorn workers); migrates, loads PeRSonAl 2020 and a
   generated edition of 36 talks (``bench/sample_edition.py``), runs collectstatic;
2. serves it with gunicorn under the production configuration (``personal_site/gunicorn.conf.py``:
   sync workers, as many as it says unless ``--workers`` is given), and beside it, under the same
   configuration, the bare yardstick site (``bench/bare_site.py``: no middleware, one view returning
   the same bytes);
3. fetches each program page once (it must answer 200) and saves its bytes for the yardstick;
4. measures each page on both servers with ``wrk -t2 -c32 -d10s --latency -H 'X-Forwarded-Proto:
   https'`` after a short warm-up, and prints requests per second, p99 latency and ours/bare, and the
   servers' own CPU time per request (master and workers, from /proc), which other work on the
   cores hardly changes.

The goal is at least 90 % of the bare view's requests per second; the figure is printed, not
asserted. ``--path /admin/login/`` measures other pages instead of the program pages; ``--rounds 3``
alternates the measurements three times and prints medians, for a machine busy with other work.
The last line, ``BENCH-JSON {...}``, carries the figures for ``bench/run_all.py`` (``make bench``).
"""
import argparse
import http.client
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.sample_edition import edition_data  # noqa: E402

EDITION_FILE = REPO / "program" / "editions" / "personal-2020.yaml"
GUNICORN_CONFIG = REPO / "personal_site" / "gunicorn.conf.py"
GENERATED_SLUG = "bench-36"
GENERATED_TALKS = 36
GOAL = 0.90
P99_GOAL_MS = 20.0
HEADERS = {"X-Forwarded-Proto": "https"}


class BenchError(Exception):
    """Something the reader must fix before the figures mean anything."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{what} exited with code {process.returncode} before answering")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{what} did not answer on port {port} within {timeout:.0f} s")


def fetch(port: int, path: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{result.stdout}")
    return result.stdout.strip()


def gunicorn_config_workers(env: dict) -> int:
    """How many workers the production configuration starts with this environment."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        return int(runpy.run_path(str(GUNICORN_CONFIG))["workers"])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def gunicorn(app: str, port: int, workers: int | None, env: dict, log: Path) -> subprocess.Popen:
    """gunicorn with the production configuration, on 127.0.0.1:port; ``workers`` None keeps the configuration's."""
    argv = [sys.executable, "-m", "gunicorn", app, "--config", str(GUNICORN_CONFIG), "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning", "--error-logfile", str(log)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    return subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, start_new_session=True)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


_TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(process: subprocess.Popen) -> dict[int, float]:
    """CPU seconds (user + system) used so far by a gunicorn master and each of its workers, by pid."""
    pids = [process.pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    except OSError:
        pass
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return used


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before[pid] for pid in after if pid in before)


def wrk(url: str, *, threads: int, connections: int, seconds: int) -> dict:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in HEADERS.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, url], text=True, capture_output=True, check=True).stdout
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if not (rps and p99):
        raise BenchError(f"could not read wrk's output:\n{out}")
    total = re.search(r"^\s*(\d+) requests in", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * _UNITS[p99.group(2)],
        "requests": int(total.group(1)) if total else 0,
        "bad": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1).strip() if errors else "",
    }


def median_of(results: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in results),
        "p99_ms": statistics.median(r["p99_ms"] for r in results),
        "cpu_us": statistics.median(r["cpu_us"] for r in results),
        "bad": sum(r["bad"] for r in results),
        "errors": "; ".join(r["errors"] for r in results if r["errors"]),
    }


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"Load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", action="append", dest="paths",
                        help=f"page to measure (repeatable); default: /2020/ and /{GENERATED_SLUG}/")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="database to load the editions into (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: personal_site/gunicorn.conf.py's, for this machine)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="wrk warm-up seconds per server and page")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each page this many times, alternating; print the medians (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    args = parser.parse_args()
    paths = args.paths or ["/2020/", f"/{GENERATED_SLUG}/"]
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y --no-install-recommends wrk", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-program-page-"))
    bodies = workdir / "bodies"
    bodies.mkdir()
    env = {
        **os.environ,
        "SITE_PROFILE": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true",
        "VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "personal_site.settings",
    }
    for name in ("DATABASE_URL", "MEDIA_ROOT", "STATIC_ROOT", "CELERY_BROKER_URL"):
        env.pop(name, None)  # everything but the cache goes to the temporary folder
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    database = args.database_url or f"SQLite in {workdir / 'var'}"
    cache = "Redis (REDIS_URL)" if env.get("REDIS_URL") else f"files in {workdir / 'var' / 'cache'}"
    bare_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare_site", "BENCH_BODIES_DIR": str(bodies)}

    ours = bare = None
    try:
        print(f"Setting up a production site in {workdir} (database: {database}; cache: {cache}) …", flush=True)
        manage(env, "migrate", "--noinput")
        print("  " + manage(env, "load_edition", str(EDITION_FILE)).splitlines()[-1], flush=True)
        generated = workdir / f"{GENERATED_SLUG}.yaml"
        generated.write_text(yaml.safe_dump(edition_data(slug=GENERATED_SLUG, talks=GENERATED_TALKS),
                                            sort_keys=False, allow_unicode=True))
        print("  " + manage(env, "load_edition", str(generated)).splitlines()[-1], flush=True)
        manage(env, "collectstatic", "--noinput")

        ours_port, bare_port = free_port(), free_port()
        ours = gunicorn("personal_site.wsgi:application", ours_port, args.workers, env, workdir / "ours.log")
        bare = gunicorn("bench.bare_wsgi:application", bare_port, args.workers, bare_env, workdir / "bare.log")
        wait_for_port(ours_port, ours, "gunicorn (our site)")
        wait_for_port(bare_port, bare, "gunicorn (bare site)")

        pages = []
        for n, path in enumerate(paths):
            status, content_type, body = fetch(ours_port, path)
            if status != 200:
                raise BenchError(
                    f"GET {path} answered {status}, not 200 ({body[:80].decode(errors='replace')!r}); "
                    "the page must work before it can be measured"
                )
            name = f"page{n}"
            (bodies / f"{name}.body").write_bytes(body)
            (bodies / f"{name}.type").write_text(content_type)
            if fetch(bare_port, f"/saved/{name}")[2] != body:
                raise BenchError(f"the bare site does not return the bytes of {path}")
            pages.append((path, f"/saved/{name}", len(body)))

        workers = args.workers or gunicorn_config_workers(env)
        print(f"\ngunicorn -c personal_site/gunicorn.conf.py, {workers} sync workers each; "
              f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency "
              f"-H 'X-Forwarded-Proto: https' (after a {args.warmup} s warm-up); "
              f"{args.rounds} round(s)",
              flush=True)
        print(f"{load()} before measuring: other work on the machine makes the figures noisy\n", flush=True)
        # Rounds alternate ours and bare page by page, so that load from elsewhere on the machine
        # falls on both alike; each figure is the median over the rounds.
        runs: dict = {(path, label): [] for path, _, _ in pages for label in ("ours", "bare")}
        for round_number in range(1, args.rounds + 1):
            for path, bare_path, _ in pages:
                for label, server, port, url_path in (("ours", ours, ours_port, path),
                                                      ("bare", bare, bare_port, bare_path)):
                    url = f"http://127.0.0.1:{port}{url_path}"
                    if round_number == 1:
                        wrk(url, threads=args.threads, connections=args.connections, seconds=args.warmup)
                    cpu_before = server_cpu(server)
                    result = wrk(url, threads=args.threads, connections=args.connections, seconds=args.seconds)
                    # The server's own CPU time per request: hardly moved by other work on the cores,
                    # unlike requests/s, so it shows what a page costs even on a busy machine.
                    cpu = cpu_between(cpu_before, server_cpu(server))
                    result["cpu_us"] = cpu / result["requests"] * 1e6 if result["requests"] else 0.0
                    runs[(path, label)].append(result)
                    print(f"  round {round_number}  {path:<22} {label}: {result['rps']:9.1f} req/s  "
                          f"p99 {result['p99_ms']:7.1f} ms  server CPU {result['cpu_us']:6.0f} us/request", flush=True)
        rows = [(path, size, median_of(runs[(path, "ours")]), median_of(runs[(path, "bare")]))
                for path, _, size in pages]

        load_after = os.getloadavg()
        print(f"\n{load()} after measuring")
        print(f"\n{'page':<22} {'bytes':>7} {'ours req/s':>11} {'ours p99':>9} {'bare req/s':>11} "
              f"{'bare p99':>9} {'ours/bare':>9}   server CPU per request, ours / bare")
        for path, size, o, b in rows:
            ratio = o["rps"] / b["rps"] if b["rps"] else 0.0
            verdict = "meets" if ratio >= GOAL else "below"
            print(f"{path:<22} {size:>7} {o['rps']:>11.1f} {o['p99_ms']:>7.1f}ms {b['rps']:>11.1f} "
                  f"{b['p99_ms']:>7.1f}ms {ratio:>8.0%}  ({verdict} the {GOAL:.0%} goal)  "
                  f"{o['cpu_us']:.0f} / {b['cpu_us']:.0f} us")
            for label, result in (("ours", o), ("bare", b)):
                if result["bad"] or result["errors"]:
                    print(f"  warning, {label}: {result['bad']} non-2xx/3xx responses; socket errors: "
                          f"{result['errors'] or 'none'}")
        figures = []
        for path, _, o, b in rows:
            figures.append({"name": f"program {path} req/s", "unit": "req/s", "ours": o["rps"], "baseline": b["rps"],
                            "min_ratio": GOAL})
            figures.append({"name": f"program {path} p99", "unit": "ms", "ours": o["p99_ms"], "baseline": b["p99_ms"],
                            "max": P99_GOAL_MS})
            figures.append({"name": f"program {path} server CPU/request", "unit": "us", "ours": o["cpu_us"],
                            "baseline": b["cpu_us"]})
        print("BENCH-JSON " + json.dumps({"bench": "program_page", "load_average": load_after[0],
                                          "rounds": args.rounds, "figures": figures}))
        return 0
    except BenchError as exc:
        print(f"\nbench/program_page.py: {exc}", file=sys.stderr)
        for log in ("ours.log", "bare.log"):
            if (workdir / log).is_file() and (workdir / log).stat().st_size:
                print(f"--- {log} (last lines)\n" + "\n".join((workdir / log).read_text().splitlines()[-20:]),
                      file=sys.stderr)
        return 1
    finally:
        stop(ours)
        stop(bare)
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
