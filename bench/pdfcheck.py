"""Time and peak memory of the PDF check for a 2-page paper, a 40-page paper and decompression bombs.

Run with ``.venv/bin/python bench/pdfcheck.py [REPETITIONS]``. No Django settings are needed: the
check falls back to its defaults. The parse runs in a child process, so the table shows:

- wall time of check_pdf (includes starting Python and importing pikepdf in the child);
- CPU time of the child (user + system, from RUSAGE_CHILDREN): what the check costs the machine,
  and unlike wall time not inflated when other processes compete for the cores;
- the child's own peak resident memory (VmHWM, reported by the child);
- what the check allocated in this process (tracemalloc peak of Python allocations during the call).
"""

import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("DJANGO_SETTINGS_MODULE", None)  # measure the defaults printed below, not a settings file's

from submissions.pdfcheck import check, check_pdf  # noqa: E402
from tests.submissions import pdf_corpus  # noqa: E402

MB = 1024 * 1024
CASES = {
    "2-page paper": pdf_corpus.two_pages,
    "40-page paper": pdf_corpus.forty_pages,
    "9 MB paper (1 page, padded)": lambda: pdf_corpus.oversize(9 * MB),
    "50,000 small objects": pdf_corpus.object_flood,
    "bomb (object stream, 4 GiB)": pdf_corpus.decompression_bomb,
    "bomb (content stream, 4 GiB)": pdf_corpus.content_stream_bomb,
}


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(data: bytes) -> tuple[float, float, int, int, str]:
    """One check: wall seconds, child CPU seconds, the child's peak RSS, this process's traced peak, outcome."""
    tracemalloc.start()
    cpu_before, started = children_cpu_seconds(), time.perf_counter()
    result = check_pdf(data, page_limit=40)
    elapsed, cpu = time.perf_counter() - started, children_cpu_seconds() - cpu_before
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    outcome = "accepted" if result.ok else "refused: " + result.errors[0][:40]
    return elapsed, cpu, result.parser_peak_rss_bytes or 0, traced_peak, outcome


def main(repetitions: int) -> None:
    print(f"PDF check, {repetitions} repetitions each, median (max). Limits: memory budget "
          f"{check.DEFAULT_MEMORY_BYTES // MB} MB, inflate limit {check.DEFAULT_INFLATE_BYTES // MB} MB, "
          f"timeout {check.DEFAULT_TIMEOUT_SECONDS:g} s.")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'case':30} {'size':>9} {'wall s':>14} {'child CPU s':>14} {'child peak RSS MB':>18} "
          f"{'our traced MB':>14}  outcome")
    for name, make in CASES.items():
        data = make()
        runs = [measure(data) for _ in range(repetitions)]
        wall, cpu, child_peak, traced = ([run[index] for run in runs] for index in range(4))
        print(
            f"{name:30} {len(data) / MB:>7.2f}MB {column(wall, 1, '.3f')} {column(cpu, 1, '.3f')} "
            f"{column(child_peak, MB, '.1f', 10)} {column(traced, MB, '.1f', 6)}  {runs[0][4]}"
        )


def column(values: list, unit: float, form: str, width: int = 6) -> str:
    """'median (max)' of values in the given unit."""
    return f"{format(statistics.median(values) / unit, form):>{width}} ({format(max(values) / unit, form)})"


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
