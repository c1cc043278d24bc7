"""scripts/backup.sh and scripts/restore.sh: a site with papers on S3 (moto) is backed up, restored into a fresh
PostgreSQL database and a fresh bucket, and every paper is found there with its PDF (same SHA-256).

The papers are submitted through the site's own form (the test client, storage on moto); the scripts run as an
operator would run them, in their own processes, configured by the environment only.
"""
import hashlib
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.review.conftest import submit_paper
from tests.services import missing, require_executable
from tests.submissions import conftest as submission_fixtures
from tests.support.celery_worker import database_url_for_worker
from tests.support.site_processes import REPO
from tests.talkmedia import conftest as video_fixtures

pytestmark = pytest.mark.services

pdf_with_pages = submission_fixtures.pdf_with_pages
s3 = video_fixtures.s3
s3_server = video_fixtures.s3_server

PAPERS_QUERY = """
    SELECT s.id, s.title, v.file, v.sha256 FROM submissions_submission s
    JOIN submissions_paperversion v ON v.submission_id = s.id ORDER BY v.id"""


def run(script: str, argument: str, env: dict) -> str:
    done = subprocess.run([str(REPO / "scripts" / script), argument], env=env, cwd=REPO, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def site_env(database_url: str, bucket: str, endpoint: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "PYTHON": sys.executable, "DJANGO_SETTINGS_MODULE": "personal_site.settings", "DATABASE_URL": database_url,
        "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1", "AWS_S3_ADDRESSING_STYLE": "path",
    })
    return env


@pytest.fixture
def fresh_database(transactional_db):
    """An empty database beside the test database, dropped afterwards."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing("PostgreSQL as the test database (backup.sh and restore.sh are for PostgreSQL)",
                "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/personal_site")
    require_executable("pg_dump", "postgresql-client")
    require_executable("pg_restore", "postgresql-client")
    source = database_url_for_worker(connection)
    parts = urlsplit(source)
    name = f"{parts.path.lstrip('/')}_restored_{uuid.uuid4().hex[:6]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_backup_then_restore_into_a_fresh_database_and_bucket_finds_every_paper_and_its_pdf(
    client, open_edition, make_author, s3, fresh_database, tmp_path
):
    from django.db import connection

    ann, carol = make_author("ann@example.org"), make_author("carol@example.org")
    pdfs = {}
    for n, (user, coauthor) in enumerate([(ann, "bob@example.org"), (carol, "gwen@example.org"),
                                          (ann, "hal@example.org")]):
        data = pdf_with_pages(1 + n % 2, size=(612, 792) if n < 2 else (595, 842))  # each its own bytes
        pdfs[f"Paper {n}"] = data
        submit_paper(client, open_edition, user, f"Paper {n}", coauthor, pdf=data)
    source_url = database_url_for_worker(connection)
    with psycopg.connect(source_url) as db:
        before = db.execute(PAPERS_QUERY).fetchall()
    assert len(before) == 3 and all(s3.client().head_object(Bucket=s3.name, Key=row[2]) for row in before)

    out = run("backup.sh", str(tmp_path / "backups"), site_env(source_url, s3.name, s3.endpoint))
    [archive] = (tmp_path / "backups").glob("personal-site-*.tar")
    assert "3 file(s)" in out and str(archive) in out

    fresh_bucket = f"restored-{uuid.uuid4().hex[:10]}"
    s3.client().create_bucket(Bucket=fresh_bucket)
    out = run("restore.sh", str(archive), site_env(fresh_database, fresh_bucket, s3.endpoint))
    assert "3 file(s)" in out

    with psycopg.connect(fresh_database) as db:
        after = db.execute(PAPERS_QUERY).fetchall()
        users = db.execute("SELECT email FROM auth_user ORDER BY email").fetchall()
    assert after == before
    assert [u[0] for u in users] == ["ann@example.org", "carol@example.org"]
    for _, title, key, sha256 in after:
        body = s3.client().get_object(Bucket=fresh_bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha256 == hashlib.sha256(pdfs[title]).hexdigest()
