#!/usr/bin/env python
"""Upload a large video through the site's flow and through plain boto3, to the same S3 server, in one run.

``.venv/bin/python bench/video_upload.py`` (``--sizes 256M,1G`` by default) does, for each size:

1. makes an H.264/AAC MP4 of about that size with ffmpeg (noise, so it does not compress; its index at
   the end, so the worker has to remux it for the web) and starts a throw-away site in a temporary
   ``VAR_DIR``: a SQLite database with PeRSonAl 2020 and a speaker, moto's S3 server in its own process
   (``python -m moto.server``; its memory is not ours and not measured), gunicorn (1 worker, 8 threads)
   and a Celery worker (solo pool, filesystem broker) configured for that S3 server;
2. uploads the file as the browser does (``static/js/video-upload.js``): declare it to the site, get
   part URLs signed in batches, PUT the parts straight to S3 with 4 in parallel, complete; the web
   process never sees a video byte. Then waits for the worker to verify and remux it (``ready``);
3. before that, uploads the same file with boto3's own multipart upload (same part size, same
   parallelism) to the same server, as the yardstick (and deletes it);
4. prints both throughputs, and the peak resident memory (VmHWM) of our processes: the gunicorn worker,
   the Celery worker, and the largest ffmpeg/ffprobe child the worker ran (sampled every 50 ms).

``--storage local`` runs the site without S3 instead: the parts then go through gunicorn to local
media (the boto3 yardstick still goes to moto). The point of the memory figures is that they do not
grow with the file's size; they are printed, not asserted. ``--keep`` keeps the folder with the logs
of gunicorn and the worker (``BENCH_LOG_LEVEL=INFO`` for the site's own log lines).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MIB = 1024 * 1024
SPEAKER = "speaker@example.org"


class BenchError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{what} did not listen on {port} within {timeout} s")


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"{text}: a size such as 256M or 1G")
    return int(float(match.group(1)) * {"": 1, "K": 1024, "M": MIB, "G": 1024 * MIB}[match.group(2)])


def label(size: float) -> str:
    return f"{size / 1024**3:.2f} GiB" if size >= 1024**3 else f"{size / MIB:.0f} MiB"


# --- The test file -----------------------------------------------------------------------------------


def make_video(folder: Path, size: int) -> Path:
    """An MP4 of at least ``size`` bytes: a 10 s noisy segment, looped with stream copy (fast)."""
    segment, target = folder / "segment.mp4", folder / f"talk-{size}.mp4"
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise BenchError("ffmpeg is needed: apt-get install -y --no-install-recommends ffmpeg")
    run = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    if not segment.exists():
        subprocess.run([*run, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=10", "-f", "lavfi",
                        "-i", "sine=duration=10", "-vf", "noise=alls=60:allf=t", "-c:v", "libx264", "-preset",
                        "ultrafast", "-qp", "8", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(segment)],
                       check=True)
    loops = max(1, -(-size // segment.stat().st_size)) - 1
    subprocess.run([*run, "-stream_loop", str(loops), "-i", str(segment), "-c", "copy", str(target)], check=True)
    return target


# --- Processes and their memory ----------------------------------------------------------------------------


def vm_hwm(pid: int) -> int | None:
    """Peak resident set size of a process, in bytes (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


class ChildSampler(threading.Thread):
    """The largest resident size seen for any child process of ``parent`` (ffmpeg, ffprobe), every 50 ms."""

    def __init__(self, parent: int):
        super().__init__(daemon=True)
        self.parent, self.peak, self.peak_name, self.stopping = parent, 0, "", threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for child in children(self.parent):
                size = max(rss(child), vm_hwm(child) or 0)
                if size > self.peak:
                    self.peak, self.peak_name = size, command_name(child)
            time.sleep(0.05)

    def stop(self):
        self.stopping.set()
        self.join()


class Site:
    """A throw-away site: SQLite in a temporary VAR_DIR, gunicorn, a Celery worker, pointing at one S3 server."""

    def __init__(self, folder: Path, *, s3_endpoint: str | None, bucket: str, part_bytes: int):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "personal_site.settings", "VAR_DIR": str(folder / "var"),
            "SECRET_KEY": secrets.token_urlsafe(40), "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url, "VIDEO_PART_BYTES": str(part_bytes), "VIDEO_WORK_DIR": str(folder / "work"),
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"), "CELERY_BROKER_URL": "filesystem://localhost//",
        }
        for name in ("DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
            self.env.pop(name, None)
        if s3_endpoint:
            self.env.update({
                "AWS_STORAGE_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench", "AWS_S3_REGION_NAME": "us-east-1", "AWS_S3_ADDRESSING_STYLE": "path",
            })
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=self.env, input=stdin, text=True,
                              capture_output=True)
        if done.returncode != 0:
            raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self) -> dict:
        self.manage("migrate", "--noinput")
        self.manage("load_edition", "program/editions/personal-2020.yaml")
        if "AWS_STORAGE_BUCKET_NAME" in self.env:
            self.manage("setup_video_bucket", "--create", "--origin", self.url)
        # A research talk whose presenter is our speaker, with a verified address and a signed-in session;
        # the video deadline moved a month ahead so that uploads are open.
        script = f"""
import datetime, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from allauth.account.models import EmailAddress
from program.models import ImportantDate, Talk
talk = Talk.objects.filter(kind="research").order_by("order").first()
ImportantDate.objects.filter(kind="video_deadline").update(moment=timezone.now() + datetime.timedelta(days=30))
person = talk.appearances.get(role="presenter").person
person.email = "{SPEAKER}"
person.save()
user = get_user_model().objects.create_user(username="speaker", email="{SPEAKER}", password=None)
EmailAddress.objects.create(user=user, email="{SPEAKER}", verified=True, primary=True)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({{"uid": str(talk.uid), "session": session.session_key}}))
"""
        return json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])

    def start(self) -> None:
        web = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "personal_site.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "8", "--worker-class", "gthread", "--timeout", "300", "--log-level", "warning"],
            cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.folder / "web.log", "wb"),
            start_new_session=True,
        )
        self.processes.append(web)
        wait_for_port(self.port, web, "gunicorn")
        self.web_master = web.pid
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "personal_site", "worker", "--pool=solo", "--concurrency=1",
             "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
            cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.folder / "worker.log", "wb"),
            start_new_session=True,
        )
        self.processes.append(worker)
        self.worker = worker.pid
        time.sleep(3)  # the worker connects to its broker
        if worker.poll() is not None:
            raise BenchError(f"the Celery worker exited:\n{(self.folder / 'worker.log').read_text()[-3000:]}")
        self.sampler = ChildSampler(self.worker)
        self.sampler.start()

    @property
    def web_workers(self) -> list[int]:
        return children(self.web_master)

    def memory(self) -> dict:
        return {
            "web worker (gunicorn)": max((vm_hwm(pid) or 0) for pid in self.web_workers),
            "web master (gunicorn)": vm_hwm(self.web_master) or 0,
            "Celery worker": vm_hwm(self.worker) or 0,
            f"largest tool run by the worker ({self.sampler.peak_name or '-'})": self.sampler.peak,
        }

    def stop(self) -> None:
        if getattr(self, "sampler", None):
            self.sampler.stop()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


