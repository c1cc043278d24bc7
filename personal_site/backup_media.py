"""Copy every uploaded file (the default storage: the S3 bucket, or MEDIA_ROOT) to a folder and back.

The folder holds the files under their storage names and ``manifest.json`` (name, size, SHA-256 of each), so a
restore can check what it wrote. Used by ``manage.py media_backup`` / ``media_restore`` and scripts/backup.sh.
"""
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

MANIFEST = "manifest.json"


def storage_names(storage=default_storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage (listdir, recursively; S3 lists by prefix)."""
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from storage_names(storage, f"{folder}/{directory}" if folder else directory)


def _safe(target: Path, name: str) -> Path:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"refusing the storage name {name!r}")
    return target.joinpath(*path.parts)


def media_backup(*, to: Path, storage=default_storage, progress: Callable[[str], None] = lambda _: None) -> dict:
    to.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name in sorted(storage_names(storage)):
        path = _safe(to / "files", name)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, open(path, "wb") as out:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        manifest.append({"name": name, "size": size, "sha256": digest.hexdigest()})
        progress(name)
    (to / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return {"files": len(manifest), "bytes": sum(entry["size"] for entry in manifest)}


def media_restore(*, source: Path, storage=default_storage, progress: Callable[[str], None] = lambda _: None) -> dict:
    """Write every file of the backup under its own name (existing files of that name are replaced)."""
    manifest = json.loads((source / MANIFEST).read_text())
    for entry in manifest:
        data = _safe(source / "files", entry["name"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ValueError(f"{entry['name']}: the backup's copy does not match its manifest")
        if storage.exists(entry["name"]):
            storage.delete(entry["name"])
        saved = storage.save(entry["name"], ContentFile(data))
        if saved != entry["name"]:
            raise ValueError(f"{entry['name']} was stored as {saved}")
        progress(entry["name"])
    return {"files": len(manifest), "bytes": sum(entry["size"] for entry in manifest)}
