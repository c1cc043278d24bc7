"""This process's pool of pre-started sandbox workers (sandbox_worker.py), and the one call into it.

Why a pool: a fresh interpreter that imports pikepdf costs 0.15–0.4 s, most of a paper's check.
A worker is started once (lazily, on this process's first check) and then forks a limited parse
process per PDF in about 2 ms; see sandbox_worker.py for the limits and why a fork per PDF.

Why subprocess workers rather than multiprocessing: the callers are a threaded web server and
Celery's prefork pool processes, which are daemonic, and multiprocessing refuses them children
("daemonic processes are not allowed to have children", celery/celery#1709); forking a threaded
process can also deadlock. A worker is a fresh interpreter (fork+exec), given none of our
environment (secret keys, cloud credentials), and only forks itself, a single-threaded process.

A worker that dies, stops answering or fails to start is replaced; one is retired after
checks_per_worker checks anyway, and its replacement is started at once so the next check finds a
warm worker. The pool belongs to the process that started it: a process forked from it (gunicorn
--preload, Celery prefork) closes its copies of the pipes at fork and starts a pool of its own on
its first check; a pid check catches forks that skip Python's at-fork handlers.
"""

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

logger = logging.getLogger(__name__)

# Run by path, not imported: this process never needs pikepdf.
PARSER_WORKER = Path(__file__).with_name("sandbox_worker.py")
CHILD_ENVIRONMENT = {"LC_ALL": "C.UTF-8"}
# Starting Python and importing pikepdf takes 0.15 s on an idle machine; far longer under heavy load.
STARTUP_SECONDS = 30.0
# The worker enforces the parse's time limit itself; this is for a worker that stopped answering.
ANSWER_GRACE_SECONDS = 2.0
DEFAULT_MAX_WORKERS = 2
DEFAULT_CHECKS_PER_WORKER = 500
WRITE_PIECE = 64 * 1024


class WorkerLost(Exception):
    """The worker died or closed its pipes before answering (killed, or the machine ran out of memory)."""


class WorkerBroken(Exception):
    """The worker never became ready: our side (a missing module, no pikepdf); not the PDF's fault."""


