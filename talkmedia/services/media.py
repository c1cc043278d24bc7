"""ffprobe and ffmpeg, wrapped: what a file is, whether it reads to its end, and the conversion to H.264/AAC MP4.

Nothing here passes silently: a missing tool raises ``ToolMissing`` (the video goes to the error
state with that reason, never to "ready"), a file the tools cannot read raises ``MediaUnreadable``
with ffprobe's own words. Inputs are local paths or presigned HTTP URLs; ffprobe and ffmpeg read
those with range requests, so a worker never downloads or holds a whole video in memory.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings

# Streams a browser plays in an MP4 without conversion.
PLAYABLE_VIDEO = {"h264"}
PLAYABLE_PIXEL_FORMATS = {"yuv420p", "yuvj420p"}
PLAYABLE_AUDIO = {"aac"}
ACCEPTED_DEMUXERS = {"mov", "mp4", "matroska", "webm"}
HTTP_TIMEOUT_MICROSECONDS = "60000000"

# Top-level ISO-BMFF boxes an MP4/MOV may start with, and what other common files start with.
MP4_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
LOOKS_LIKE = [
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF file (AVI video or WAV audio)"), (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg file"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
]


class ToolMissing(Exception):
    """ffprobe or ffmpeg is not installed where the worker runs: our problem, not the speaker's."""


class MediaUnreadable(Exception):
    """The tools cannot read the file; the message quotes them."""


class ProcessingTimeout(Exception):
    pass


def tool(name: str) -> str:
    configured = getattr(settings, f"VIDEO_{name.upper()}")
    path = shutil.which(configured)
    if path is None:
        raise ToolMissing(f"{name} is not installed on the processing worker (looked for “{configured}”; "
                          "install Debian's ffmpeg package or set VIDEO_FFPROBE/VIDEO_FFMPEG).")
    return path


def _input_options(source: str) -> list[str]:
    return ["-rw_timeout", HTTP_TIMEOUT_MICROSECONDS] if source.startswith(("http://", "https://")) else []


def _first_error_line(stderr: str) -> str:
    """ffmpeg's complaints in a sentence: without the input's name (a presigned URL or a path of ours) or the
    "[mov,mp4 @ 0x…]" prefixes, each distinct line once."""
    found: list[str] = []
    for line in stderr.splitlines():
        text = re.sub(r"^\[[^\]]* @ 0x[0-9a-f]+\] ", "", line.strip())
        head, sep, tail = text.partition(": ")
        if sep and ("://" in head or "/" in head):
            text = tail
        if text and text not in found:
            found.append(text)
    return "; ".join(found)[:300] or "no explanation given"


def sniff(head: bytes) -> str | None:
    """'mp4' or 'matroska' from the first bytes; None for anything else."""
    if len(head) >= 8 and head[4:8] in MP4_FIRST_BOXES:
        return "mp4"
    if head.startswith(EBML_MAGIC):
        return "matroska"
    return None


def looks_like(head: bytes) -> str:
    for magic, description in LOOKS_LIKE:
        if head.startswith(magic):
            return description
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head[:64]):
        return "a text file"
    return "something else"


@dataclass
class Probe:
    format_name: str
    major_brand: str
    duration: float | None
    video_codec: str
    pix_fmt: str
    width: int | None
    height: int | None
    audio_codec: str
    bit_rate: int | None

    @property
    def demuxers(self) -> set[str]:
        return set(self.format_name.split(","))

    @property
    def is_mp4(self) -> bool:
        """An MP4 (not a QuickTime MOV, which shares ffmpeg's demuxer but not every browser)."""
        return "mp4" in self.demuxers and self.major_brand.strip() != "qt"

    @property
    def video_playable(self) -> bool:
        return self.video_codec in PLAYABLE_VIDEO and self.pix_fmt in PLAYABLE_PIXEL_FORMATS

    @property
    def audio_playable(self) -> bool:
        return not self.audio_codec or self.audio_codec in PLAYABLE_AUDIO

    def summary(self) -> dict:
        return asdict(self)


