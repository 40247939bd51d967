"""The import report names each dropped and repaired feature; a layer keeps one geometry type
(issue #12). The reader on its own (no services), then one import through CKAN."""
from __future__ import annotations

import io
import re
import subprocess

import numpy as np
import pyogrio
import pytest
import shapely
import sqlalchemy as sa

from ckan.tests import factories, helpers

import satu_factories

from ckanext.tangerang.satupeta import ingest

from satupeta_testlib import PLACES, bowtie, feature, geojson_bytes, square


def multi_square(lon: float, lat: float) -> dict:
    a, b = square(lon, lat), square(lon + 0.004, lat)
    return {"type": "MultiPolygon", "coordinates": [a["coordinates"], b["coordinates"]]}


def collapsed(lon: float, lat: float) -> dict:
    """Invalid, and make_valid leaves nothing of it (a ring of zero area)."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.001, lat + 0.001], [lon, lat],
                                                [lon, lat]]]}


def read_all(path, limits=None):
    report = ingest.Report()
    batches = list(ingest.read(path, None, None, limits or ingest.Limits(), report=report))
    return report, batches


def stored_types(batches) -> list[str]:
    return [str(shapely.from_wkb(w).geom_type) for b in batches for w in b.ewkb_hex]


def test_report_names_every_dropped_and_repaired_feature(tmp_path):
    path = tmp_path / "bidang.geojson"
    path.write_bytes(geojson_bytes([
        feature(square(*PLACES[0]), KODE="B-1", nama="baik"),
        feature(bowtie(*PLACES[1]), KODE="B-2", nama="silang"),
        feature(None, KODE="B-3", nama="tanpa geometri"),
        feature({"type": "Polygon", "coordinates": []}, KODE="B-4", nama="kosong"),
        feature(collapsed(*PLACES[2]), KODE="B-5", nama="pipih"),
        feature(multi_square(*PLACES[3]), KODE="B-6", nama="dua bagian"),
    ]))
    report, batches = read_all(path)
    assert report.id_field == "KODE"  # matched case-insensitively
    assert [(p["number"], p["id"], p["problem"]) for p in report.problems] == [
        (2, "B-2", "repaired"), (3, "B-3", "empty"), (4, "B-4", "empty"), (5, "B-5", "dropped")]
    # why, in shapely's words, at the place of the problem (lon/lat)
    assert report.problems[0]["reason"].startswith("Self-intersection[106.641 -6.169")
    assert report.problems[3]["reason"].startswith("Too few points")
    assert report.problems[1]["reason"] == "" and report.problems_more == 0
    # the counts stay as they were: a feature emptied by its repair counts in both
    assert (report.repaired, report.dropped_empty, report.features_written) == (2, 3, 3)
    assert [p for b in batches for p in b.properties] == [b'{"KODE":"B-1","nama":"baik"}',
                                                          b'{"KODE":"B-2","nama":"silang"}',
                                                          b'{"KODE":"B-6","nama":"dua bagian"}']


def test_features_are_named_by_number_only_when_the_file_has_no_id_field(tmp_path):
    path = tmp_path / "bidang.geojson"
    path.write_bytes(geojson_bytes([feature(square(*PLACES[0]), nama="baik"),
                                    feature(None, nama="kosong")]))
    report, _ = read_all(path)
    assert report.id_field == ""
    assert report.problems == [{"number": 2, "id": None, "problem": "empty", "reason": ""}]


def test_id_field_follows_the_configured_preference():
    assert ingest.id_field(["nama", "Kode", "OBJECTID"], ingest.ID_FIELDS) == "OBJECTID"
    assert ingest.id_field(["nama", "Kode"], ingest.ID_FIELDS) == "Kode"
    assert ingest.id_field(["nama", "kode_kec"], ingest.ID_FIELDS) == ""
    assert ingest.id_field(["nama", "nib"], ("nib",)) == "nib"


def test_a_huge_file_keeps_a_small_report(tmp_path):
    path = tmp_path / "titik.geojson"
    path.write_bytes(geojson_bytes(
        [feature({"type": "Point", "coordinates": list(PLACES[0])}, id=1)]
        + [feature(None, id=i) for i in range(2, 12)]))
    report, _ = read_all(path, ingest.Limits(batch_size=3, report_max_features=4))
    assert [p["number"] for p in report.problems] == [2, 3, 4, 5]
    assert [p["id"] for p in report.problems] == ["2", "3", "4", "5"]
    assert report.problems_more == 6
    assert report.dropped_empty == 10


def test_mixed_polygon_and_multipolygon_become_one_multipolygon_layer(tmp_path):
    path = tmp_path / "kavling.geojson"
    path.write_bytes(geojson_bytes([
        feature(square(*PLACES[0]), id="K1"),
        feature(multi_square(*PLACES[1]), id="K2"),
        feature(bowtie(*PLACES[2]), id="K3"),
        feature(None, id="K4"),
        feature(square(*PLACES[3]), id="K5"),
    ]))
    report, batches = read_all(path)
    assert stored_types(batches) == ["MultiPolygon"] * 4
    assert {b.geometry_type for b in batches} == {"MultiPolygon"}
    assert report.geometry_type == "MultiPolygon"
    # the file's own types (after repair) are still reported
    assert report.geometry_types == {"Polygon": 2, "MultiPolygon": 2}
    assert [(p["number"], p["id"]) for p in report.problems] == [(3, "K3"), (4, "K4")]
    # a promoted polygon is the same area
    first = shapely.from_wkb(batches[0].ewkb_hex[0])
    assert len(first.geoms) == 1 and first.equals(shapely.geometry.shape(square(*PLACES[0])))


def test_a_later_batch_with_a_multi_part_switches_the_layer(tmp_path):
    """Streamed: the first batch was single Polygons; from the multi part on, batches are Multi*
    (the writer converts the rows already written, see LayerWriter)."""
    path = tmp_path / "kavling.geojson"
    path.write_bytes(geojson_bytes([feature(square(*PLACES[0])), feature(square(*PLACES[1])),
                                    feature(square(*PLACES[2])), feature(multi_square(*PLACES[3])),
                                    feature(square(*PLACES[4]))]))
    report, batches = read_all(path, ingest.Limits(batch_size=2))
    assert [b.geometry_type for b in batches] == ["Polygon", "MultiPolygon", "MultiPolygon"]
    assert stored_types(batches) == ["Polygon"] * 2 + ["MultiPolygon"] * 3
    assert report.geometry_type == "MultiPolygon"


@pytest.mark.parametrize("geometries, expected", [
    ([square(*p) for p in PLACES], "Polygon"),
    ([{"type": "Point", "coordinates": list(p)} for p in PLACES], "Point"),
    ([{"type": "LineString", "coordinates": [list(p), [p[0] + 0.01, p[1]]]} for p in PLACES[:2]]
     + [{"type": "MultiLineString", "coordinates": [[list(PLACES[2]), [106.7, -6.2]]]}], "MultiLineString"),
    ([{"type": "Point", "coordinates": list(PLACES[0])},
      {"type": "MultiPoint", "coordinates": [list(PLACES[1]), list(PLACES[2])]}], "MultiPoint"),
])
def test_one_type_per_layer(tmp_path, geometries, expected):
    path = tmp_path / "lapisan.geojson"
    path.write_bytes(geojson_bytes([feature(g) for g in geometries]))
    report, batches = read_all(path)
    assert report.geometry_type == expected
    assert set(stored_types(batches)) == {expected}


def test_a_declared_multipolygon_layer_is_multi_from_its_first_batch(tmp_path):
    """A GeoPackage declares its type: the first batch, single polygons only, is already Multi*."""
    path = tmp_path / "kavling.gpkg"
    geoms = np.array([shapely.geometry.shape(square(*p)) for p in PLACES[:2]]
                     + [shapely.geometry.shape(multi_square(*PLACES[2]))])
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms), [np.array(["a", "b", "c"], dtype=object)],
                      ["nama"], geometry_type="MultiPolygon", crs="EPSG:4326", driver="GPKG")
    report, batches = read_all(path, ingest.Limits(batch_size=2))
    assert [b.geometry_type for b in batches] == ["MultiPolygon", "MultiPolygon"]
    assert stored_types(batches) == ["MultiPolygon"] * 3


# ---------------------------------------------------------------- through CKAN, as the worker runs

def ogrinfo(source: str, *args: str) -> str:
    """Debian's ogrinfo, as a GIS officer runs it (summary only)."""
    done = subprocess.run(["ogrinfo", "-ro", "-so", source, *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store", "with_test_worker",
                         "clean_queues")
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "true")
# two features a batch: the bow-tie's repair makes the second batch the first multi part, after
# single polygons were written (the column is converted then)
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.batch_size", "2")
def test_an_officer_sees_the_named_features_and_gis_tools_a_typed_layer(app, editor, peta_store,
                                                                       ckan_config, tmp_path):
    from ckan.lib import jobs as ckan_jobs
    from ckanext.tangerang.satupeta import model as store

    token = factories.APIToken(user=editor["user"]["name"])["token"]
    data = geojson_bytes([
        feature(square(*PLACES[0]), kode="K-1", nama="Kavling satu"),
        feature(square(*PLACES[1]), kode="K-2", nama="Kavling dua"),
        feature(bowtie(*PLACES[2]), kode="K-3", nama="Kavling silang"),
        feature(None, kode="K-4", nama="Kavling tanpa peta"),
        feature(multi_square(*PLACES[3]), kode="K-5", nama="Kavling dua bagian"),
    ])
    ds = satu_factories.Dataset(owner_org=editor["org"]["id"])
    res = app.post("/api/3/action/resource_create",
                   data={"package_id": ds["id"], "upload": (io.BytesIO(data), "kavling.geojson")},
                   headers={"Authorization": token}, content_type="multipart/form-data").json["result"]
    ckan_jobs.Worker().work(burst=True)
    run = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["import"]
    assert run["status"] == "done", run.get("error_message")

    # the officer's layer page names the features, in English and Indonesian (the default)
    page_url = f"/dataset/{ds['id']}/resource/{res['id']}/layer"
    auth = {"Authorization": token}
    english = app.get("/en" + page_url, headers=auth).body
    assert "Features dropped or repaired" in english and "Identifier (kode)" in english
    assert "Geometry type of the layer: MultiPolygon" in english
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>\s*<td>.*?</tr>", english, re.S)]
    assert rows == [
        "3 K-3 Repaired: the geometry was invalid (Self-intersection[106.661 -6.199]) and was made valid.",
        "4 K-4 Dropped: the feature has no geometry (missing or empty).",
    ]
    assert "<td>K-1</td>" not in english  # a sound feature is not listed
    indonesian = app.get(page_url, headers=auth).body
    assert "Fitur yang dibuang atau diperbaiki" in indonesian and "Pengenal (kode)" in indonesian
    assert "Dibuang: fitur ini tidak memiliki geometri (tidak ada atau kosong)." in indonesian
    assert "Diperbaiki: geometrinya tidak valid (Self-intersection[" in indonesian
    # a visitor sees the report's counts, not the officers' list
    public = app.get("/en" + page_url).body
    assert "Features dropped or repaired" not in public and "K-4" not in public

    # GDAL reads a typed layer from the store and from the GeoPackage download
    table = store.get_layer(res["id"])["table_name"]
    url = sa.engine.make_url(ckan_config["ckanext.tangerang.satupeta.sqlalchemy.url"])
    pg = (f"PG:dbname={url.database} host={url.host} port={url.port or 5432} user={url.username} "
          f"password={url.password or ''}")
    from_store = ogrinfo(pg, table)
    # (the table also holds the tiles' Web Mercator copies, geom_3857*)
    assert "Geometry (geom): Multi Polygon" in from_store and "Feature Count: 4" in from_store
    with peta_store.connect() as conn:  # the rows written before the multi part were converted
        assert conn.execute(sa.text(f'SELECT DISTINCT ST_GeometryType(geom) FROM "{table}"')
                            ).scalars().all() == ["ST_MultiPolygon"]
    download = app.get(f"/ogc/collections/{res['id']}/download?f=gpkg")
    assert download.status_code == 200
    gpkg = tmp_path / "kavling.gpkg"
    gpkg.write_bytes(download.data)
    from_download = ogrinfo(str(gpkg), "-al")
    assert "Geometry: Multi Polygon" in from_download and "Feature Count: 4" in from_download
    # the OGC API serves the promoted polygons
    items = app.get(f"/ogc/collections/{res['id']}/items?f=json").json
    assert {f["geometry"]["type"] for f in items["features"]} == {"MultiPolygon"}