class SandboxWorker:
    """One worker process and its pipes. Used by one thread at a time (the pool hands it out)."""

    def __init__(self):
        # A file, not a pipe, for its errors: nobody has to drain it while the worker runs.
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(PARSER_WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errors, env=CHILD_ENVIRONMENT, bufsize=0, start_new_session=True, close_fds=True,
        )
        self.checks = 0
        self.ready = False
        self._received = b""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def parse(self, content: bytes, request: dict, timeout_seconds: float) -> dict:
        """The worker's facts; raises WorkerBroken, WorkerLost, or TimeoutError when it stopped answering."""
        if not self.ready:
            try:
                greeting = self._read_line(time.monotonic() + STARTUP_SECONDS)
            except TimeoutError:
                raise WorkerBroken(f"not ready after {STARTUP_SECONDS:g} s: {self.error_tail()}") from None
            if greeting != b"READY":
                raise WorkerBroken(f"exit status {self.process.poll()}: {self.error_tail()}")
            self.ready = True
        deadline = time.monotonic() + timeout_seconds + ANSWER_GRACE_SECONDS
        header = json.dumps({**request, "size": len(content)}).encode("ascii") + b"\n"
        self._send(header + content, deadline)
        line = self._read_line(deadline)
        if line is None:
            raise WorkerLost(f"exit status {self.process.poll()}: {self.error_tail()}")
        self.checks += 1
        return json.loads(line)

    def _send(self, data: bytes, deadline: float) -> None:
        fd, view, sent = self.process.stdin.fileno(), memoryview(data), 0
        os.set_blocking(fd, False)
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_WRITE)
            while sent < len(view):
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError("the PDF sandbox worker stopped reading")
                try:
                    sent += os.write(fd, view[sent:sent + WRITE_PIECE])
                except BlockingIOError:
                    continue
                except OSError as error:  # BrokenPipeError: the worker is gone
                    raise WorkerLost(f"{error}: {self.error_tail()}") from None

    def _read_line(self, deadline: float) -> bytes | None:
        """The next line the worker writes, without its newline; None if it closed its output first."""
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._received:
                if not selector.select(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError("the PDF sandbox worker stopped answering")
                piece = os.read(fd, 65536)
                if not piece:
                    return None
                self._received += piece
        line, self._received = self._received.split(b"\n", 1)
        return line

    def error_tail(self) -> str:
        try:
            self.errors.seek(0, os.SEEK_END)
            self.errors.seek(max(0, self.errors.tell() - 2000))
            return self.errors.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        """Kill the worker and its parse process (its own process group), and reap it."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:  # already gone
            pass
        self.process.wait()
        self.abandon()

    def abandon(self) -> None:
        """Close this process's ends of the pipes, leaving the process alone (it belongs to our parent)."""
        for stream in (self.process.stdin, self.process.stdout, self.errors):
            try:
                stream.close()
            except OSError:
                pass


class SandboxPool:
    """Up to max_workers workers, so that threaded callers can check PDFs side by side."""

    def __init__(self, *, max_workers: int, checks_per_worker: int):
        self.pid = os.getpid()
        self.max_workers, self.checks_per_worker = max(1, max_workers), max(1, checks_per_worker)
        self._idle: list[SandboxWorker] = []
        self._all: set[SandboxWorker] = set()
        self._changed = threading.Condition()

    def parse(self, content: bytes, request: dict, timeout_seconds: float) -> dict:
        """Facts from a worker; a worker lost during the check is replaced and the check tried once more."""
        for attempt in (1, 2):
            try:
                worker = self._acquire()
            except OSError:
                logger.exception("Could not start a PDF sandbox worker")
                return {"status": "failed"}
            try:
                facts = worker.parse(content, request, timeout_seconds)
            except WorkerBroken as broken:
                logger.error("The PDF sandbox worker did not start: %s", broken)
                self._retire(worker, replace=False)
                return {"status": "failed"}
            except WorkerLost as lost:
                logger.warning("A PDF sandbox worker was lost during a check (attempt %d): %s", attempt, lost)
                self._retire(worker)
                continue
            except TimeoutError:
                logger.warning("A PDF sandbox worker stopped answering; replacing it")
                self._retire(worker)
                return {"status": "timeout"}
            except BaseException:
                self._retire(worker)
                raise
            if facts.get("status") == "failed":
                logger.error("The PDF parse process failed: %s", facts.get("detail", ""))
            self._release(worker)
            return facts
        return {"status": "failed"}

    def _acquire(self) -> SandboxWorker:
        with self._changed:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive:
                        return worker
                    self._all.discard(worker)
                    worker.stop()
                if len(self._all) < self.max_workers:
                    break
                self._changed.wait()
            worker = SandboxWorker()
            self._all.add(worker)
            return worker

    def _release(self, worker: SandboxWorker) -> None:
        if worker.checks >= self.checks_per_worker:
            self._retire(worker)
            return
        with self._changed:
            self._idle.append(worker)
            self._changed.notify()

    def _retire(self, worker: SandboxWorker, *, replace: bool = True) -> None:
        """Stop worker; with replace, start its successor now, so it is warm by the next check."""
        worker.stop()
        with self._changed:
            self._all.discard(worker)
            if replace and len(self._all) < self.max_workers:
                try:
                    successor = SandboxWorker()
                except OSError:
                    logger.exception("Could not start a PDF sandbox worker")
                else:
                    self._all.add(successor)
                    self._idle.append(successor)
            self._changed.notify()

    def shutdown(self) -> None:
        with self._changed:
            workers, self._idle = list(self._all), []
            self._all.clear()
        for worker in workers:
            worker.stop()

    def abandon(self) -> None:
        """In a forked child: forget the parent's workers without touching them (no locks: one thread now)."""
        for worker in list(self._all):
            worker.abandon()
        self._all.clear()
        self._idle = []


_pool: SandboxPool | None = None
_pool_lock = threading.Lock()


def parse_in_sandbox(content: bytes, *, limits: dict, timeout_seconds: float, max_workers: int = DEFAULT_MAX_WORKERS,
                     checks_per_worker: int = DEFAULT_CHECKS_PER_WORKER) -> dict:
    """Facts about the PDF (see isolated_parse.facts_about), with "status" saying how the parse ended.

    limits: page_limit, memory_bytes, inflate_bytes, content_bytes. Adds "elapsed_seconds", the
    check's wall time as the caller sees it (waiting for a free worker included).
    """
    started = time.monotonic()
    if not sys.executable:  # embedded interpreters (uWSGI) may not know their own path
        logger.error("Cannot check PDFs: sys.executable is not set")
        return {"status": "failed", "elapsed_seconds": 0.0}
    request = {**limits, "timeout_seconds": timeout_seconds, "cpu_seconds": max(1, int(-(-timeout_seconds // 1)))}
    facts = current_pool(max_workers, checks_per_worker).parse(content, request, timeout_seconds)
    facts["elapsed_seconds"] = time.monotonic() - started
    return facts


def current_pool(max_workers: int = DEFAULT_MAX_WORKERS,
                 checks_per_worker: int = DEFAULT_CHECKS_PER_WORKER) -> SandboxPool:
    """This process's pool, started on first use (and again after a fork, or when its sizing changed)."""
    global _pool
    with _pool_lock:
        if _pool is not None and _pool.pid != os.getpid():
            _pool.abandon()
            _pool = None
        if _pool is not None and (_pool.max_workers, _pool.checks_per_worker) != (max_workers, checks_per_worker):
            _pool.shutdown()
            _pool = None
        if _pool is None:
            _pool = SandboxPool(max_workers=max_workers, checks_per_worker=checks_per_worker)
        return _pool


def shutdown_pool() -> None:
    """Stop this process's workers (tests, benchmarks); the next check starts a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and pool.pid == os.getpid():
        pool.shutdown()


def _forget_inherited_pool() -> None:
    global _pool, _pool_lock
    _pool_lock = threading.Lock()  # another thread may have held the old one at the moment of the fork
    if _pool is not None:
        _pool.abandon()
        _pool = None


os.register_at_fork(after_in_child=_forget_inherited_pool)
