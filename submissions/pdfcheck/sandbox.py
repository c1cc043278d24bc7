"""Run isolated_parse.py in a fresh child process with limits, and read back its facts.

A fresh interpreter (subprocess, not multiprocessing) because the callers are a threaded web server
and Celery's prefork workers: forking a threaded process can deadlock, and Celery's pool processes
are daemonic, which multiprocessing refuses to let have children ("daemonic processes are not
allowed to have children", celery/celery#1709). Starting Python and importing pikepdf costs about
0.15 s on an idle machine, once per uploaded paper.
"""

import json
import logging
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

# Run by path, not imported: this process never needs pikepdf.
PARSER_SCRIPT = Path(__file__).with_name("isolated_parse.py")
# The child parses hostile input: it gets none of our environment (secret keys, cloud credentials).
CHILD_ENVIRONMENT = {"LC_ALL": "C.UTF-8"}
# isolated_parse.py exits with this when it ran out of memory before it could print its facts.
EXIT_OUT_OF_MEMORY = 3


def parse_in_child(
    content: bytes, *, page_limit: int, memory_bytes: int, inflate_bytes: int, timeout_seconds: float
) -> dict:
    """Facts about the PDF (see isolated_parse.facts_about), with "status" describing how the parse ended.

    Statuses added here: "timeout" (wall clock or CPU limit), "memory" (address-space limit),
    "crashed" (killed by a signal, e.g. a parser bug on crafted input) and "failed" (our side:
    the child could not start or gave no answer). Also adds "elapsed_seconds".
    """
    if not sys.executable:  # embedded interpreters (uWSGI) may not know their own path
        logger.error("Cannot check PDFs: sys.executable is not set")
        return {"status": "failed", "elapsed_seconds": 0.0}
    command = [
        sys.executable, "-I", str(PARSER_SCRIPT),
        str(page_limit), str(memory_bytes), str(max(1, math.ceil(timeout_seconds))), str(inflate_bytes),
    ]
    started = time.monotonic()
    try:
        finished = subprocess.run(
            command, input=content, capture_output=True, timeout=timeout_seconds, check=False, env=CHILD_ENVIRONMENT
        )
    except subprocess.TimeoutExpired:
        facts = {"status": "timeout"}
    except OSError:
        logger.exception("Could not start the PDF parser process")
        facts = {"status": "failed"}
    else:
        facts = _facts_from(finished)
    facts["elapsed_seconds"] = time.monotonic() - started
    return facts


def _facts_from(finished: subprocess.CompletedProcess) -> dict:
    """Interpret the child's output, or how it died when it could not write any."""
    if finished.returncode == 0:
        try:
            return json.loads(finished.stdout)
        except ValueError:
            logger.error("The PDF parser process printed no facts: %r", finished.stdout[:200])
            return {"status": "failed"}
    if finished.returncode == EXIT_OUT_OF_MEMORY:
        return {"status": "memory"}
    if finished.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return {"status": "timeout"}
    stderr = finished.stderr.decode("utf-8", "replace")[-2000:]
    if finished.returncode < 0:
        logger.warning("The PDF parser process died of signal %s: %s", -finished.returncode, stderr)
        return {"status": "crashed"}
    if "MemoryError" in stderr:
        return {"status": "memory"}
    logger.error("The PDF parser process failed with exit code %s: %s", finished.returncode, stderr)
    return {"status": "failed"}
