#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database and storage of the current environment:
# DATABASE_URL must name an EMPTY database (create it first: createdb …), AWS_STORAGE_BUCKET_NAME an existing
# bucket (`manage.py setup_video_bucket --create --origin https://<site>` makes one with its CORS and lifecycle).
#
#   scripts/restore.sh /var/backups/personal-site/personal-site-20260101T000000Z.tar
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ $# -eq 1 ] || { echo "usage: $0 BACKUP.tar" >&2; exit 2; }
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database to restore into}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xf "$1"
folder=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -f "$folder/db.dump" ] || { echo "restore.sh: $1 holds no db.dump" >&2; exit 1; }
echo "database <- $folder/db.dump"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$folder/db.dump"
"$PYTHON" manage.py migrate --noinput   # a backup from an older release gets the newer migrations
echo "uploaded files <- $folder/media"
"$PYTHON" manage.py media_restore --from "$folder/media"
echo "restored from $1"
