"""Where the bytes of a video go: S3 through presigned part URLs, or local media through the application.

Both backends offer the same operations to the upload services, so the browser code and the rest of
the flow are the same with and without S3:

- ``create(key, content_type)`` starts a multipart upload and returns its id;
- ``part_url(video, number, size)`` is a URL the browser PUTs one part to (presigned S3, or a signed
  application URL), which answers with the part's ETag;
- ``list_parts(video)`` tells which parts are stored (to resume, and to check before completing);
- ``complete(video, parts)`` / ``abort(video)`` finish or discard the upload.

With S3 the web process never carries video bytes. Locally, parts are written to
``MEDIA_ROOT/video-parts/<random>/`` as they stream in and survive a restart; a Celery task joins
them into the final file, so no web request copies gigabytes.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.urls import reverse

from ..models import TalkVideo

PART_SALT = "videos.part"
LOCAL_PARTS_DIR = "video-parts"
COPY_CHUNK = 1024 * 1024


class PartRejected(Exception):
    """A part the server will not store (wrong size, broken connection); the message says why."""


@dataclass(frozen=True)
class StoredPart:
    number: int
    size: int
    etag: str  # without quotes

    def as_json(self) -> dict:
        return {"number": self.number, "size": self.size, "etag": self.etag}


def clean_etag(value: str | None) -> str:
    return (value or "").strip().strip('"').lower()


# --- S3 -------------------------------------------------------------------------------------------


def s3_client():
    """The boto3 client of the default storage (django-storages): same endpoint, credentials, signature.

    django-storages keeps one boto3 resource per thread (resources are not thread-safe); clients are, so
    one is kept per storage instance: a threaded web worker does not build a client in every thread.
    """
    from django.core.files.storage import storages

    storage = storages["default"]
    client = getattr(storage, "_videos_s3_client", None)
    if client is None:
        client = storage._videos_s3_client = storage.connection.meta.client
    return client


def s3_bucket() -> str:
    return default_storage.bucket_name


def s3_key(name: str) -> str:
    """The object key django-storages uses for a storage name (it may add AWS_LOCATION)."""
    from storages.utils import clean_name

    return default_storage._normalize_name(clean_name(name))


class S3Parts:
    name = TalkVideo.Backend.S3

    def create(self, *, key: str, content_type: str) -> str:
        response = s3_client().create_multipart_upload(Bucket=s3_bucket(), Key=s3_key(key), ContentType=content_type)
        return response["UploadId"]

    def part_url(self, video: TalkVideo, *, number: int, size: int) -> str:
        # ContentLength is signed: real S3 refuses a part of any other size (moto does not check; the
        # completion check below catches it there).
        return s3_client().generate_presigned_url(
            "upload_part", HttpMethod="PUT", ExpiresIn=settings.VIDEO_PART_URL_SECONDS,
            Params={"Bucket": s3_bucket(), "Key": s3_key(video.original.name), "UploadId": video.upload_id,
                    "PartNumber": number, "ContentLength": size},
        )

    def list_parts(self, video: TalkVideo) -> list[StoredPart]:
        client, parts, marker = s3_client(), [], 0
        while True:
            response = client.list_parts(Bucket=s3_bucket(), Key=s3_key(video.original.name),
                                         UploadId=video.upload_id, PartNumberMarker=marker, MaxParts=1000)
            parts += [StoredPart(p["PartNumber"], p["Size"], clean_etag(p["ETag"])) for p in response.get("Parts", [])]
            if not response.get("IsTruncated"):
                return parts
            marker = response["NextPartNumberMarker"]

    def complete(self, video: TalkVideo, parts: list[StoredPart]) -> None:
        s3_client().complete_multipart_upload(
            Bucket=s3_bucket(), Key=s3_key(video.original.name), UploadId=video.upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in parts]},
        )

    def abort(self, video: TalkVideo) -> None:
        from botocore.exceptions import ClientError

        try:
            s3_client().abort_multipart_upload(Bucket=s3_bucket(), Key=s3_key(video.original.name),
                                               UploadId=video.upload_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchUpload", "404"):
                raise

    def upload_exists(self, video: TalkVideo) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.list_parts(video)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404"):
                return False
            raise
        return True


# --- Local media ----------------------------------------------------------------------------------


def local_parts_dir(video: TalkVideo) -> Path:
    # The upload id is random (never the video's sequential id): media may be served by URL in development.
    return Path(settings.MEDIA_ROOT) / LOCAL_PARTS_DIR / video.upload_id


def part_token(video: TalkVideo, *, number: int, size: int) -> str:
    return signing.dumps({"v": video.pk, "u": video.upload_id, "p": number, "s": size}, salt=PART_SALT)


def part_token_read(token: str) -> dict:
    """The part a signed URL allows (video, upload, number, size); BadSignature when forged or expired."""
    return signing.loads(token, salt=PART_SALT, max_age=settings.VIDEO_PART_URL_SECONDS)


class LocalParts:
    name = TalkVideo.Backend.LOCAL

    def create(self, *, key: str, content_type: str) -> str:
        upload_id = os.urandom(16).hex()
        (Path(settings.MEDIA_ROOT) / LOCAL_PARTS_DIR / upload_id).mkdir(parents=True, exist_ok=True)
        return upload_id

    def part_url(self, video: TalkVideo, *, number: int, size: int) -> str:
        return reverse("videos:part", kwargs={"token": part_token(video, number=number, size=size)})

    def list_parts(self, video: TalkVideo) -> list[StoredPart]:
        folder = local_parts_dir(video)
        if not folder.is_dir():
            return []
        parts = []
        for path in folder.glob("*.part"):
            number, etag = path.stem.split(".", 1)
            parts.append(StoredPart(int(number), path.stat().st_size, etag))
        return sorted(parts, key=lambda p: p.number)

    def write_part(self, video: TalkVideo, *, number: int, size: int, stream, chunk_size: int = COPY_CHUNK) -> str:
        """Stream exactly ``size`` bytes from ``stream`` to the part file; return its ETag (MD5, as S3).

        The bytes go to a temporary file first and are renamed into place only when complete, so a
        dropped connection never leaves a part that looks stored.
        """
        folder = local_parts_dir(video)
        if not folder.is_dir():
            raise PartRejected("This upload no longer exists.")
        digest, received = hashlib.md5(usedforsecurity=False), 0
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                while received < size:
                    chunk = stream.read(min(chunk_size, size - received))
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
            if received != size:
                raise PartRejected(f"Part {number} was cut off: {received} of {size} bytes arrived.")
            etag = digest.hexdigest()
            for old in folder.glob(f"{number:05d}.*.part"):
                old.unlink(missing_ok=True)
            os.replace(temporary, folder / f"{number:05d}.{etag}.part")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return etag

    def complete(self, video: TalkVideo, parts: list[StoredPart]) -> None:
        """Nothing to do in the request: ``assemble`` joins the parts in the worker."""

    def assemble(self, video: TalkVideo) -> None:
        """Join the parts into the final file (in the worker); idempotent, and the parts go afterwards."""
        folder = local_parts_dir(video)
        target = Path(default_storage.path(video.original.name))
        if not folder.is_dir():
            if target.exists():
                return  # joined before, by an earlier run
            raise FileNotFoundError(f"the parts of upload {video.upload_id} are gone")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".joining")
        with open(partial, "wb") as out:
            for part in self.list_parts(video):
                with open(folder / f"{part.number:05d}.{part.etag}.part", "rb") as source:
                    shutil.copyfileobj(source, out, COPY_CHUNK)
        os.replace(partial, target)
        shutil.rmtree(folder, ignore_errors=True)

    def abort(self, video: TalkVideo) -> None:
        shutil.rmtree(local_parts_dir(video), ignore_errors=True)

    def upload_exists(self, video: TalkVideo) -> bool:
        return local_parts_dir(video).is_dir()


def backend_for(video: TalkVideo | None = None):
    """The backend of an existing upload (fixed when it started), or the configured one for a new upload."""
    name = video.backend if video is not None else (TalkVideo.Backend.S3 if settings.USE_S3 else
                                                     TalkVideo.Backend.LOCAL)
    return S3Parts() if name == TalkVideo.Backend.S3 else LocalParts()


# --- Stored objects (both backends) -----------------------------------------------------------------


def stored_size(name: str) -> int | None:
    if not name or not default_storage.exists(name):
        return None
    return default_storage.size(name)


def read_head(name: str, length: int = 64) -> bytes:
    """The first bytes of a stored file (a range request on S3)."""
    return read_range(name, 0, length)


def read_range(name: str, start: int, length: int) -> bytes:
    if settings.USE_S3:
        response = s3_client().get_object(Bucket=s3_bucket(), Key=s3_key(name),
                                          Range=f"bytes={start}-{start + length - 1}")
        return response["Body"].read()
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        return handle.read(length)


def media_input(name: str) -> str:
    """What ffprobe/ffmpeg read: the local path, or a presigned GET URL (ranges, so nothing is downloaded whole)."""
    if settings.USE_S3:
        return s3_client().generate_presigned_url(
            "get_object", Params={"Bucket": s3_bucket(), "Key": s3_key(name)},
            ExpiresIn=settings.VIDEO_PROCESS_TIMEOUT_SECONDS + 3600,
        )
    return default_storage.path(name)


def store_file(path: Path, name: str, *, content_type: str) -> None:
    """Put a finished local file (a conversion) into storage under ``name``, streaming it."""
    if settings.USE_S3:
        from boto3.s3.transfer import TransferConfig

        s3_client().upload_file(
            str(path), s3_bucket(), s3_key(name), ExtraArgs={"ContentType": content_type},
            Config=TransferConfig(multipart_chunksize=settings.VIDEO_PART_BYTES, max_concurrency=4),
        )
        return
    target = Path(default_storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)


def delete_stored(name: str) -> None:
    if name:
        default_storage.delete(name)
