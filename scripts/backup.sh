#!/usr/bin/env bash
# Back up the site: the PostgreSQL database (pg_dump, custom format) and every uploaded file (S3 bucket or
# MEDIA_ROOT, through `manage.py media_backup`), into one new folder, then a .tar of it.
#
#   scripts/backup.sh /var/backups/personal-site        # writes <dir>/personal-site-<UTC time>.tar
#
# Reads the site's environment (DATABASE_URL, AWS_*; e.g. `set -a; . /etc/personal-site/env; set +a`).
# Run it from the repository (or set PYTHON to the site's virtualenv python). Restore with scripts/restore.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ $# -eq 1 ] || { echo "usage: $0 BACKUP_DIR" >&2; exit 2; }
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac

name="personal-site-$(date -u +%Y%m%dT%H%M%SZ)"
work="$1/$name"
mkdir -p "$work"
echo "database -> $work/db.dump"
pg_dump --format=custom --no-owner --no-privileges --file="$work/db.dump" "$DATABASE_URL"
echo "uploaded files -> $work/media"
"$PYTHON" manage.py media_backup --to "$work/media"
tar -C "$1" -cf "$1/$name.tar" "$name"
rm -rf "$work"
echo "backup written: $1/$name.tar"
