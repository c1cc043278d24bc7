"""The PDF check's speed and memory, against baselines measured in the same run.

Run with ``.venv/bin/python bench/pdfcheck.py [--rounds N] [--json]``. No Django settings are needed:
the check falls back to its defaults. Prints, for a 2-page paper, p50/p95 wall time of:

- ``check_pdf`` as it runs now: a pre-started sandbox worker forks a limited parse process;
- the old way: a fresh ``python -I`` child per paper that imports pikepdf and parses (the same
  worker script started, used once, and stopped: what every check cost before the pool);
- a bare ``pikepdf.open`` of the same bytes in this process, with no sandbox at all (the floor);

and for decompression bombs (a 2-page paper whose page 1 inflates to 256 MiB, and a 256 MiB form
nested two deep) the check's time and peak memory: of the parse process (VmHWM), and of the whole
tree (this process's growth + the worker + the parse process, read from /proc), beside a naive
in-memory inflate of the same page (a fresh process; peak RSS from wait4) as the baseline.

Rounds are interleaved (each round measures every method, in rotating order) and figures are
medians or percentiles over all rounds, with the load average beside them: other work on the 2
cores only ever adds time. The last line is ``BENCH-JSON {...}`` for a table of benchmarks.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("DJANGO_SETTINGS_MODULE", None)  # measure the defaults printed below, not a settings file's

import pikepdf  # noqa: E402

from submissions.pdfcheck import check, check_pdf, sandbox  # noqa: E402
from tests.submissions import pdf_corpus  # noqa: E402

MB = 1024 * 1024
PAGE_LIMIT = 2
BOMBS = {
    "bomb: page 1 inflates to 256 MiB": pdf_corpus.two_page_content_bomb,
    "bomb: 256 MiB in nested forms": pdf_corpus.content_bomb_in_nested_forms,
}
NAIVE_INFLATE = (
    "import io, sys, pikepdf\n"
    "pdf = pikepdf.open(io.BytesIO(sys.stdin.buffer.read()))\n"
    "print(sum(len(s.read_bytes()) for s in pdf.objects if isinstance(s, pikepdf.Stream)))\n"
)


def status_bytes(pid: int | str, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def pooled_check(data: bytes) -> dict:
    """check_pdf as the site runs it; peak memory of this process's growth, the worker and the parse process."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")  # VmHWM starts again from the current RSS
    ours_before = status_bytes("self", "VmRSS")
    started = time.perf_counter()
    result = check_pdf(data, page_limit=PAGE_LIMIT)
    seconds = time.perf_counter() - started
    workers = sum(status_bytes(w.process.pid, "VmHWM") for w in sandbox.current_pool()._all if w.alive)
    parse = result.parser_peak_rss_bytes or 0
    tree = status_bytes("self", "VmHWM") - ours_before + workers + parse
    return {"seconds": seconds, "parse_peak": parse, "tree_peak": tree, "outcome": outcome(result)}


def fresh_child_check(data: bytes) -> dict:
    """The old way: start an interpreter that imports pikepdf, parse one PDF (same limits), let it exit."""
    request = {"page_limit": PAGE_LIMIT, "memory_bytes": check.DEFAULT_MEMORY_BYTES,
               "inflate_bytes": check.DEFAULT_INFLATE_BYTES, "content_bytes": check.DEFAULT_PAGE_CONTENT_BYTES,
               "timeout_seconds": check.DEFAULT_TIMEOUT_SECONDS, "cpu_seconds": int(check.DEFAULT_TIMEOUT_SECONDS),
               "size": len(data)}
    started = time.perf_counter()
    answer, peak = run_child([sys.executable, "-I", str(sandbox.PARSER_WORKER)],
                             json.dumps(request).encode() + b"\n" + data)
    seconds = time.perf_counter() - started
    facts = json.loads(answer.split(b"\n")[1])
    return {"seconds": seconds, "tree_peak": peak, "outcome": facts["status"]}


def bare_open(data: bytes) -> dict:
    started = time.perf_counter()
    pdf = pikepdf.open(io.BytesIO(data))
    len(pdf.pages)
    return {"seconds": time.perf_counter() - started}


def naive_inflate(data: bytes) -> dict:
    """What a viewer, or a check without a cap, does: inflate every stream whole, in a fresh process."""
    started = time.perf_counter()
    answer, peak = run_child([sys.executable, "-I", "-c", NAIVE_INFLATE], data)
    return {"seconds": time.perf_counter() - started, "tree_peak": peak, "outcome": f"{int(answer) / MB:.0f} MiB"}


def run_child(argv: list[str], stdin: bytes) -> tuple[bytes, int]:
    """The child's stdout and its own peak RSS (wait4 reports it for exactly this child)."""
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"LC_ALL": "C.UTF-8"})
    child.stdin.write(stdin)
    child.stdin.close()
    answer = child.stdout.read()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped here: keep Popen from waiting again
    return answer, usage.ru_maxrss * 1024


def outcome(result) -> str:
    return "accepted" if result.ok else "refused: " + result.errors[0][:48] + "…"


