"""gunicorn's settings in production: ``gunicorn -c personal_site/gunicorn.conf.py personal_site.wsgi``.

``bench/program_page.py`` serves the site, and its bare yardstick, with this same file, so the figures
it prints are this configuration's. Options given on the command line win over the ones here.

Sync workers: the HTTPS proxy in front (nginx, Caddy, a load balancer) buffers slow clients, papers
are at most ``PDF_MAX_BYTES`` and videos go straight to S3, so no request holds a worker for long. A
cached public page is answered from the worker's memory before Django runs (``personal_site/wsgi.py``).
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
# One worker per core keeps the cores busy on cached pages; the extra ones cover requests waiting on
# PostgreSQL, Redis or S3. WEB_CONCURRENCY (the usual variable) overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = 30
graceful_timeout = 30
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
