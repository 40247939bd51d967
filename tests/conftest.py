"""Shared fixtures. The suite runs against the real services that `make test` starts
(PostgreSQL + PostGIS, Solr, Redis); CKAN's pytest plugin loads config/test.ini."""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


@pytest.fixture(scope="session", autouse=True)
def _services_up():
    """Fail early, and say why, when a service the suite needs is not running."""
    needed = {"PostgreSQL": 5433, "Solr": 8983, "Redis": 6379}
    down = [f"{name} (127.0.0.1:{port})" for name, port in needed.items()
            if not _port_open("127.0.0.1", port)]
    if down:
        pytest.exit(f"services not running: {', '.join(down)}; run `make test`", returncode=3)


MIGRATIONS = ROOT / "ckanext-tangerang" / "ckanext" / "tangerang" / "migration"


def plugins_with_migrations(enabled: list[str]) -> list[str]:
    ours = {d.name for d in MIGRATIONS.iterdir() if any(d.glob("versions/*.py"))}
    return [p for p in enabled if p == "activity" or p in ours]


@pytest.fixture
def clean_db(reset_db, migrate_db_for, ckan_config, with_plugins):
    """CKAN's reset creates core tables only; plugins' tables come from their migrations
    (as ckanext-activity's own tests do), which need the plugins loaded."""
    reset_db()
    for plugin in plugins_with_migrations(ckan_config["ckan.plugins"]):
        migrate_db_for(plugin)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(request):
    """The portal under gunicorn (as in production) on a free port, with the suite's ini."""
    port = free_port()
    log = open(ROOT / "var" / "log" / "test-live-server.log", "w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "ckanext.tangerang.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        # the site URL is the server's own, so redirects (e.g. after login) stay on it
        env={**os.environ, "CKAN_INI": str(pathlib.Path(request.config.getoption("ckan_ini")).resolve()),
             "CKAN_SITE_URL": f"http://127.0.0.1:{port}"},
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            if requests.get(f"{url}/api/3/action/status_show", timeout=5).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"gunicorn did not answer; see {log.name}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
