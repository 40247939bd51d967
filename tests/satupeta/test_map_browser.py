"""The map page in a real browser (Debian's chromium through Playwright): MapLibre loads from the
portal and asks our OGC API for vector tiles; no outside server is contacted."""
from __future__ import annotations

import pytest

from ckan.tests import factories

import satu_factories

from satupeta_testlib import points_geojson

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


def test_map_page_draws_tiles_from_our_api(peta_server, browser, create_with_upload, run_import):
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    ds = satu_factories.Dataset(owner_org=org["id"])
    res = create_with_upload(points_geojson(5), "titik.geojson", package_id=ds["id"], format="GeoJSON",
                             name="Titik pantau", context={"user": user["name"]})
    run_import(res)

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    ctx.on("request", lambda r: requested.append(r.url))
    try:
        page = ctx.new_page()
        page.goto(f"{peta_server}/en/peta")
        page.wait_for_selector(".maplibregl-canvas", state="attached", timeout=30_000)
        # the map sets data-features-drawn each time it is idle: wait for all five points, drawn
        # from the vector tiles (a busy machine's first tiles can take a while)
        page.wait_for_selector('[data-features-drawn="5"]', state="attached", timeout=90_000)
        assert page.get_attribute(".maplibregl-ctrl-zoom-in", "aria-label") == "Zoom in"
        # the same controls in Indonesian: what a screen reader announces on the Indonesian page
        page.goto(f"{peta_server}/peta")
        page.wait_for_selector(".maplibregl-ctrl-zoom-in", state="attached", timeout=30_000)
        names = {page.get_attribute(f".maplibregl-ctrl-{name}", "aria-label")
                 for name in ("zoom-in", "zoom-out", "compass")}
        assert names == {"Perbesar", "Perkecil", "Seret untuk memutar peta, klik untuk menghadapkannya ke utara"}
    finally:
        ctx.close()
    tiles = [u for u in requested if f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/" in u]
    assert tiles, requested
    outside = [u for u in requested if u.startswith("http") and not u.startswith(peta_server)]
    assert outside == []
