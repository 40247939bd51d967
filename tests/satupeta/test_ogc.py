"""OGC API - Features, tiles and downloads, read by real clients (GDAL, OWSLib) from a real server."""
from __future__ import annotations

import json
import subprocess

import pyogrio
import pytest
import requests

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


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


# --- OGC API - Features Part 3: queryables and CQL2 filters ----------------------------------------

def nomors(resp):
    assert resp.status_code == 200, resp.text[:300]
    return sorted(f["properties"]["nomor"] for f in resp.json()["features"])


def test_queryables(peta_server, layers):
    from jsonschema import Draft202012Validator

    url = f"{peta_server}/ogc/collections/{layers['public']}/queryables"
    resp = get(url)
    assert resp.headers["Content-Type"] == "application/schema+json"
    schema = resp.json()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = schema["properties"]
    assert props["nomor"]["type"] == "integer" and props["nama"]["type"] == "string"
    assert props["geometry"]["format"] == "geometry-polygon-or-multipolygon"
    coll = get(f"{peta_server}/ogc/collections/{layers['public']}?f=json").json()
    assert url + "?f=json" in {link["href"] for link in coll["links"]
                               if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables"}
    assert get(f"{peta_server}/ogc/collections/{layers['private']}/queryables").status_code == 404
    html = get(url, params={"f": "html"})
    assert "text/html" in html.headers["Content-Type"] and "<code>nomor</code>" in html.text
    conf = get(f"{peta_server}/ogc/conformance?f=json").json()["conformsTo"]
    assert {"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"} <= set(conf)


def test_cql2_text_filters(peta_server, layers):
    base = f"{peta_server}/ogc/collections/{layers['public']}/items"

    def where(text, **params):
        return nomors(get(base, params={"filter": text, "limit": 100, **params}))

    assert where("nomor > 20") == [21, 22, 23, 24]
    assert where("nomor >= 3 AND nomor < 5") == [3, 4]
    assert where("nomor BETWEEN 10 AND 12") == [10, 11, 12]
    assert where("nomor NOT BETWEEN 2 AND 24") == [0, 1]
    assert where("nomor IN (1, 7, 99)") == [1, 7]
    assert where("nama LIKE 'Blok 2_'") == [20, 21, 22, 23, 24]
    assert where("CASEI(nama) LIKE 'blok 1%' AND NOT kecamatan = 'Pinang'") == [1, 11, 13, 15, 17, 19]
    assert where("nama = 'Blok 3' OR nomor = 4") == [3, 4]
    assert where("kecamatan IS NULL") == []
    assert len(where("kecamatan IS NOT NULL")) == 25
    # the block at column 1, row 1 (106.61.., -6.24..) holds this point
    assert where("S_INTERSECTS(geometry, POINT(106.612 -6.238))") == [6]
    assert where("S_INTERSECTS(geometry, POLYGON((106.599 -6.251, 106.628 -6.251, 106.628 -6.244, "
                 "106.599 -6.244, 106.599 -6.251)))") == [0, 1, 2]
    assert where("S_WITHIN(geometry, POLYGON((106.599 -6.251, 106.62 -6.251, 106.62 -6.234, "
                 "106.599 -6.234, 106.599 -6.251)))") == [0, 1, 5, 6]
    assert where("BBOX(geometry, 106.599, -6.251, 106.618, -6.234)") == [0, 1, 5, 6]
    # the same point in EPSG:4326's own axis order (latitude first)
    assert where("S_INTERSECTS(geometry, POINT(-6.238 106.612))",
                 **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}) == [6]
    # combined with bbox and a property parameter; numberMatched counts the filtered features and
    # the next link keeps the filter
    page = get(base, params={"filter": "nomor < 12", "kecamatan": "Pinang", "limit": 2}).json()
    assert page["numberMatched"] == 6 and [f["properties"]["nomor"] for f in page["features"]] == [0, 2]
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert [f["properties"]["nomor"] for f in get(nxt).json()["features"]] == [4, 6]


