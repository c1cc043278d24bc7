"""One long-running process started by a test (gunicorn, a Celery worker or beat): started in a session of its
own, ready when its own sign says so, its output in a log file, stopped with SIGTERM or killed with SIGKILL, its
children with it. ``tests/support/site_processes.py`` and ``tests/support/celery_worker.py`` name the processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class SiteProcess:
    """One long-running process of the site, its output in ``log_path``."""

    name = "process"

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, Path(log_path)
        self.process: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def ready(self, offset: int) -> bool:
        raise NotImplementedError

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60) -> SiteProcess:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv(), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready(offset):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"{self.name} was not ready within {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the process group: dies on the spot, children too (an OOM kill, a power cut)."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)

    def stop(self, timeout: float = 10) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def text(self, offset: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def json_lines(self) -> list[dict]:
        records = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
        return records
