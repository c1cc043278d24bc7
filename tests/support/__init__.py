"""Reusable helpers for tests against real servers: an SMTP server (aiosmtpd) and real Celery workers on Redis.

The fixtures built on them live in ``tests/conftest.py``; see the docstrings of :mod:`tests.support.smtp` and
:mod:`tests.support.celery_worker` for how to use them.
"""