def interleaved(methods: dict, data: bytes, rounds: int) -> dict[str, list[dict]]:
    samples = {name: [] for name in methods}
    names = list(methods)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(methods[name](data))
    return samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds for the 2-page paper")
    parser.add_argument("--bomb-rounds", type=int, default=5, help="interleaved rounds for each bomb")
    parser.add_argument("--json", action="store_true", help="print only the BENCH-JSON line")
    args = parser.parse_args()
    say = (lambda *a, **k: None) if args.json else print
    figures = {"load_before": os.getloadavg()[0]}

    check_pdf(pdf_corpus.two_pages(), page_limit=PAGE_LIMIT)  # start this process's worker: the site's steady state
    say(f"PDF check, limits: memory {check.DEFAULT_MEMORY_BYTES // MB} MB, object-stream inflate "
        f"{check.DEFAULT_INFLATE_BYTES // MB} MB, page contents {check.DEFAULT_PAGE_CONTENT_BYTES // MB} MB, "
        f"timeout {check.DEFAULT_TIMEOUT_SECONDS:g} s. {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    paper = pdf_corpus.two_pages()
    samples = interleaved({"pool": pooled_check, "fresh child": fresh_child_check, "bare open": bare_open},
                          paper, args.rounds)
    say(f"\n2-page paper ({len(paper)} bytes), {args.rounds} interleaved rounds:")
    say(f"  {'method':44} {'p50 ms':>8} {'p95 ms':>8}")
    labels = {"pool": "check_pdf (pre-started worker, fork per PDF)", "fresh child": "old way: fresh python per PDF",
              "bare open": "bare pikepdf.open in-process, no sandbox"}
    for name, runs in samples.items():
        seconds = [run["seconds"] for run in runs]
        figures[f"paper_{name.replace(' ', '_')}_p50_ms"] = round(percentile(seconds, .5) * 1e3, 2)
        figures[f"paper_{name.replace(' ', '_')}_p95_ms"] = round(percentile(seconds, .95) * 1e3, 2)
        say(f"  {labels[name]:44} {percentile(seconds, .5) * 1e3:8.1f} {percentile(seconds, .95) * 1e3:8.1f}")
    figures["paper_speedup_vs_fresh_child"] = round(
        figures["paper_fresh_child_p50_ms"] / figures["paper_pool_p50_ms"], 1)
    figures["paper_pool_over_bare_open"] = round(figures["paper_pool_p50_ms"] / figures["paper_bare_open_p50_ms"], 1)
    say(f"  p50 ratios: the old way takes {figures['paper_speedup_vs_fresh_child']}× as long as check_pdf; "
        f"check_pdf takes {figures['paper_pool_over_bare_open']}× a bare open")

    for label, make in BOMBS.items():
        bomb = make()
        key = "bomb_nested" if "nested" in label else "bomb_256"
        runs = interleaved({"pool": pooled_check, "naive": naive_inflate}, bomb, args.bomb_rounds)
        pool_seconds = statistics.median(run["seconds"] for run in runs["pool"])
        pool_tree = max(run["tree_peak"] for run in runs["pool"])
        naive_seconds = statistics.median(run["seconds"] for run in runs["naive"])
        naive_tree = max(run["tree_peak"] for run in runs["naive"])
        figures.update({
            f"{key}_check_ms": round(pool_seconds * 1e3, 1),
            f"{key}_parse_peak_mb": round(max(run["parse_peak"] for run in runs["pool"]) / MB, 1),
            f"{key}_tree_peak_mb": round(pool_tree / MB, 1),
            f"{key}_naive_inflate_ms": round(naive_seconds * 1e3, 1),
            f"{key}_naive_inflate_peak_mb": round(naive_tree / MB, 1),
            f"{key}_refused": not runs["pool"][0]["outcome"].startswith("accepted"),
        })
        say(f"\n{label} ({len(bomb) / 1024:.0f} KB on disk), {args.bomb_rounds} interleaved rounds, "
            "median time, max peak:")
        say(f"  check_pdf: {pool_seconds * 1e3:7.1f} ms, parse process peak {figures[f'{key}_parse_peak_mb']} MB, "
            f"whole tree {pool_tree / MB:.1f} MB; {runs['pool'][0]['outcome']}")
        say(f"  baseline, naive inflate in a fresh process: {naive_seconds * 1e3:7.1f} ms, "
            f"peak {naive_tree / MB:.1f} MB ({runs['naive'][0]['outcome']} inflated)")
        say(f"  ratios: {naive_seconds / pool_seconds:.1f}× faster, {naive_tree / pool_tree:.1f}× less memory")
    figures["load_after"] = os.getloadavg()[0]
    say(f"\nload average {figures['load_before']:.2f} before, {figures['load_after']:.2f} after")
    sandbox.shutdown_pool()
    table = [  # for bench/run_all.py's table; the targets are issue #11's
        {"name": "2-page paper check p50", "unit": "ms", "ours": figures["paper_pool_p50_ms"],
         "baseline": figures["paper_fresh_child_p50_ms"], "max": 50},
    ]
    for key, label in (("bomb_256", "256 MiB bomb"), ("bomb_nested", "nested bomb")):
        if f"{key}_check_ms" in figures:
            table += [
                {"name": f"{label} refused in", "unit": "ms", "ours": figures[f"{key}_check_ms"],
                 "baseline": figures[f"{key}_naive_inflate_ms"], "max": 1000},
                {"name": f"{label} peak (whole tree)", "unit": "MB", "ours": figures[f"{key}_tree_peak_mb"],
                 "baseline": figures[f"{key}_naive_inflate_peak_mb"], "max": 100},
            ]
    print("BENCH-JSON " + json.dumps({"bench": "pdfcheck", "load_average": figures["load_after"], "figures": table,
                                      **figures}, sort_keys=True))


if __name__ == "__main__":
    main()
