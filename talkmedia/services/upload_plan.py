"""What an upload may be and how it is cut: the limits from settings, part sizes and counts, containers,
and who is uploading (a signed-in speaker or a link holder)."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings

from ..models import TalkVideo

CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "mkv": "video/x-matroska", "webm": "video/webm"}
MIB = 1024 * 1024


@dataclass(frozen=True)
class Uploader:
    """Who is uploading: a signed-in speaker, or an invited speaker holding a personal link."""

    user: object
    invite: object = None

    @property
    def email(self) -> str:
        if self.invite is not None:
            return self.invite.email
        return getattr(self.user, "email", "") or ""

    @property
    def account(self):
        return self.user if getattr(self.user, "is_authenticated", False) else None


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    containers: tuple[str, ...]
    part_bytes: int
    max_parts: int
    concurrency: int

    @property
    def accept(self) -> str:
        """For the file input's accept attribute."""
        return ",".join([*(f".{c}" for c in self.containers), *(CONTENT_TYPES[c] for c in self.containers)])

    @property
    def containers_label(self) -> str:
        names = [c.upper() if c != "webm" else "WebM" for c in self.containers]
        return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_bytes=settings.VIDEO_MAX_BYTES, containers=tuple(settings.VIDEO_CONTAINERS),
        part_bytes=settings.VIDEO_PART_BYTES, max_parts=settings.VIDEO_MAX_PARTS,
        concurrency=settings.VIDEO_UPLOAD_CONCURRENCY,
    )


def part_plan(size: int, limits: UploadLimits | None = None) -> tuple[int, int]:
    """Part size and count for ``size`` bytes: the configured part size, larger if needed to stay within the count."""
    limits = limits or upload_limits()
    smallest = math.ceil(size / limits.max_parts / MIB) * MIB
    part_size = max(limits.part_bytes, smallest)
    return part_size, max(1, math.ceil(size / part_size))


def part_size_of(video: TalkVideo, number: int) -> int:
    if number < video.part_count:
        return video.part_size
    return video.declared_size - video.part_size * (video.part_count - 1)


def container_of(file_name: str) -> str | None:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return extension if extension in settings.VIDEO_CONTAINERS else None


def fingerprint_of(*, size: int, client_fingerprint: str) -> str:
    return hashlib.sha256(f"{size}:{client_fingerprint}".encode()).hexdigest()


def size_label(size: int) -> str:
    return f"{size / 1024**3:.1f} GB" if size >= 1024**3 else f"{size / MIB:.0f} MB"
