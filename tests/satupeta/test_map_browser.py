"""The map page in a real browser (Debian's chromium): MapLibre loads from the portal and asks our
OGC API for vector tiles; no outside server is contacted."""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from ckan.tests import factories

from satupeta_testlib import points_geojson

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed")
def test_map_page_draws_tiles_from_our_api(peta_server, create_with_upload, run_import, tmp_path):
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    ds = factories.Dataset(owner_org=org["id"])
    res = create_with_upload(points_geojson(5), "titik.geojson", package_id=ds["id"], format="GeoJSON",
                             name="Titik pantau", context={"user": user["name"]})
    run_import(res)
    log = sorted(pathlib.Path(__file__).resolve().parents[2].joinpath("var", "log")
                 .glob(f"test-peta-server-{peta_server.rsplit(':', 1)[1]}.log"))[0]
    for attempt in range(3):  # a fresh server's first tiles may come after chromium's time budget
        out = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             f"--user-data-dir={tmp_path / str(attempt)}", "--virtual-time-budget=20000", "--dump-dom",
             f"{peta_server}/en/peta"],
            capture_output=True, text=True, timeout=120)
        if 'data-features-drawn="5"' in out.stdout:
            break
    assert "maplibregl-canvas" in out.stdout, out.stderr[-2000:]
    assert 'data-features-drawn="5"' in out.stdout  # all five points drawn from the vector tiles
    assert f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/" in log.read_text()
