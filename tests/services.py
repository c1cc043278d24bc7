"""Tests that need an external service or tool: skip on a developer's machine, fail in CI.

In CI (``CI=true``) nothing may be skipped for a missing service or browser: the test fails with a
message naming what is missing. On a developer's machine it is skipped, saying why.
"""
import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str, how_to_get_it: str) -> None:
    message = f"{what} is not available: {how_to_get_it}"
    if IN_CI:
        pytest.fail(f"CI requires it. {message}", pytrace=False)
    pytest.skip(message)


def require_executable(name: str, debian_package: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"the program `{name}`", f"apt-get install -y {debian_package}")
    return path


def require_tcp(host: str, port: int, what: str, how: str) -> None:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        missing(f"{what} at {host}:{port} ({exc})", how)
