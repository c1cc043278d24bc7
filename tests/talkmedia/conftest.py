"""Fixtures for talk media: a program with an accepted paper and an invited talk, speakers, an organizer, and a
real S3 API server on loopback (moto's server mode) with the bucket set up by our own management command.
"""
import io
import logging
import os
import uuid
from dataclasses import dataclass

# moto reads this when it is first imported: without it moto answers CORS for any origin, and a browser
# test passes where real S3 (with a missing or wrong bucket CORS rule) would fail. The fixture also
# patches it and checks it, in case something imported moto earlier.
os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tests.services import missing  # noqa: E402

# The submissions package's fixtures, reused as they are (an open practice edition, verified accounts).

MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def _video_settings(settings, tmp_path):
    # S3's smallest part (5 MiB), so a 22 MB test file goes in five parts.
    settings.VIDEO_PART_BYTES = 5 * MIB
    settings.VIDEO_WORK_DIR = str(tmp_path / "video-work")
    settings.SITE_URL = "http://testserver"
    # Accounts are made in every test; the production hasher's deliberate slowness only costs time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Handoffs:
    videos: list  # ids given to videos.process
    mails: list  # ids given to outbox.send_batch


@pytest.fixture(autouse=True)
def _handoffs(request, monkeypatch):
    """Tasks handed to Celery after commit are recorded instead of published, unless the test runs a real worker.

    Without this, a test would publish ids that exist only in the test database to the development broker.
    """
    if "celery_worker_redis" in request.fixturenames:
        return Handoffs(videos=[], mails=[])
    from tests.support.handoffs import record_handoffs

    recorded = record_handoffs(monkeypatch)
    return Handoffs(videos=recorded["videos.process"], mails=recorded["outbox.send_batch"])


@pytest.fixture
def dispatched(_handoffs):
    """Video ids handed to the processing task (recorded, not published: no worker in these tests)."""
    return _handoffs.videos


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run a call as if its transaction committed: its on_commit callbacks (task hand-offs, file deletions) run
    right after it. Cheaper than a transactional test, whose database flush costs seconds on PostgreSQL."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@dataclass
class MediaWorld:
    edition: object
    research_talk: object  # presents Ann's accepted paper; Tony presents it
    invited_talk: object  # a plenary talk; Carole presents it and has no account
    submission: object
    ann: object  # contact author of the paper
    bob: object  # co-author with a verified address
    tony: object  # presenter (verified address equal to his Person.email), not an author
    stranger: object
    organizer: object


@pytest.fixture
def media_world(open_edition, make_author, organizer):
    from program.models import Talk
    from submissions.models import Submission, SubmissionAuthor

    ann, bob = make_author("ann@example.org"), make_author("bob@example.org")
    tony, stranger = make_author("tony@example.org"), make_author("stranger@example.org")
    research = Talk.objects.filter(session__edition=open_edition, kind=Talk.Kind.RESEARCH).order_by("order").first()
    invited = Talk.objects.filter(session__edition=open_edition, kind=Talk.Kind.INVITED).order_by("session__start")[0]
    submission = Submission.objects.create(edition=open_edition, contact=ann, title=research.title,
                                           status=Submission.Status.SUBMITTED)
    SubmissionAuthor.objects.create(submission=submission, order=1, name="Ann", email="ann@example.org")
    SubmissionAuthor.objects.create(submission=submission, order=2, name="Bob", email="bob@example.org")
    research.submission = submission
    research.save()
    tony_person = research.appearances.get(role="presenter").person
    tony_person.email = "Tony@Example.org"
    tony_person.save()
    carole = invited.appearances.filter(role="presenter").first().person
    carole.email = "carole@example.org"
    carole.save()
    return MediaWorld(edition=open_edition, research_talk=research, invited_talk=invited, submission=submission,
                      ann=ann, bob=bob, tony=tony, stranger=stranger, organizer=organizer)


# --- S3 on loopback ------------------------------------------------------------------------------------


@dataclass
class S3Server:
    endpoint: str
    server: object

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                            aws_secret_access_key="testing",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


@pytest.fixture(scope="session")
def s3_server():
    try:
        import moto.moto_server.werkzeug_app as moto_app
        import moto.settings
        from moto.server import ThreadedMotoServer
    except ImportError:
        missing("moto[server]", "pip install -r requirements-dev.txt")
    moto.settings.DISABLE_GLOBAL_CORS = moto_app.DISABLE_GLOBAL_CORS = True
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(endpoint=f"http://{host}:{port}", server=server)
    server.stop()


@dataclass
class S3Bucket:
    name: str
    endpoint: str
    server: S3Server

    def client(self):
        return self.server.client()

    def setup_for(self, origin: str) -> str:
        """Run our management command, as an operator would: CORS for ``origin`` (exposing ETag), lifecycle."""
        out = io.StringIO()
        call_command("setup_video_bucket", "--create", "--origin", origin, stdout=out)
        return out.getvalue()

    def keys(self) -> list[str]:
        response = self.client().list_objects_v2(Bucket=self.name)
        return sorted(o["Key"] for o in response.get("Contents", []))

    def uploads(self) -> list[dict]:
        return self.client().list_multipart_uploads(Bucket=self.name).get("Uploads", [])


@pytest.fixture
def s3(settings, s3_server):
    """The site stores media in a fresh bucket of the loopback S3 server for this test (USE_S3 on)."""
    from personal_site.settings import s3_origins

    bucket = f"videos-{uuid.uuid4().hex[:12]}"
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_QUERYSTRING_EXPIRE = 300
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.USE_S3 = True
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    origins = s3_origins(endpoint_url=s3_server.endpoint, bucket=bucket, region="us-east-1", addressing_style="path")
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    for name in ("media-src", "connect-src"):
        directives[name] = [*directives[name], *(o for o in origins if o not in directives[name])]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": directives}
    s3_server.client().create_bucket(Bucket=bucket)
    return S3Bucket(name=bucket, endpoint=s3_server.endpoint, server=s3_server)


@pytest.fixture(params=["local", "s3"])
def storage_backend(request):
    """Run a test with the embedded defaults (local media) and with S3."""
    if request.param == "s3":
        return request.getfixturevalue("s3")
    return None