# --- The two uploads ----------------------------------------------------------------------------------


def site_upload(site: Site, world: dict, path: Path, *, concurrency: int) -> dict:
    """The browser's protocol (static/js/video-upload.js), from Python."""
    import requests

    http = requests.Session()
    http.cookies.set("sessionid", world["session"], domain="127.0.0.1")
    page = http.get(f"{site.url}/videos/talks/{world['uid']}/", timeout=30)
    if page.status_code != 200:
        raise BenchError(f"the talk page answered {page.status_code}")
    csrf = http.cookies.get("csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": site.url + "/"}
    size = path.stat().st_size
    started = time.perf_counter()
    session = http.post(f"{site.url}/videos/talks/{world['uid']}/uploads/", headers=headers, timeout=60, json={
        "name": path.name, "size": size, "type": "video/mp4", "fingerprint": f"{path.stat().st_mtime_ns}:bench"})
    if session.status_code != 200:
        raise BenchError(f"starting the upload failed: {session.status_code} {session.text[:300]}")
    session = {k: site.url + v if isinstance(v, str) and v.startswith("/") else v for k, v in session.json().items()}
    part_size, count = session["partSize"], session["partCount"]
    urls: dict[int, str] = {}
    for first in range(1, count + 1, 20):
        batch = list(range(first, min(first + 20, count + 1)))
        signed = http.post(session["signUrl"], headers=headers, json={"parts": batch}, timeout=60)
        signed.raise_for_status()
        urls.update({int(n): url for n, url in signed.json()["urls"].items()})

    def send(number: int) -> tuple[int, str]:
        with open(path, "rb") as handle:
            handle.seek((number - 1) * part_size)
            chunk = handle.read(part_size)
        target = urls[number] if urls[number].startswith("http") else site.url + urls[number]
        for attempt in range(5):
            response = http.put(target, data=chunk, timeout=300)
            if response.status_code == 200:
                return number, response.headers["ETag"]
            time.sleep(2**attempt)
        raise BenchError(f"part {number}: {response.status_code} {response.text[:200]}")

    parts_started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        etags = dict(pool.map(send, range(1, count + 1)))
    parts_sent = time.perf_counter()
    done = http.post(session["completeUrl"], headers=headers, timeout=300,
                     json={"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]})
    if done.status_code != 200:
        raise BenchError(f"completing the upload failed: {done.status_code} {done.text[:300]}")
    uploaded = time.perf_counter()
    while True:
        status = http.get(session["statusUrl"], timeout=30).json()
        if status["final"]:
            break
        if time.perf_counter() - uploaded > 1800:
            raise BenchError("the worker did not finish within 30 minutes")
        time.sleep(0.5)
    processed = time.perf_counter()
    if status["state"] != "ready":
        raise BenchError(f"the video was {status['state']}: {status['reason']}")
    return {"parts": count, "part_size": part_size, "upload_seconds": uploaded - started,
            "completion_seconds": uploaded - parts_sent, "parts_seconds": parts_sent - parts_started,
            "processing_seconds": processed - uploaded, "state": status["state"]}


def boto3_upload(endpoint: str, bucket: str, path: Path, *, part_size: int, concurrency: int) -> float:
    """boto3's managed multipart upload (s3transfer) of the same file: the yardstick."""
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                          aws_secret_access_key="bench",
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    config = TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=concurrency,
                            use_threads=True)
    started = time.perf_counter()
    client.upload_file(str(path), bucket, "yardstick/plain-boto3.mp4", Config=config)
    seconds = time.perf_counter() - started
    client.delete_object(Bucket=bucket, Key="yardstick/plain-boto3.mp4")
    return seconds


def start_moto(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for_port(port, process, "moto's S3 server")
    return process, f"http://127.0.0.1:{port}"


def run_size(size: int, *, folder: Path, storage: str, concurrency: int, part_bytes: int) -> dict:
    import boto3  # noqa: F401  (fail early without it)

    video = make_video(folder, size)
    moto, endpoint = start_moto(folder)
    site = Site(folder / f"site-{size}", s3_endpoint=endpoint if storage == "s3" else None, bucket="videos",
                part_bytes=part_bytes)
    site.folder.mkdir()
    try:
        world = site.prepare()
        site.start()
        if storage != "s3":
            _bucket(endpoint)
        # The yardstick first (its object is deleted at once), so that both uploads find moto equally empty.
        plain = boto3_upload(endpoint, "videos", video, part_size=part_bytes, concurrency=concurrency)
        ours = site_upload(site, world, video, concurrency=concurrency)
        memory = site.memory()
    finally:
        site.stop()
        os.killpg(moto.pid, signal.SIGTERM)
        moto.wait(15)
    return {"size": video.stat().st_size, "ours": ours, "boto3_seconds": plain, "memory": memory}


def _bucket(endpoint: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                 aws_secret_access_key="bench").create_bucket(Bucket="videos")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256M,1G", help="file sizes, comma-separated (default 256M,1G)")
    parser.add_argument("--storage", choices=["s3", "local"], default="s3")
    parser.add_argument("--concurrency", type=int, default=4, help="parts in parallel (the browser's default: 4)")
    parser.add_argument("--part-mb", type=int, default=16, help="part size in MiB (the site's default: 16)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (files, logs)")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="bench-video-"))
    results = []
    try:
        for size in sizes:
            print(f"… {label(size)}: making the file, starting the site, uploading", flush=True)
            results.append(run_size(size, folder=folder, storage=args.storage, concurrency=args.concurrency,
                                    part_bytes=args.part_mb * MIB))
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"files and logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"\nVideo upload, {args.storage} storage, {args.concurrency} parts in parallel, "
          f"{args.part_mb} MiB parts, moto's S3 server on loopback\n")
    print(f"{'file':>10} {'parts':>6} {'site flow':>12} {'parts only':>12} {'completion':>11} {'plain boto3':>12} "
          f"{'site/boto3':>10} {'worker (verify+remux)':>22}")
    for r in results:
        ours_rate = r["size"] / r["ours"]["upload_seconds"] / MIB
        parts_rate = r["size"] / r["ours"]["parts_seconds"] / MIB
        plain_rate = r["size"] / r["boto3_seconds"] / MIB
        print(f"{label(r['size']):>10} {r['ours']['parts']:>6} {ours_rate:>6.0f} MiB/s {parts_rate:>6.0f} MiB/s "
              f"{r['ours']['completion_seconds']:>9.1f} s {plain_rate:>7.0f} MiB/s {ours_rate / plain_rate:>9.0%} "
              f"{r['ours']['processing_seconds']:>20.1f} s")
    print("\nsite flow: from declaring the file to the completion's answer (signing, parts, completion);\n"
          "parts only: the PUTs of the parts to S3; completion: our checks (ListParts) and S3's\n"
          "CompleteMultipartUpload, which moto performs by assembling the object in memory.")
    print("\nPeak resident memory (VmHWM) of our processes:")
    names = list(results[0]["memory"])
    print(f"{'':>50}" + "".join(f"{label(r['size']):>12}" for r in results))
    for index, name in enumerate(names):
        row = [list(r["memory"].values())[index] for r in results]
        print(f"{name:>50}" + "".join(f"{value / MIB:>8.0f} MiB" for value in row))
    # The figures for bench/run_all.py (make bench): always the last line.
    figures = []
    for r in results:
        figures.append({"name": f"video upload {label(r['size'])}, site flow vs boto3", "unit": "MiB/s",
                        "ours": r["size"] / r["ours"]["upload_seconds"] / MIB,
                        "baseline": r["size"] / r["boto3_seconds"] / MIB})
        for name, value in r["memory"].items():
            figures.append({"name": f"video upload {label(r['size'])}, peak RSS {name}", "unit": "MiB",
                            "ours": value / MIB})
    print("BENCH-JSON " + json.dumps({"bench": "video_upload", "load_average": os.getloadavg()[0],
                                      "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
