"""Fixtures of Satu Peta's tests: the feature store (a real PostGIS database)."""
from __future__ import annotations

import pathlib
import sys

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk

# Without __init__.py every conftest is the module `conftest`; the suite's own tests import
# ROOT and VENV_BIN from it, so whichever conftest was imported last must offer them too.
ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent


@pytest.fixture
def peta_store(ckan_config):
    """The feature store's schema at head, emptied of layers."""
    from ckanext.tangerang.satupeta import storemigration
    from ckanext.tangerang.satupeta import model as store

    url = ckan_config["ckanext.tangerang.satupeta.sqlalchemy.url"]
    storemigration.upgrade(url)
    engine = store.engine()
    with engine.begin() as conn:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'tangerang_satupeta_f_%'")).scalars().all()
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE "{table}"'))
        conn.execute(sa.text("TRUNCATE tangerang_satupeta_layer, tangerang_satupeta_import"))
    return engine



@pytest.fixture
def run_import():
    """Imports a resource now, as the worker would, and returns the import run."""
    from ckanext.tangerang.satupeta import jobs
    from ckanext.tangerang.satupeta import model as store

    def runner(resource: dict, crs: str | None = None) -> dict:
        run = store.create_import(resource["id"], resource["package_id"], crs)
        jobs.import_layer(run["id"])
        state = tk.get_action("tangerang_satupeta_layer_show")({"ignore_auth": True}, {"id": resource["id"]})
        return state["import"]

    return runner


@pytest.fixture(scope="session")
def peta_server(request):
    """The portal under gunicorn with the ini this run was given (--ckan-ini), so that a private
    test configuration is served too (the shared live_server always serves config/test.ini)."""
    import os
    import pathlib
    import subprocess
    import sys
    import time

    import requests

    import socket

    root = pathlib.Path(__file__).resolve().parents[2]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    given = pathlib.Path(request.config.getoption("ckan_ini")).resolve()
    # wsgi.py reads the logging sections from the ini itself: give it config/test.ini's
    logging = (root / "config" / "test.ini").read_text().split("[loggers]", 1)[1]
    ini_path = root / "var" / f"test-peta-server-{port}.ini"
    ini_path.write_text(f"[app:main]\nuse = config:{given}\n\n[loggers]{logging}")
    ini = str(ini_path)
    log = open(root / "var" / "log" / f"test-peta-server-{port}.log", "w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    proc = subprocess.Popen(
        [str(pathlib.Path(sys.executable).parent / "gunicorn"), "ckanext.tangerang.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"],
        env={**env, "CKAN_INI": ini}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if requests.get(f"{url}/api/3/action/status_show", timeout=5).ok:
                break
        except requests.RequestException:  # not listening yet, or still loading
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"gunicorn did not answer; see {log.name}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    ini_path.unlink()