def test_cql2_json_filters(peta_server, layers):
    base = f"{peta_server}/ogc/collections/{layers['public']}/items"

    def where(doc):
        return nomors(get(base, params={"filter": json.dumps(doc), "filter-lang": "cql2-json"}))

    prop = {"property": "nomor"}
    assert where({"op": "and", "args": [{"op": ">", "args": [prop, 2]},
                                        {"op": "<=", "args": [prop, 4]}]}) == [3, 4]
    assert where({"op": "between", "args": [prop, 22, 24]}) == [22, 23, 24]  # CQL2 1.0's form
    assert where({"op": "in", "args": [{"property": "nama"}, ["Blok 1", "Blok 9"]]}) == [1, 9]
    assert where({"op": "like", "args": [{"op": "casei", "args": [{"property": "nama"}]}, "blok 2%"]}) == \
        [2, 20, 21, 22, 23, 24]
    assert where({"op": "not", "args": [{"op": "isNull", "args": [{"property": "nama"}]}]}) == list(range(25))
    assert where({"op": "s_intersects", "args": [{"property": "geometry"},
                                                 {"type": "Point", "coordinates": [106.612, -6.238]}]}) == [6]
    assert where({"op": "s_intersects", "args": [{"property": "geometry"},
                                                 {"bbox": [106.599, -6.251, 106.612, -6.244]}]}) == [0, 1]


@pytest.mark.parametrize("params, says", [
    ({"filter": "warna = 'merah'"}, "filter: unknown property warna; queryables: geometry, kecamatan, nama, nomor"),
    ({"filter": "nomor = "}, "filter: Unexpected token"),
    ({"filter": "nama = 5"}, "filter: =: cannot compare a string with a number"),
    ({"filter": "nama LIKE 'x\\'"}, "filter: a LIKE pattern must not end"),
    ({"filter": "nomor + 1 > 2"}, "filter: + is not supported"),
    ({"filter": "S_INTERSECTS(geometry, POLYGON((1 1, 2 2)))"}, "filter: invalid geometry"),
    ({"filter": "{\"op\": \"and\"", "filter-lang": "cql2-json"}, "filter: "),
    ({"filter": "(" * 500 + "nomor = 1" + ")" * 500}, ""),
    ({"filter": "nomor = 1", "filter-lang": "ecql"}, "filter-lang: use one of cql2-text, cql2-json"),
    ({"filter": "nomor = 1", "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/23830"}, "filter-crs: "),
])
def test_bad_filters_are_client_errors(peta_server, layers, params, says):
    resp = get(f"{peta_server}/ogc/collections/{layers['public']}/items", params=params)
    if not says:  # deep but valid: answered
        assert nomors(resp) == [1]
        return
    assert resp.status_code == 400, resp.text[:300]
    doc = resp.json()
    # Indonesian first, then English: an API client names no language
    indonesian, _, english = doc["description"].partition(" / ")
    assert doc["code"] == "InvalidParameterValue" and english.startswith(says), doc
    assert indonesian.startswith(("filter tidak dapat dipakai: ", "filter-lang: gunakan salah satu dari ",
                                  "filter-crs: ")), doc


# --- OGC API - Tiles ----------------------------------------------------------------------------

