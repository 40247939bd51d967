"""OGC API - Features, tiles and downloads, read by real clients (GDAL, OWSLib) from a real server."""
from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest
import requests

from ckan.tests import factories

import satu_factories

from satupeta_testlib import PLACES, feature, geojson_bytes, square

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


@pytest.fixture
def layers(create_with_upload, run_import):
    """A public polygon layer of 25 blocks and a private point layer."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    context = {"user": user["name"]}
    blocks = [feature(square(106.60 + 0.01 * (i % 5), -6.25 + 0.01 * (i // 5), 0.005),
                      nama=f"Blok {i}", kecamatan="Cipondoh" if i % 2 else "Pinang", nomor=i)
              for i in range(25)]
    public = satu_factories.Dataset(owner_org=org["id"], title="Blok Bangunan")
    res = create_with_upload(geojson_bytes(blocks), "blok.geojson", package_id=public["id"],
                             format="GeoJSON", name="Blok bangunan", context=context)
    assert run_import(res)["status"] == "done"
    private = satu_factories.Dataset(owner_org=org["id"], private=True, title="Aset Rahasia")
    secret = create_with_upload(geojson_bytes([feature({"type": "Point", "coordinates": list(p)}, nama="aset")
                                               for p in PLACES]), "aset.geojson",
                                package_id=private["id"], format="GeoJSON", name="Aset", context=context)
    assert run_import(secret)["status"] == "done"
    token = factories.APIToken(user=user["name"])["token"]
    return {"public": res["id"], "private": secret["id"], "token": token}


def get(url, **kw):
    resp = requests.get(url, timeout=30, **kw)
    return resp


def test_landing_conformance_and_collections(peta_server, layers):
    landing = get(f"{peta_server}/ogc", headers={"Accept": "application/json"}).json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"service-desc", "conformance", "data"} <= rels
    conf = get(f"{peta_server}/ogc/conformance?f=json").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    cols = get(f"{peta_server}/ogc/collections?f=json").json()
    assert [c["id"] for c in cols["collections"]] == [layers["public"]]
    assert "http://www.opengis.net/def/crs/EPSG/0/23834" in cols["crs"]
    api = get(f"{peta_server}/ogc/api")
    assert api.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert "/collections/{collectionId}/items" in api.json()["paths"]


def test_items_paging_bbox_filters_and_one_feature(peta_server, layers):
    base = f"{peta_server}/ogc/collections/{layers['public']}/items"
    page = get(base, params={"limit": 10, "f": "json"})
    assert page.headers["Content-Type"] == "application/geo+json"
    doc = page.json()
    assert (doc["numberMatched"], doc["numberReturned"]) == (25, 10)
    nxt = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    second = get(nxt).json()
    assert [f["properties"]["nomor"] for f in second["features"]] == list(range(10, 20))
    third = get(next(link["href"] for link in second["links"] if link["rel"] == "next")).json()
    assert third["numberReturned"] == 5 and "next" not in {link["rel"] for link in third["links"]}
    # bbox over the first row of blocks only
    row = get(base, params={"bbox": "106.599,-6.251,106.65,-6.244"}).json()
    assert sorted(f["properties"]["nomor"] for f in row["features"]) == [0, 1, 2, 3, 4]
    # property filter, with numberMatched counting the filtered features
    pinang = get(base, params={"kecamatan": "Pinang", "limit": 5}).json()
    assert pinang["numberMatched"] == 13 and {f["properties"]["kecamatan"] for f in pinang["features"]} == {"Pinang"}
    # a later page of the filtered features, and a page past the end
    last = get(base, params={"kecamatan": "Pinang", "limit": 5, "offset": 10}).json()
    assert [f["properties"]["nomor"] for f in last["features"]] == [20, 22, 24]
    beyond = get(base, params={"limit": 5, "offset": 30}).json()
    assert (beyond["numberMatched"], beyond["numberReturned"], beyond["features"]) == (25, 0, [])
    assert get(base, params={"warna": "merah"}).status_code == 400
    one = get(f"{base}/3").json()  # feature ids count from 1 in the file's order
    assert one["properties"]["nama"] == "Blok 2" and one["geometry"]["type"] == "Polygon"
    assert get(f"{base}/999").status_code == 404


def test_items_in_other_crs(peta_server, layers):
    base = f"{peta_server}/ogc/collections/{layers['public']}/items/1"
    crs84 = get(base).json()["geometry"]["coordinates"][0][0]
    assert crs84 == pytest.approx([106.60, -6.25])
    wgs84 = get(base, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    assert wgs84.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    assert wgs84.json()["geometry"]["coordinates"][0][0] == pytest.approx([-6.25, 106.60])  # lat, lon
    utm = get(base, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/32748"}).json()
    x, y = utm["geometry"]["coordinates"][0][0]
    assert 660_000 < x < 680_000 and 9_300_000 < y < 9_320_000
    bad = get(base, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/23830"})
    assert bad.status_code == 400 and "23830" in bad.json()["description"]
    # a bbox given in UTM 48S finds the same first row
    items = f"{peta_server}/ogc/collections/{layers['public']}/items"
    row = get(items, params={"bbox": f"{x - 100},{y - 100},{x + 5000},{y + 400}",
                             "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/32748"}).json()
    assert sorted(f["properties"]["nomor"] for f in row["features"]) == [0, 1, 2, 3, 4]


def test_private_layer_needs_rights(peta_server, layers):
    secret = layers["private"]
    for path in ("", "/items", "/items/1", "/tiles/WebMercatorQuad/0/0/0", "/download?f=geojson"):
        assert get(f"{peta_server}/ogc/collections/{secret}{path}").status_code == 404, path
    auth = {"Authorization": layers["token"]}
    cols = get(f"{peta_server}/ogc/collections?f=json", headers=auth).json()
    assert {c["id"] for c in cols["collections"]} == {layers["public"], secret}
    items = get(f"{peta_server}/ogc/collections/{secret}/items", headers=auth).json()
    assert items["numberMatched"] == 5
    tile = get(f"{peta_server}/ogc/collections/{secret}/tiles/WebMercatorQuad/0/0/0", headers=auth)
    assert tile.status_code == 200 and tile.headers["Cache-Control"].startswith("private")


def test_gdal_ogc_api_driver_reads_the_layers(peta_server, layers):
    out = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{peta_server}/ogc"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert layers["public"] in out.stdout and layers["private"] not in out.stdout
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", f"OAPIF:{peta_server}/ogc", layers["public"]],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("OGRFeature") == 25  # GDAL followed the next links
    assert "nama (String) = Blok 24" in out.stdout


def test_owslib_reads_the_layers(peta_server, layers):
    from owslib.ogcapi.features import Features

    api = Features(f"{peta_server}/ogc")
    ids = [c["id"] for c in api.collections()["collections"]]
    assert ids == [layers["public"]]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    items = api.collection_items(layers["public"], limit=7, offset=7)
    assert items["numberMatched"] == 25
    assert [f["properties"]["nomor"] for f in items["features"]] == list(range(7, 14))
    assert api.collection_item(layers["public"], "5")["properties"]["nama"] == "Blok 4"


def test_vector_tiles(peta_server, layers, tmp_path):
    base = f"{peta_server}/ogc/collections/{layers['public']}/tiles/WebMercatorQuad"
    # the zoom 11 tile holding all blocks: x=1630, y=1059 (URL order tileMatrix/tileRow/tileCol)
    resp = get(f"{base}/11/1059/1630")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert resp.headers["Cache-Control"] == "public, max-age=3600"  # not ckan.cache_expires (0 here)
    path = tmp_path / "11" / "1630"
    path.mkdir(parents=True)
    (path / "1059.pbf").write_bytes(resp.content)
    # Debian's GDAL (its MVT driver) decodes it, z/x/y taken from the path; the test process's
    # pyogrio has only the drivers Satu Peta's imports may use
    out = subprocess.run(["ogrinfo", "-ro", "-so", str(path / "1059.pbf"), "features"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Feature Count: 25" in out.stdout
    assert "nama:" in out.stdout
    again = get(f"{base}/11/1059/1630", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    far = get(f"{base}/11/0/0")
    assert far.status_code == 200 and far.content == b""


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp", "csv"])
def test_downloads_read_back(peta_server, layers, tmp_path, fmt):
    resp = get(f"{peta_server}/ogc/collections/{layers['public']}/download", params={"f": fmt})
    assert resp.status_code == 200, resp.text[:300]
    path = tmp_path / f"blok.{'zip' if fmt == 'shp' else fmt}"
    path.write_bytes(resp.content)
    if fmt == "geojson":
        doc = json.loads(resp.content)
        assert len(doc["features"]) == 25
        return
    opts = {"GEOM_POSSIBLE_NAMES": "geometry"} if fmt == "csv" else {}
    info = pyogrio.read_info(str(path), **opts)
    assert info["features"] == 25
    assert "nama" in list(info["fields"])
    if fmt != "csv":
        assert info["crs"] == "EPSG:4326"


def test_html_pages(peta_server, layers):
    page = get(f"{peta_server}/en/ogc/collections/{layers['public']}/items", params={"f": "html", "limit": 5})
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "Blok 4" in page.text and "Blok 5" not in page.text
    browser = get(f"{peta_server}/ogc/collections", headers={"Accept": "text/html,application/xhtml+xml"})
    assert "text/html" in browser.headers["Content-Type"] and "Blok bangunan" in browser.text
