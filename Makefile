# Developer commands. The README starts with the two that matter: `make run` and `make test`.
# Everything here works on a fresh machine that has only Python 3.11: the virtualenv is created and
# filled on first use, and again whenever a requirements file changes. `make run` installs only the
# runtime requirements (requirements.txt); test, lint, check and bench add the development tools
# (requirements-dev.txt).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Installed requirements are recorded in two stamps; touching a requirements file reinstalls them.
RUNTIME_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
# Debian packages some tests drive for real (browser, video, IMAP, load generator, XML schema checks).
DEBIAN_TEST_PACKAGES := chromium ffmpeg dovecot-imapd wrk libxml2-utils nginx

.DEFAULT_GOAL := help
.PHONY: help venv run test test-packages lint check bench

help:
	@echo "make run    set up (virtualenv, database, PeRSonAl 2020, practice edition, organizer) and serve"
	@echo "            http://127.0.0.1:8000 with a Celery worker and Celery beat; Ctrl-C stops all"
	@echo "make test   set up (virtualenv, Debian packages when root) and run the whole test suite"
	@echo "make lint   ruff check ."
	@echo "make check  lint, missing migrations, and the production profile's check --deploy"
	@echo "make bench  every benchmark in bench/, interleaved rounds, one table of medians"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

# requirements-dev.txt includes requirements.txt; the runtime stamp comes first, so both stay true.
$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP) | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

venv: $(DEV_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) scripts/run_site.py --prepare

test-packages:
	@scripts/ensure_debian_packages.sh $(DEBIAN_TEST_PACKAGES)

# pytest's exit code is the target's; 5 (no test collected) counts as a failure.
test: $(DEV_STAMP) test-packages
	@$(PY) -m pytest tests; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no test; that is a failure" >&2; exit 1; fi; \
	exit $$status

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

check: lint
	$(PY) manage.py makemigrations --check --dry-run
	SITE_PROFILE=production ALLOWED_HOSTS=example.org \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(PY) manage.py check --deploy --fail-level WARNING

# BENCH_ARGS, e.g. BENCH_ARGS="--rounds 5" or BENCH_ARGS="--only program_page".
bench: $(DEV_STAMP)
	@scripts/ensure_debian_packages.sh wrk ffmpeg
	$(PY) bench/run_all.py $(BENCH_ARGS)
