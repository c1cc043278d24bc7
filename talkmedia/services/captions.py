"""Captions: a WebVTT file checked line by line, stored under our own name, shown with the talk's video."""
from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from personal_site.public_cache import program_changed

from ..models import TalkCaptions, unique_key

TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
TIMING = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t]+.*)?$")
MAX_ERRORS = 10


class CaptionsRejected(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


def _seconds(hours, minutes, seconds, millis) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def check_webvtt(data: bytes) -> int:
    """The number of cues in a valid WebVTT file; else CaptionsRejected listing the problems by line number."""
    if len(data) > settings.VIDEO_CAPTIONS_MAX_BYTES:
        raise CaptionsRejected([f"The captions file is {len(data) // 1024} KB; the limit is "
                                f"{settings.VIDEO_CAPTIONS_MAX_BYTES // 1024} KB."])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CaptionsRejected([f"The file is not UTF-8 text (byte {error.start} cannot be read)."]) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise CaptionsRejected(["The file contains NUL characters; it is not a WebVTT text file."])
    lines = text.split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise CaptionsRejected(["A WebVTT file starts with the line “WEBVTT”; this one does not (is it SRT?)."])
    errors: list[str] = []
    cues, previous_start, index = 0, 0.0, 1
    # The header runs until the first blank line.
    while index < len(lines) and lines[index].strip():
        index += 1
    while index < len(lines) and len(errors) < MAX_ERRORS:
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        first = block[0]
        if first.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in first:
            continue
        timing_offset = 0 if "-->" in first else 1
        if timing_offset and (len(block) < 2 or "-->" not in block[1]):
            errors.append(f"Line {block_start + 1}: “{first[:60]}” is neither a cue timing nor followed by one "
                          "(expected for example 00:00:01.000 --> 00:00:04.000).")
            continue
        line_number = block_start + 1 + timing_offset
        match = TIMING.match(block[timing_offset].strip())
        if not match:
            errors.append(f"Line {line_number}: “{block[timing_offset][:60]}” is not a cue timing "
                          "(expected for example 00:00:01.000 --> 00:00:04.000).")
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            errors.append(f"Line {line_number}: the cue ends before it starts.")
        elif start < previous_start:
            errors.append(f"Line {line_number}: cues must be in time order; this one starts before the previous one.")
        if len(block) <= timing_offset + 1:
            errors.append(f"Line {line_number}: the cue has no text.")
        previous_start = max(previous_start, start)
        cues += 1
    if errors:
        raise CaptionsRejected(errors)
    if not cues:
        raise CaptionsRejected(["The file holds no captions (no cue)."])
    return cues


def captions_store(*, talk, data: bytes, uploaded_by=None, invite=None, at, language: str = "en",
                   label: str = "English") -> TalkCaptions:
    cue_count = check_webvtt(data)
    captions = TalkCaptions(
        talk=talk, language=language, label=label, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        cue_count=cue_count, uploaded_by=uploaded_by, invite=invite, uploaded_at=at,
    )
    captions.file.save(unique_key("captions", talk, "vtt"), ContentFile(data), save=False)
    captions.save()
    transaction.on_commit(program_changed)  # the program page shows a captions track for this talk now
    return captions
