#!/usr/bin/env python
"""Run every benchmark script in interleaved rounds and print one table of medians (``make bench``).

``.venv/bin/python bench/run_all.py [--rounds 3] [--only program_page,pdfcheck] [--args NAME='…']``

Each round runs every script once, as a subprocess, in a rotated order (round 2 starts with the second
script…), so that load from other work on the shared cores falls on all of them alike rather than on
whichever ran last. A script reports its figures on its last ``BENCH-JSON {…}`` line of stdout::

    BENCH-JSON {"bench": "program_page", "load_average": 1.3, "figures": [
        {"name": "program /2020/ req/s", "unit": "req/s", "ours": 3394.1, "baseline": 3695.5, "min_ratio": 0.9},
        {"name": "program /2020/ p99", "unit": "ms", "ours": 18.7, "baseline": 15.4, "max": 20}]}

``baseline`` (the yardstick measured in the same run), ``min_ratio`` (ours/baseline at least), ``max``
and ``min`` (bounds on ours) are optional. The table shows, per figure, the median over the rounds of
ours and of the baseline, the median of the per-round ratios (each round's ratio compares two
measurements taken side by side), the target and whether the medians meet it, and the median load
average (1 min) when the script finished, with its range. A script that prints no BENCH-JSON line
gets one row, "no figures". Every script's output is kept in a log folder, named at the end.

Nothing about speed is asserted: the exit code is 1 only when a script failed (non-zero exit code or
timeout) in some round, 2 when the arguments are wrong.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKER = "BENCH-JSON "


@dataclass
class Script:
    name: str
    args: list[str]
    why: str  # why these arguments


# Each run of program_page.py alternates ours and bare itself; one inner round per run is enough
# because the rounds here give the medians. The others keep their own defaults.
SCRIPTS = [
    Script("program_page", ["--rounds", "1"], "one inner round per run; this script's rounds give the medians"),
    Script("outbox_throughput", [], "its defaults (1,000 mails)"),
    Script("submission_burst", [], "its defaults (20 authors x 10 papers)"),
    Script("video_upload", ["--sizes", "256M"], "one size per round: memory must not grow with size, "
           "which `bench/video_upload.py --sizes 256M,1G` shows on its own"),
    Script("pdfcheck", [], "its defaults"),
]


@dataclass
class Run:
    script: str
    round: int
    exit_code: int | None  # None: timed out
    seconds: float
    load_average: float
    log: Path
    report: dict | None = None


@dataclass
class Figure:
    bench: str
    name: str
    unit: str = ""
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    min_ratio: float | None = None
    max: float | None = None
    min: float | None = None


def bench_report(stdout: str) -> dict | None:
    """The script's last BENCH-JSON line, parsed; None when there is none or it is not JSON."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER):
            try:
                report = json.loads(line[len(MARKER):])
            except json.JSONDecodeError:
                return None
            return report if isinstance(report, dict) and isinstance(report.get("figures"), list) else None
    return None


def run_script(script: Script, round_number: int, logs: Path, timeout: float) -> Run:
    log = logs / f"{script.name}.round{round_number}.log"
    argv = [sys.executable, str(REPO / "bench" / f"{script.name}.py"), *script.args]
    started = time.monotonic()
    with log.open("w") as out:
        out.write(f"$ {shlex.join(argv)}\n")
        out.flush()
        try:
            result = subprocess.run(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, timeout=timeout)
            exit_code, stdout = result.returncode, result.stdout
        except subprocess.TimeoutExpired as expired:
            exit_code = None
            stdout = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else (
                expired.stdout or "")
        out.write(stdout)
    report = bench_report(stdout)
    load = os.getloadavg()[0]
    if report and isinstance(report.get("load_average"), int | float):
        load = float(report["load_average"])
    return Run(script.name, round_number, exit_code, time.monotonic() - started, load, log, report)


def collect(runs: list[Run]) -> dict[tuple[str, str], Figure]:
    figures: dict[tuple[str, str], Figure] = {}
    for run in runs:
        if run.report is None:
            continue
        for item in run.report["figures"]:
            try:
                name, ours = str(item["name"]), float(item["ours"])
            except (KeyError, TypeError, ValueError):
                continue
            figure = figures.setdefault((run.script, name), Figure(run.script, name, str(item.get("unit", ""))))
            figure.ours.append(ours)
            figure.loads.append(run.load_average)
            if isinstance(item.get("baseline"), int | float):
                figure.baseline.append(float(item["baseline"]))
                if item["baseline"]:
                    figure.ratios.append(ours / float(item["baseline"]))
            for bound in ("min_ratio", "max", "min"):
                if isinstance(item.get(bound), int | float):
                    setattr(figure, bound, float(item[bound]))
    return figures


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def target_and_verdict(figure: Figure, ours: float, ratio: float | None) -> tuple[str, str]:
    if figure.min_ratio is not None:
        verdict = "-" if ratio is None else ("meets" if ratio >= figure.min_ratio else "BELOW")
        return f">= {figure.min_ratio:.0%} of baseline", verdict
    if figure.max is not None:
        return f"<= {number(figure.max, figure.unit)}", "meets" if ours <= figure.max else "ABOVE"
    if figure.min is not None:
        return f">= {number(figure.min, figure.unit)}", "meets" if ours >= figure.min else "BELOW"
    return "-", ""


