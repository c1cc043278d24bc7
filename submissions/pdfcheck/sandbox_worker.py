"""A sandbox worker: a pre-started interpreter with pikepdf imported that parses each PDF in a fresh fork.

Started by sandbox.py as ``python -I sandbox_worker.py`` with an empty environment, so nothing of
Django, the project or its secrets is loaded. It prints ``READY`` once pikepdf is imported, then
serves requests on stdin, one at a time: a JSON header line (limits and the PDF's size), the PDF's
bytes; for each it answers one JSON line of facts (see isolated_parse.facts_about) with a "status".

Why fork per PDF: starting Python and importing pikepdf costs 0.15–0.4 s, forking this small,
single-threaded process about 2 ms. Each parse gets a process of its own, forked from a worker that
has never seen a PDF: the memory, CPU, file-size and open-file limits are set in the fork and
measured from the same starting point every time, so a paper's answer never depends on which
papers came before it, and nothing of one author's file is left in memory for the next one.

Statuses added here: "timeout" (wall clock or CPU limit), "memory" (address-space limit), "crashed"
(the fork died of a signal, e.g. a parser bug on crafted input) and "failed" (our side).
"""

import json
import os
import selectors
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script's own folder off sys.path

import isolated_parse  # noqa: E402

MAX_HEADER = 4096
EXIT_OUT_OF_MEMORY = 3
READ_PIECE = 64 * 1024


def serve(requests, answers) -> None:
    """Answer requests until the caller closes the pipe (its process ended, or it retired this worker)."""
    answers.write(b"READY\n")
    answers.flush()
    while header := requests.readline(MAX_HEADER):
        request = json.loads(header)
        data = requests.read(request["size"])
        if len(data) != request["size"]:
            return
        answers.write(json.dumps(parse_in_fork(data, request)).encode("ascii") + b"\n")
        answers.flush()


def parse_in_fork(data: bytes, request: dict) -> dict:
    """Facts about data, from a forked process with limits that is killed when it runs out of time."""
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os._exit(parse_here(data, request, write_end))
    os.close(write_end)
    output, in_time = read_until_closed(read_end, started + request["timeout_seconds"])
    os.close(read_end)
    if not in_time:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    facts = {"status": "timeout"} if not in_time else facts_from(status, output)
    facts["parse_seconds"] = time.monotonic() - started
    return facts


def parse_here(data: bytes, request: dict, answer_fd: int) -> int:
    """In the fork: limit this process, parse, write the facts to answer_fd; the exit code for os._exit."""
    try:
        # The worker's own pipes to its caller are not the parser's business: a parser subverted by
        # a crafted file must not be able to answer for other checks. Its error output goes nowhere
        # too: that is a file, and writing to a file past RLIMIT_FSIZE=0 would kill the parse.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
                clear.write("5")  # peak resident memory counts from here, not from the worker's
        except OSError:  # a restricted /proc: the peak then includes the worker's, which is only a report
            pass
        isolated_parse.limit_resources(request["memory_bytes"], request["cpu_seconds"], request["inflate_bytes"])
        try:
            facts = isolated_parse.facts_about(data, request["page_limit"], request["content_bytes"])
        except RecursionError as error:
            facts = {"status": "damaged", "detail": f"recursion: {error}"[:500]}
        facts["peak_rss_bytes"] = isolated_parse.memory_status("VmHWM")
        answer = json.dumps(facts).encode("ascii")
        with os.fdopen(answer_fd, "wb") as out:
            out.write(answer)
        return 0
    except MemoryError:
        return EXIT_OUT_OF_MEMORY
    except BaseException:  # noqa: BLE001 - anything else is our bug: say so to the caller, who logs it
        try:
            os.write(answer_fd, json.dumps({"status": "failed", "detail": traceback.format_exc()[-1500:]}).encode())
        except (OSError, MemoryError):
            pass
        return 1


def read_until_closed(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Everything written to fd until its writer closed it, and False if the deadline came first."""
    pieces = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return b"".join(pieces), False
            piece = os.read(fd, READ_PIECE)
            if not piece:
                return b"".join(pieces), True
            pieces.append(piece)


def facts_from(status: int, output: bytes) -> dict:
    """Interpret the fork's answer, or how it died when it could not give one."""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) in (0, 1) and output:
        try:
            return json.loads(output)
        except ValueError:
            return {"status": "failed", "detail": f"unreadable answer {output[:200]!r}"}
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_OUT_OF_MEMORY:
        return {"status": "memory"}
    if os.WIFSIGNALED(status):
        if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            return {"status": "timeout"}
        return {"status": "crashed", "detail": f"killed by signal {os.WTERMSIG(status)}"}
    return {"status": "failed", "detail": f"exit status {status} without an answer"}


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
