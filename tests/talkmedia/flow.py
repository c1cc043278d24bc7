"""The browser's upload protocol, spoken from Python (the test client for our API, HTTP for S3 part URLs)."""
from __future__ import annotations

import json
from pathlib import Path

import requests


def post_json(client, url: str, data: dict):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def put_part(client, url: str, chunk: bytes):
    """PUT one part where the server said: a presigned S3 URL, or our own part URL. Returns (status, etag)."""
    if url.startswith("http"):
        response = requests.put(url, data=chunk, timeout=30)
        return response.status_code, response.headers.get("ETag", "")
    response = client.generic("PUT", url, data=chunk, content_type="application/octet-stream")
    return response.status_code, response.headers.get("ETag", "")


def start(client, base: str, path: Path, *, fingerprint: str = "1700000000000:test", name: str | None = None):
    return post_json(client, base + "uploads/", {
        "name": name or path.name, "size": path.stat().st_size, "type": "video/mp4", "fingerprint": fingerprint,
    })


def send_parts(client, session: dict, path: Path, numbers: list[int]) -> dict[int, str]:
    signed = post_json(client, session["signUrl"], {"parts": numbers})
    assert signed.status_code == 200, signed.content
    etags = {}
    data = path.read_bytes()
    for number in numbers:
        chunk = data[(number - 1) * session["partSize"]: number * session["partSize"]]
        status, etag = put_part(client, signed.json()["urls"][str(number)], chunk)
        assert status == 200, (number, status)
        etags[number] = etag
    return etags


def upload(client, base: str, path: Path, *, fingerprint: str = "1700000000000:test") -> dict:
    """Start, send every missing part, complete. Returns the completion's JSON."""
    response = start(client, base, path, fingerprint=fingerprint)
    assert response.status_code == 200, response.content
    session = response.json()
    etags = {p["number"]: p["etag"] for p in session["parts"]}
    missing = [n for n in range(1, session["partCount"] + 1) if n not in etags]
    if missing:
        etags.update(send_parts(client, session, path, missing))
    done = post_json(client, session["completeUrl"],
                     {"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]})
    assert done.status_code == 200, done.content
    return done.json()