def probe(source: str, *, timeout: float = 300) -> Probe:
    command = [tool("ffprobe"), "-v", "error", *_input_options(source), "-print_format", "json",
               "-show_format", "-show_streams", source]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaUnreadable(f"ffprobe did not finish reading the file within {timeout:.0f} seconds") from None
    if done.returncode != 0:
        raise MediaUnreadable(_first_error_line(done.stderr))
    try:
        info = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        raise MediaUnreadable("ffprobe gave no readable answer") from None
    fmt = info.get("format") or {}
    streams = info.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    durations = [_float(fmt.get("duration"))] + [_float(s.get("duration")) for s in streams]
    known = [d for d in durations if d is not None and d > 0]
    return Probe(
        format_name=fmt.get("format_name", ""), major_brand=(fmt.get("tags") or {}).get("major_brand", ""),
        duration=_float(fmt.get("duration")) or (max(known) if known else None),
        video_codec=(video or {}).get("codec_name", ""), pix_fmt=(video or {}).get("pix_fmt", ""),
        width=(video or {}).get("width"), height=(video or {}).get("height"),
        audio_codec=(audio or {}).get("codec_name", ""), bit_rate=_int(fmt.get("bit_rate")),
    )


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def decodes_at(source: str, *, seconds: float, timeout: float = 120) -> bool:
    """Whether a video frame decodes at (or just after) ``seconds``: a file cut short fails near its end."""
    interval = f"{max(seconds, 0):.3f}%+#1"
    command = [tool("ffprobe"), "-v", "error", *_input_options(source), "-select_streams", "v:0",
               "-read_intervals", interval, "-show_entries", "frame=pts_time", "-print_format", "json", source]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    if done.returncode != 0:
        return False
    try:
        return bool(json.loads(done.stdout or "{}").get("frames"))
    except json.JSONDecodeError:
        return False


def is_faststart(read_range: Callable[[int, int], bytes], size: int) -> bool:
    """Whether an MP4's index (moov) comes before its media data (mdat), so playback starts at once.

    Walks the top-level boxes with small range reads; never reads the media itself.
    """
    offset = 0
    for _ in range(64):
        if offset + 8 > size:
            return False
        header = read_range(offset, 16)
        if len(header) < 8:
            return False
        box_size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
        if box_size == 1 and len(header) >= 16:
            box_size = int.from_bytes(header[8:16], "big")
        if box_type == b"moov":
            return True
        if box_type == b"mdat" or box_size < 8:
            return False
        offset += box_size
    return False


def conversion_for(found: Probe, *, faststart: bool) -> str:
    """none, remux, audio or transcode (TalkVideo.Conversion values)."""
    if found.video_playable and found.audio_playable:
        return "none" if found.is_mp4 and faststart else "remux"
    if found.video_playable:
        return "audio"
    return "transcode"


def conversion_command(source: str, target: str, conversion: str) -> list[str]:
    audio = ["-c:a", "aac", "-b:a", "160k", "-ac", "2"]
    codecs = {
        "remux": ["-c", "copy"],
        "audio": ["-c:v", "copy", *audio],
        "transcode": ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                      "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", *audio],
    }[conversion]
    return [tool("ffmpeg"), "-nostdin", "-hide_banner", "-v", "error", "-y", *_input_options(source), "-i", source,
            "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", *codecs, "-max_muxing_queue_size", "4096",
            "-movflags", "+faststart", "-f", "mp4", target]


def run_conversion(command: list[str], *, timeout: float, heartbeat: Callable[[], None],
                   heartbeat_every: float = 20) -> None:
    """Run ffmpeg, calling ``heartbeat`` while it works; kill it past ``timeout``."""
    started = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True) as process:
        while True:
            try:
                _, stderr = process.communicate(timeout=heartbeat_every)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started > timeout:
                    process.kill()
                    process.communicate()
                    raise ProcessingTimeout(f"the conversion took longer than {timeout:.0f} seconds") from None
                heartbeat()
    if process.returncode != 0:
        raise MediaUnreadable(f"the conversion failed: {_first_error_line(stderr)}")
