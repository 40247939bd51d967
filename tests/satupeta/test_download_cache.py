"""Layer downloads: written once per import and format, served from the cache file after that,
rebuilt after a re-import; spreadsheet cells that would run as formulas are neutralised."""
from __future__ import annotations

import csv
import io

import pytest

from ckan.lib import uploader
from ckan.tests import factories

import satu_factories

from ckanext.tangerang.satupeta.downloads import neutralise

from satupeta_testlib import PLACES, feature, geojson_bytes

SERVICES = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
            pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]
FORMULA = '=HYPERLINK("http://x","y")'


def with_services(test):
    """The marks of the tests that need the portal (the pure-logic one at the end needs none)."""
    for mark in SERVICES:
        test = mark(test)
    return test


def _features(name: str) -> bytes:
    return geojson_bytes([feature({"type": "Point", "coordinates": list(p)}, nama=f"{name} {i}",
                                  tautan=FORMULA, catatan="@SUM(A1)", kode="-12.5", suhu=-5 - i)
                          for i, p in enumerate(PLACES)])


@pytest.fixture
def cache_dir(tmp_path, ckan_config):
    ckan_config["ckanext.tangerang.satupeta.download_cache_path"] = str(tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def layer(create_with_upload, run_import):
    """A public point layer whose attributes hold a formula, a text and a real negative number."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = satu_factories.Dataset(owner_org=org["id"], title="Taman Kota")
    res = create_with_upload(_features("Taman"), "taman.geojson", package_id=dataset["id"],
                             format="GeoJSON", name="Taman kota", context={"user": user["name"]})
    assert run_import(res)["status"] == "done"
    return res


def _cached_files(cache_dir, layer_id):
    return sorted(p for p in (cache_dir / layer_id).iterdir())


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp"])
@with_services
def test_second_download_is_served_from_the_cache(app, cache_dir, layer, fmt):
    url = f"/ogc/collections/{layer['id']}/download?f={fmt}"
    first = app.get(url)
    assert first.status_code == 200
    assert first.headers["Content-Disposition"].startswith("attachment")
    [cached] = _cached_files(cache_dir, layer["id"])  # one file, no build folder left behind
    before = cached.stat()
    second = app.get(url)
    assert second.status_code == 200 and second.get_data() == first.get_data()
    after = cached.stat()
    # not rebuilt: the very same file, untouched
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _cached_files(cache_dir, layer["id"]) == [cached]


@with_services
def test_a_reimport_is_downloaded_with_its_new_content(app, cache_dir, layer, run_import):
    url = f"/ogc/collections/{layer['id']}/download?f=csv"
    assert "Taman 0" in app.get(url).get_data(as_text=True)
    [old] = _cached_files(cache_dir, layer["id"])
    # the officer replaces the file with corrected features and imports again
    path = uploader.get_resource_uploader(layer).get_path(layer["id"])
    with open(path, "wb") as f:
        f.write(_features("Lapangan"))
    assert run_import(layer)["status"] == "done"
    body = app.get(url).get_data(as_text=True)
    assert "Lapangan 0" in body and "Taman" not in body
    [new] = _cached_files(cache_dir, layer["id"])
    assert new != old and not old.exists()


@with_services
def test_csv_download_cells_do_not_run_as_formulas(app, cache_dir, layer):
    res = app.get(f"/ogc/collections/{layer['id']}/download?f=csv")
    rows = list(csv.DictReader(io.StringIO(res.get_data(as_text=True))))
    assert len(rows) == len(PLACES)
    first = rows[0]
    assert first["tautan"] == "'" + FORMULA
    assert first["catatan"] == "'@SUM(A1)"
    assert first["kode"] == "-12.5"  # a plain negative number in a text field stays a number
    assert first["suhu"] == "-5"
    assert first["nama"] == "Taman 0"
    # the GeoJSON keeps the data as it is: no spreadsheet opens it
    doc = app.get(f"/ogc/collections/{layer['id']}/download?f=geojson").json
    assert doc["features"][0]["properties"]["tautan"] == FORMULA


@pytest.mark.parametrize("value,expected", [
    (FORMULA, "'" + FORMULA), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-12.5", "-12.5"), ("-7", "-7"), ("+62", "+62"), ("-1e5", "-1e5"), ("Cipondoh", "Cipondoh"),
    ("a=b", "a=b"), ("", ""),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
