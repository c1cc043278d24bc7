"""The production run files in docs/deploy/: systemd units (web, worker, exactly one beat) and the nginx site.

The units are read as systemd reads them (INI, keys repeated allowed); the nginx site is checked by ``nginx -t``
itself, inside a minimal main configuration in a temporary prefix, with a self-signed certificate made here.
"""
import configparser
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import require_executable
from tests.support.site_processes import REPO

DEPLOY = REPO / "docs" / "deploy"
VENV = "/srv/personal-site/venv"
APP = "/srv/personal-site/app"
UNITS = {"web": "personal-site-web@.service", "worker": "personal-site-worker@.service",
         "beat": "personal-site-beat.service"}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


@pytest.mark.parametrize("kind", UNITS)
def test_each_unit_runs_the_venvs_program_as_the_site_user_and_restarts(kind):
    service = unit(UNITS[kind])["Service"]
    assert service["User"] == service["Group"] == "personal"
    assert service["Restart"] == "always"
    assert service["WorkingDirectory"] == APP
    assert service["EnvironmentFile"] == "/etc/personal-site/env"
    argv = exec_start(UNITS[kind])
    program = Path(argv[0])
    assert program.parent == Path(VENV) / "bin"
    assert (REPO / ".venv" / "bin" / program.name).exists(), f"{program.name} is not installed by requirements.txt"
    assert unit(UNITS[kind])["Install"]["WantedBy"] == "multi-user.target"


def test_web_unit_serves_the_wsgi_application_on_the_instance_port():
    argv = exec_start(UNITS["web"])
    assert argv[1] == "personal_site.wsgi:application"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:%i"
    # The configuration the benchmarks measure (bench/program_page.py serves with the same file).
    assert argv[argv.index("--config") + 1] == "personal_site/gunicorn.conf.py"
    # gunicorn itself accepts the command line (and imports the application) with a real port.
    check = [str(REPO / ".venv" / "bin" / "gunicorn"), "--check-config",
             *[a.replace("%i", "8000") for a in argv[1:]]]
    done = subprocess.run(check, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_there_is_exactly_one_beat_and_workers_never_embed_one():
    beats = [name for name in UNITS.values() if "beat" in exec_start(name)]
    assert beats == [UNITS["beat"]]
    assert "@" not in UNITS["beat"], "a template unit would invite several beats"
    worker = exec_start(UNITS["worker"])
    assert worker[1:4] == ["-A", "personal_site", "worker"]
    assert "-B" not in worker and "--beat" not in worker
    assert exec_start(UNITS["beat"])[1:4] == ["-A", "personal_site", "beat"]
    assert "StateDirectory" in unit(UNITS["beat"])["Service"]  # its schedule file survives restarts


def test_the_environment_example_names_only_settings_the_site_reads():
    source = "".join(path.read_text() for path in (REPO / "personal_site" / "settings").glob("*.py"))
    names = [line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    assert "SITE_PROFILE" in names and "SECRET_KEY" in names
    for name in names:
        assert f'"{name}"' in source, f"{name} is not read by personal_site/settings/"


# --- nginx -----------------------------------------------------------------------------------------------------


def nginx_site() -> str:
    return (DEPLOY / "nginx-personal-site.conf").read_text()


def directive(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, re.M)


def size_in_bytes(value: str) -> int:
    number, unit_ = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit_.lower()]


def test_nginx_upload_limit_fits_pdfs_and_photos_but_not_videos():
    from speakers.forms import MAX_PHOTO_BYTES

    [limit] = [size_in_bytes(v) for v in directive(nginx_site(), "client_max_body_size")]
    assert limit > settings.PDF_MAX_BYTES + 64 * 1024  # a PDF at its limit plus the form's other fields
    assert limit > MAX_PHOTO_BYTES
    assert limit <= settings.PDF_MAX_BYTES + 4 * 1024 * 1024  # videos go to S3, never through nginx


def test_nginx_serves_collected_static_files_and_tells_the_site_it_is_https():
    text = nginx_site()
    env = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert directive(text, "alias") == [env["STATIC_ROOT"] + "/"]
    assert "proxy_set_header X-Forwarded-Proto $scheme" in text
    assert "proxy_set_header X-Request-ID $request_id" in text
    assert directive(text, "return") == ["301 https://$host$request_uri"]


def test_nginx_accepts_the_site(tmp_path):
    nginx = require_executable("nginx", "nginx")
    openssl = require_executable("openssl", "openssl")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=personal.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = nginx_site().replace("/etc/letsencrypt/live/personal.example.org/fullchain.pem", str(cert)) \
        .replace("/etc/letsencrypt/live/personal.example.org/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
""")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                           str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr
