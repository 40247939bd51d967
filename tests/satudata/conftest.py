"""Satu Data tests run with the plugins of the portal's catalogue: the satudata plugin, the
scheming schema of the Satu Data standard, spatial search and DCAT."""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest
import requests

import ckan.tests.factories as factories

HERE = pathlib.Path(__file__).parent
PLUGINS = ("tangerang_satudata activity spatial_metadata spatial_query scheming_datasets "
           "dcat structured_data")
CONFIG = {
    "ckan.plugins": PLUGINS,
    "scheming.dataset_schemas": "ckanext.tangerang.satudata:dataset_schema.yaml",
    "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3 tangerang_satudata",
    "ckanext.tangerang.satudata.review_required": "true",
    "ckanext.spatial.search_backend": "solr-spatial-field",
}
def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in pathlib.Path(item.fspath).parents:
            for key, value in CONFIG.items():
                item.add_marker(pytest.mark.ckan_config(key, value))


@pytest.fixture(autouse=True)
def _satudata_plugins(with_plugins):
    yield


@pytest.fixture
def opd(clean_db, clean_index):
    """An editor of the Dinas Kesehatan (a Produsen Data)."""
    user = factories.UserWithToken()
    org = factories.Organization(name="dinkes", title="Dinas Kesehatan",
                                 users=[{"name": user["name"], "capacity": "editor"}])
    return {**user, "org": org}


@pytest.fixture
def walidata(opd):
    """A Diskominfo editor: the walidata organization of the city profile."""
    user = factories.UserWithToken()
    factories.Organization(name="diskominfo", title="Dinas Komunikasi dan Informatika",
                           users=[{"name": user["name"], "capacity": "editor"}])
    return user


LOGGING = """
[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


@pytest.fixture(scope="module")
def satudata_server(request, tmp_path_factory):
    """The portal under gunicorn with the Satu Data plugins, on this run's database and Solr core
    (the shared live_server fixture serves config/test.ini's)."""
    base_ini = pathlib.Path(request.config.getoption("--ckan-ini")).resolve()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("satudata-server")
    ini = folder / "server.ini"
    options = "\n".join(f"{k} = {v}" for k, v in {**CONFIG, "ckan.site_url": f"http://127.0.0.1:{port}"}.items())
    ini.write_text(f"[DEFAULT]\ndebug = false\n\n[app:main]\nuse = config:{base_ini}\n{options}\n{LOGGING}")
    log = open(folder / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [str(pathlib.Path(sys.executable).parent / "gunicorn"), "ckanext.tangerang.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        env={**os.environ, "CKAN_INI": str(ini)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    try:
        while True:
            try:
                if requests.get(f"{url}/api/3/action/status_show", timeout=30).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"gunicorn did not answer; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