def test_tile_matrix_sets_and_tilesets(peta_server, layers):
    ogc = f"{peta_server}/ogc"
    landing = get(ogc, params={"f": "json"}).json()
    schemes = next(link["href"] for link in landing["links"]
                   if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes")
    sets = get(schemes).json()["tileMatrixSets"]
    assert [s["id"] for s in sets] == ["WebMercatorQuad"]
    tms = get(f"{ogc}/tileMatrixSets/WebMercatorQuad").json()
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert tms["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    assert [m["matrixWidth"] for m in tms["tileMatrices"][:3]] == [1, 2, 4]
    assert tms["tileMatrices"][0]["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    missing = get(f"{ogc}/tileMatrixSets/WorldCRS84Quad")
    assert missing.status_code == 404 and "WorldCRS84Quad" in missing.json()["description"]

    coll = get(f"{ogc}/collections/{layers['public']}", params={"f": "json"}).json()
    tiles_url = next(link["href"] for link in coll["links"]
                     if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")
    listing = get(tiles_url).json()["tilesets"]
    assert [(t["dataType"], t["tileMatrixSetURI"]) for t in listing] == [("vector", tms["uri"])]
    tileset = get(next(link["href"] for link in listing[0]["links"] if link["rel"] == "self")).json()
    assert tileset["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    limits = {lim["tileMatrix"]: lim for lim in tileset["tileMatrixSetLimits"]}
    assert limits["0"] == {"tileMatrix": "0", "minTileRow": 0, "maxTileRow": 0, "minTileCol": 0, "maxTileCol": 0}
    # all blocks are in the zoom 11 tile x=1630, y=1059 (see test_vector_tiles)
    assert (limits["11"]["minTileCol"], limits["11"]["maxTileCol"]) == (1630, 1630)
    assert (limits["11"]["minTileRow"], limits["11"]["maxTileRow"]) == (1059, 1059)
    layer = tileset["layers"][0]
    assert layer["id"] == "features" and layer["geometryDimension"] == 2
    assert layer["propertiesSchema"]["properties"]["nomor"]["type"] == "integer"
    template = next(link for link in tileset["links"] if link["rel"] == "item")
    assert template["templated"] and template["type"] == "application/vnd.mapbox-vector-tile"
    tile = get(template["href"].format(tileMatrix=11, tileRow=1059, tileCol=1630))
    assert tile.status_code == 200 and len(tile.content) > 100
    for path in ("tiles/WorldCRS84Quad", "tiles/WorldCRS84Quad/0/0/0", "tiles/WebMercatorQuad/0/0/a"):
        resp = get(f"{ogc}/collections/{layers['public']}/{path}")
        assert resp.status_code == 404 and resp.json()["code"] == "NotFound", path
    assert get(f"{ogc}/collections/{layers['private']}/tiles/WebMercatorQuad").status_code == 404
    conf = get(f"{ogc}/conformance?f=json").json()["conformsTo"]
    assert {f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}"
            for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "oas30")} <= set(conf)
    html = get(f"{ogc}/collections/{layers['public']}/tiles/WebMercatorQuad", params={"f": "html"})
    assert "text/html" in html.headers["Content-Type"] and "{tileMatrix}" in html.text
    for path in ("tileMatrixSets", "tileMatrixSets/WebMercatorQuad", f"collections/{layers['public']}/tiles"):
        assert get(f"{ogc}/{path}", params={"f": "html"}).status_code == 200, path


# --- errors, paging, OpenAPI, HTML ------------------------------------------------------------------

def test_unknown_paths_answer_the_standards_404(peta_server, layers):
    for path in ("/ogc/nothing", "/ogc/collections/x/y/z", f"/ogc/collections/{layers['public']}/items/1/more"):
        resp = get(f"{peta_server}{path}")
        assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/json", path
        assert resp.json()["code"] == "NotFound"
    browser = get(f"{peta_server}/ogc/nothing", headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.status_code == 404 and "text/html" in browser.headers["Content-Type"]


def test_prev_link_past_the_end_leads_to_the_last_page(peta_server, layers):
    base = f"{peta_server}/ogc/collections/{layers['public']}/items"
    beyond = get(base, params={"limit": 5, "offset": 40}).json()
    prev = next(link["href"] for link in beyond["links"] if link["rel"] == "prev")
    last = get(prev).json()
    assert [f["properties"]["nomor"] for f in last["features"]] == [20, 21, 22, 23, 24]
    nothing = get(base, params={"filter": "nomor > 100", "offset": 10}).json()
    assert nothing["numberMatched"] == 0 and "prev" not in {link["rel"] for link in nothing["links"]}


def test_openapi_describes_every_endpoint(peta_server, layers):
    from openapi_spec_validator import validate

    doc = get(f"{peta_server}/ogc/api").json()
    validate(doc)
    paths = doc["paths"]
    for path in ("/collections/{collectionId}/queryables", "/tileMatrixSets", "/tileMatrixSets/{tileMatrixSetId}",
                 "/collections/{collectionId}/tiles", "/collections/{collectionId}/tiles/{tileMatrixSetId}",
                 "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
                 "/collections/{collectionId}/download"):
        assert path in paths, path
    for path, item in paths.items():
        responses = item["get"]["responses"]
        assert responses["200"]["content"], path
        assert "500" in responses, path
    items = paths["/collections/{collectionId}/items"]["get"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in items["parameters"]}
    assert {"filter", "filter-lang", "filter-crs", "bbox", "limit"} <= names
    assert set(items["responses"]) == {"200", "400", "404", "500"}
    assert "application/geo+json" in items["responses"]["200"]["content"]
    error = doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/exception"}
    download = paths["/collections/{collectionId}/download"]["get"]
    fmt = next(p for p in download["parameters"] if p.get("name") == "f")
    assert fmt["schema"]["enum"] == ["geojson", "csv", "gpkg", "shp"]
    assert "application/geopackage+sqlite3" in download["responses"]["200"]["content"]


def test_html_link_titles_are_translated(peta_server, layers):
    page = get(f"{peta_server}/id/ogc", params={"f": "html"})
    assert "Kelas kesesuaian" in page.text  # the conformance link's title
    english = get(f"{peta_server}/en/ogc", params={"f": "html"})
    assert "Conformance classes" in english.text
    # JSON keeps the English titles whatever the page's language
    doc = get(f"{peta_server}/id/ogc", params={"f": "json"}).json()
    assert "Conformance classes" in {link.get("title") for link in doc["links"]}
