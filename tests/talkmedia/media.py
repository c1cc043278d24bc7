"""Test videos made with Debian's ffmpeg (skipped locally without it, failed in CI)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from tests.services import require_executable

MIB = 1024 * 1024


def ffmpeg(*args: str) -> None:
    binary = require_executable("ffmpeg", "ffmpeg")
    subprocess.run([binary, "-hide_banner", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def small_mp4(path: Path, *, seconds: float = 3, faststart: bool = True) -> Path:
    """A playable H.264/AAC MP4 (already what the site publishes)."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}", "-f", "lavfi", "-i",
           f"sine=duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-shortest", *(["-movflags", "+faststart"] if faststart else []), str(path))
    return path


def big_mkv(path: Path, *, seconds: float = 4) -> Path:
    """About 22 MB of H.264/AAC in Matroska (noise does not compress): several 5 MiB parts, remuxed to MP4."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=480x270:rate=25:duration={seconds}", "-f", "lavfi", "-i",
           f"sine=duration={seconds}", "-vf", "noise=alls=60:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
           "-qp", "6", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


def small_webm(path: Path, *, seconds: float = 2) -> Path:
    """VP8/Vorbis in WebM: browsers other than Safari play it, but the site converts it to H.264/AAC."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=176x144:rate=15:duration={seconds}", "-f", "lavfi", "-i",
           f"sine=duration={seconds}", "-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime", "-c:a", "libvorbis",
           "-shortest", str(path))
    return path


def long_mp4(path: Path, *, minutes: float) -> Path:
    """One frame a minute: a video of any length in a few kilobytes."""
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=1/60", "-t", str(int(minutes * 60)), "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def not_a_video(path: Path, *, size: int = 200_000) -> Path:
    """A PDF named like a video."""
    path.write_bytes(b"%PDF-1.7\n" + b"0" * (size - 9))
    return path


def truncated(source: Path, path: Path, *, keep: float = 0.6) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path
