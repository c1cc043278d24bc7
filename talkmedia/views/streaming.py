"""Hand a stored video, paper or captions file to someone a view has already allowed to have it.

On S3 the browser is redirected to a presigned URL (short-lived unless the file is published), so the
web process never carries the bytes. On local media the file is streamed with HTTP range support,
which browsers need to seek in a video (and Safari needs to play one at all).
"""
from __future__ import annotations

import os
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def stored_file_response(request, field_file, *, filename: str, content_type: str, expire: int,
                         inline: bool = True):
    disposition = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    if settings.USE_S3:
        url = field_file.storage.url(field_file.name, expire=expire, parameters={
            "ResponseContentDisposition": disposition, "ResponseContentType": content_type,
        })
        response = HttpResponseRedirect(url)
    else:
        response = _ranged_local(request, field_file.path, content_type=content_type)
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _ranged_local(request, path: str, *, content_type: str):
    size = os.path.getsize(path)
    start, end, status = 0, size - 1, 200
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    length = end - start + 1
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(_read(path, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _read(path: str, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
