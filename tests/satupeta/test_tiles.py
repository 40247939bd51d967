"""Vector tiles: decoded as a map client would, kept in the tile cache per layer version (a
re-import or style change is never answered with an old tile, a deleted layer leaves no files),
a private layer's cached tile still refused to an anonymous reader, and the low zooms drawn from
the pre-simplified copies still holding every feature."""
from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
import shapely
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckan.tests import factories

import satu_factories

from satupeta_testlib import feature, geojson_bytes, square

pytestmark = [pytest.mark.services,
              pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]

# the zoom 11 tile over the blocks below (URL order z/y/x, as OGC API - Tiles)
Z11 = "11/1059/1630"


@pytest.fixture
def tile_cache(tmp_path, ckan_config):
    ckan_config["ckanext.tangerang.satupeta.tile_cache_path"] = str(tmp_path / "tiles")
    return tmp_path / "tiles"


@pytest.fixture
def officer():
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    return {"user": user, "org": org, "token": factories.APIToken(user=user["name"])["token"]}


def _blocks(name: str) -> bytes:
    return geojson_bytes([feature(square(106.60 + 0.01 * (i % 5), -6.25 + 0.01 * (i // 5), 0.005),
                                  nama=f"{name} {i}", nomor=i) for i in range(10)])


def _layer(create_with_upload, run_import, officer, content: bytes, private: bool = False) -> dict:
    dataset = satu_factories.Dataset(owner_org=officer["org"]["id"], private=private)
    res = create_with_upload(content, "blok.geojson", package_id=dataset["id"], format="GeoJSON",
                             name="Blok", context={"user": officer["user"]["name"]})
    assert run_import(res)["status"] == "done"
    return res


def _features(data: bytes) -> dict[int, dict]:
    """The tile's features by id, as a map client decodes them."""
    layers = mapbox_vector_tile.decode(data)
    return {f["id"]: f for f in layers.get("features", {}).get("features", [])}


def _tile_files(cache, layer_id):
    return sorted(p.relative_to(cache) for p in (cache / layer_id).rglob("*") if p.is_file())


def test_a_tile_is_cached_until_the_layer_changes(app, tile_cache, officer, create_with_upload, run_import):
    res = _layer(create_with_upload, run_import, officer, _blocks("Blok"))
    url = f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/{Z11}"
    first = app.get(url)
    assert first.status_code == 200
    assert {f["properties"]["nama"] for f in _features(first.data).values()} == {f"Blok {i}" for i in range(10)}
    [cached] = _tile_files(tile_cache, res["id"])  # one file, no temporary file left behind
    assert cached.parts[-3:] == ("11", "1630", "1059.mvt")
    before = (tile_cache / cached).stat()
    again = app.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    after = (tile_cache / cached).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not rebuilt
    assert app.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    # the officer corrects the file and imports it again: the next tile shows the change
    path = uploader.get_resource_uploader(res).get_path(res["id"])
    with open(path, "wb") as f:
        f.write(_blocks("Gedung"))
    assert run_import(res)["status"] == "done"
    fresh = app.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != first.headers["ETag"]
    assert {f["properties"]["nama"] for f in _features(fresh.data).values()} == {f"Gedung {i}" for i in range(10)}
    [now] = _tile_files(tile_cache, res["id"])  # the old version's folder is gone
    assert now.parts[1] != cached.parts[1]

    # a style change is a new version too (the tile's ETag follows it)
    from ckanext.tangerang.satupeta import model as store

    store.set_style(res["id"], {"color": "#123456"})
    styled = app.get(url, headers={"If-None-Match": fresh.headers["ETag"]})
    assert styled.status_code == 200 and styled.headers["ETag"] != fresh.headers["ETag"]
    [latest] = _tile_files(tile_cache, res["id"])
    assert latest.parts[1] != now.parts[1]


def test_a_private_layers_cached_tile_is_refused_anonymously(app, tile_cache, officer, create_with_upload,
                                                               run_import):
    res = _layer(create_with_upload, run_import, officer, _blocks("Aset"), private=True)
    url = f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/{Z11}"
    owner = app.get(url, headers={"Authorization": officer["token"]})
    assert owner.status_code == 200 and len(_features(owner.data)) == 10
    assert owner.headers["Cache-Control"].startswith("private")
    assert _tile_files(tile_cache, res["id"])  # cached
    anonymous = app.get(url)
    assert anonymous.status_code == 404 and b"Aset" not in anonymous.data
    stranger = factories.User()
    token = factories.APIToken(user=stranger["name"])["token"]
    assert app.get(url, headers={"Authorization": token}).status_code == 404
    # the owner's next request is served from the cache
    assert app.get(url, headers={"Authorization": officer["token"]}).data == owner.data


def _tiles_over(west: float, south: float, east: float, north: float, z: int) -> list[tuple[int, int]]:
    """(y, x) of the Web Mercator tiles over a lon/lat box."""
    def xy(lon, lat):
        n = 2 ** z
        r = math.radians(lat)
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)
    (x0, y0), (x1, y1) = xy(west, north), xy(east, south)
    return [(y, x) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]


AREA = (106.595, -6.255, 106.65, -6.235)


def _ponds(n: int) -> bytes:
    """n round ponds of 257 vertices (simplified for the low zooms) and n kiosks of 5 m."""
    feats = []
    for i in range(n):
        lon, lat = 106.60 + 0.01 * (i % 5), -6.25 + 0.01 * (i // 5)
        pond = shapely.Point(lon, lat).buffer(0.003, quad_segs=64)
        feats.append(feature(shapely.geometry.mapping(pond), nama=f"Kolam {i}"))
        feats.append(feature(square(lon + 0.004, lat + 0.004, 0.00005), nama=f"Kios {i}"))
    return geojson_bytes(feats)


def test_low_zoom_tiles_from_the_simplified_copies_hold_every_feature(app, tile_cache, officer,
                                                                       create_with_upload, run_import):
    from ckanext.tangerang.satupeta import model as store

    res = _layer(create_with_upload, run_import, officer, _ponds(10))
    table = store.get_layer(res["id"])["table_name"]
    with store.engine().connect() as conn:
        full, low = conn.execute(sa.text(
            f'SELECT sum(ST_NPoints(geom_3857)), sum(ST_NPoints(geom_3857_low)) FROM "{table}" '
            "WHERE geom_3857_low IS NOT NULL")).one()
    assert full == 10 * 257 and low < full / 3  # the ponds' copies are simplified, the kiosks have none
    base = f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad"
    seen: dict[int, set[str]] = {}
    for z in (10, 11, 12, 14):
        for y, x in _tiles_over(*AREA, z):
            feats = _features(app.get(f"{base}/{z}/{y}/{x}").data)
            # the same features as the full geometry would give (what the tile grid keeps)
            with store.engine().connect() as conn:
                expected = conn.execute(sa.text(
                    f'SELECT fid FROM "{table}" WHERE ST_AsMVTGeom(geom_3857, ST_TileEnvelope(:z, :x, :y), '
                    "4096, 64, true) IS NOT NULL"), {"z": z, "x": x, "y": y}).scalars().all()
            assert set(feats) == set(expected), (z, x, y)
            seen.setdefault(z, set()).update(f["properties"]["nama"] for f in feats.values())
            for f in feats.values():
                if f["properties"]["nama"].startswith("Kolam") and f["geometry"]["type"] == "Polygon":
                    assert len(f["geometry"]["coordinates"][0]) > 8  # still round
    ponds, kiosks = {f"Kolam {i}" for i in range(10)}, {f"Kios {i}" for i in range(10)}
    assert all(ponds <= names for names in seen.values())
    assert seen[14] == ponds | kiosks


def test_deleting_a_layer_removes_its_cached_tiles(app, tile_cache, officer, create_with_upload, run_import):
    res = _layer(create_with_upload, run_import, officer, _blocks("Blok"))
    url = f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/{Z11}"
    assert app.get(url).status_code == 200
    assert (tile_cache / res["id"]).is_dir()
    tk.get_action("tangerang_satupeta_layer_delete")({"user": officer["user"]["name"]}, {"id": res["id"]})
    assert not (tile_cache / res["id"]).exists()
    assert app.get(url).status_code == 404


def test_migration_0005_fills_the_tile_columns_of_older_tables(ckan_config, officer, create_with_upload,
                                                               run_import):
    from ckanext.tangerang.satupeta import model as store
    from ckanext.tangerang.satupeta import storemigration

    res = _layer(create_with_upload, run_import, officer, _ponds(3))
    layer = store.get_layer(res["id"])

    def z12():
        feats = {}
        for y, x in _tiles_over(*AREA, 12):
            feats.update(_features(store.tile(layer, 12, x, y, "features")))
        return feats

    before = z12()

    def columns():
        with store.engine().connect() as conn:
            return set(conn.execute(sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
                {"t": layer["table_name"]}).scalars())

    url = ckan_config["ckanext.tangerang.satupeta.sqlalchemy.url"]
    try:
        storemigration.downgrade(url, "0004")  # a table as imports wrote it before
        assert columns() == {"fid", "properties", "geom"}
    finally:
        storemigration.upgrade(url)
    assert columns() == {"fid", "properties", "geom", "geom_3857", "geom_3857_low"}
    after = z12()
    assert after.keys() == before.keys()
    assert {f"Kolam {i}" for i in range(3)} <= {f["properties"]["nama"] for f in after.values()}
    assert [f["properties"] for f in after.values()] == [f["properties"] for f in before.values()]


@pytest.mark.ckan_config("ckanext.tangerang.satupeta.tile_cache", "false")
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.tile_max_features", "12")
def test_a_crowded_low_zoom_tile_holds_an_even_sample_and_every_feature_from_zoom_13(
        app, officer, create_with_upload, run_import):
    # 60 small plots in one ~600 m block: one tile at zooms 10 to 13
    plots = geojson_bytes([feature(square(106.600 + 0.0008 * (i % 8), -6.250 + 0.0008 * (i // 8), 0.0004),
                                   nama=f"Persil {i}") for i in range(60)])
    res = _layer(create_with_upload, run_import, officer, plots)

    def ids(z):
        n = 2 ** z
        x = int((106.602 + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(-6.247))) / math.pi) / 2 * n)
        response = app.get(f"/ogc/collections/{res['id']}/tiles/WebMercatorQuad/{z}/{y}/{x}")
        assert response.status_code == 200
        return set(_features(response.data))

    shown = {z: ids(z) for z in (10, 11, 12, 13)}
    assert len(shown[13]) == 60  # past zoom 12 nothing is left out
    for z in (10, 11, 12):
        assert 6 <= len(shown[z]) <= 12, (z, len(shown[z]))  # halved until it fits, not emptied
    # what a reader saw at one zoom is still there when zooming in
    assert shown[10] <= shown[11] <= shown[12] <= shown[13]