def table(scripts: list[Script], runs: list[Run], figures: dict[tuple[str, str], Figure]) -> list[list[str]]:
    rows = []
    for script in scripts:
        own = [run for run in runs if run.script == script.name]
        failed = [run for run in own if run.exit_code != 0]
        note = ""
        if failed:
            codes = ", ".join("timeout" if r.exit_code is None else f"exit {r.exit_code}" for r in failed)
            note = f"failed in {len(failed)} of {len(own)} round(s): {codes}"
        mine = [f for (bench, _), f in figures.items() if bench == script.name]
        if not mine:
            loads = [run.load_average for run in own]
            rows.append([script.name, note or "no figures", "", "", "", "", "", load_text(loads), str(len(own))])
            continue
        for figure in mine:
            ours = statistics.median(figure.ours)
            baseline = statistics.median(figure.baseline) if figure.baseline else None
            ratio = statistics.median(figure.ratios) if figure.ratios else None
            target, verdict = target_and_verdict(figure, ours, ratio)
            rows.append([
                script.name, figure.name, number(ours, figure.unit), number(baseline, figure.unit),
                "-" if ratio is None else f"{ratio:.0%}", target, verdict, load_text(figure.loads),
                str(len(figure.ours)),
            ])
        if note:
            rows.append([script.name, note, "", "", "", "", "", "", ""])
    return rows


def load_text(loads: list[float]) -> str:
    if not loads:
        return ""
    middle = statistics.median(loads)
    return f"{middle:.1f}" if len(loads) == 1 else f"{middle:.1f} ({min(loads):.1f}-{max(loads):.1f})"


def print_table(rows: list[list[str]]) -> None:
    header = ["bench", "figure", "ours", "baseline", "ratio", "target", "", "load avg", "rounds"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4, 8}
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every script (default 3); medians over them")
    parser.add_argument("--only", default="", help="comma-separated scripts to run (default: all)")
    parser.add_argument("--args", action="append", default=[], metavar="NAME=ARGS",
                        help="replace a script's arguments, e.g. --args \"outbox_throughput=-n 200\" (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one script run may take (default 1800)")
    args = parser.parse_args()
    scripts = [Script(s.name, list(s.args), s.why) for s in SCRIPTS]
    by_name = {s.name: s for s in scripts}
    for override in args.args:
        name, _, value = override.partition("=")
        if name not in by_name:
            parser.error(f"--args: no script {name!r} (scripts: {', '.join(by_name)})")
        by_name[name].args = shlex.split(value)
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in by_name]
        if unknown:
            parser.error(f"--only: no script {', '.join(unknown)} (scripts: {', '.join(by_name)})")
        scripts = [s for s in scripts if s.name in wanted]
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    logs = Path(tempfile.mkdtemp(prefix="bench-run-all-"))
    print(f"{len(scripts)} script(s) x {args.rounds} round(s), interleaved; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f} (1 min) at the start; logs in {logs}", flush=True)
    for script in scripts:
        print(f"  bench/{script.name}.py {shlex.join(script.args)}   ({script.why})", flush=True)
    runs: list[Run] = []
    for round_number in range(1, args.rounds + 1):
        shift = (round_number - 1) % len(scripts)
        for script in scripts[shift:] + scripts[:shift]:
            print(f"round {round_number}/{args.rounds}  {script.name:<18} …", end=" ", flush=True)
            run = run_script(script, round_number, logs, args.timeout)
            runs.append(run)
            outcome = "timeout" if run.exit_code is None else f"exit {run.exit_code}"
            figures = "no BENCH-JSON line" if run.report is None else f"{len(run.report['figures'])} figure(s)"
            print(f"{run.seconds:6.0f} s, {outcome}, {figures}, load average {run.load_average:.2f}", flush=True)

    print(f"\nMedians over {args.rounds} interleaved round(s); ratio = median of the per-round ours/baseline; "
          f"load average (1 min) at the end of each run, median (range). Load average now {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores.\n")
    print_table(table(scripts, runs, collect(runs)))
    print(f"\nEvery run's output: {logs}")
    return 1 if any(run.exit_code != 0 for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
