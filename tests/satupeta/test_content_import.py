"""Uploads are recognised as layers by their content, whatever their format field says; a file that
is no layer but labelled as one fails with a message for the officer, which visitors never see."""
from __future__ import annotations

import io
import pathlib
import zipfile

import pytest

from ckan.tests import factories, helpers

import satu_factories

from satupeta_testlib import points_geojson, shapefile_zip, write_with_pyogrio

from ckanext.tangerang.satupeta import ingest

PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ---------------------------------------------------------------- the content, cheaply (no services)

@pytest.mark.parametrize("data, kind", [
    (points_geojson(2), "geojson"),
    (b'{"data": [1, 2], "total": 2}', None),  # a JSON API answer, not GeoJSON
    (b"nama;Lintang;Bujur\nTaman;-6.18;106.63\n", "csv"),
    (b"kecamatan,jumlah\nCipondoh,4\n", None),  # a table without coordinates
    (_zip({"bidang.shp": b"x", "bidang.shx": b"x", "bidang.dbf": b"x"}), "shp"),
    (_zip({"laporan.pdf": PDF}), None),
    (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), None),
    (b"SQLite format 3\x00" + b"\x00" * 200, None),  # SQLite without GeoPackage's application id
    (PDF, None),
])
def test_layer_kind_goes_by_content(tmp_path, data, kind):
    path = tmp_path / "upload"
    path.write_bytes(data)
    assert ingest.layer_kind(path) == kind


def test_a_geopackage_is_recognised_by_its_application_id(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(write_with_pyogrio(tmp_path, "sekolah.gpkg", "GPKG"))
    assert ingest.layer_kind(path) == "gpkg"


def test_a_word_document_labelled_shp_is_named_as_such(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}))
    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "shp", None, ingest.Limits(), name="bidang.zip"))
    message = str(e.value)
    assert "The resource's format is SHP, but the file bidang.zip is not a GeoJSON" in message
    assert "it is a Word document" in message
    assert "GeoJSON, zipped Shapefile, GeoPackage, KML or CSV" in message


def test_gdal_hints_become_a_plain_message_with_the_file_name(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b'{"data": [1, 2], "total": 2}')
    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "geojson", None, ingest.Limits(), name="titik.json"))
    message = str(e.value)
    assert message.startswith("The file titik.json could not be read as GeoJSON: it is damaged or not a "
                              "GeoJSON file.")
    for hint in ("It might help", "specify the correct driver", "not recognized as being",
                 "source.geojson", str(tmp_path)):
        assert hint not in message


def test_a_broken_geopackage_gets_no_sql_in_its_message(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "gpkg", None, ingest.Limits(), name="fasilitas.gpkg"))
    assert "fasilitas.gpkg could not be read as GeoPackage" in str(e.value)
    assert "sqlite" not in str(e.value).lower()


# ---------------------------------------------------------------- through CKAN, as the worker runs

services = [pytest.mark.services,
            pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store",
                                    "with_test_worker", "clean_queues"),
            pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "true")]


def _apply(fn):
    for mark in reversed(services):
        fn = mark(fn)
    return fn


def work() -> None:
    """Runs the queued jobs as `ckan jobs worker` does."""
    from ckan.lib import jobs as ckan_jobs

    ckan_jobs.Worker().work(burst=True)


def layer_state(resource_id: str) -> dict:
    return helpers.call_action("tangerang_satupeta_layer_show", id=resource_id)


def import_count(engine, resource_id: str) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM tangerang_satupeta_import WHERE layer_id = :id"),
                            {"id": resource_id}).scalar()


@pytest.fixture
def officer(editor):
    """The editor with an API token, as an API client or the browser signs in."""
    return {**editor, "token": factories.APIToken(user=editor["user"]["name"])["token"]}


def api_upload(app, officer, data: bytes, filename: str, **fields) -> dict:
    """A multipart resource_create, as an API client sends it."""
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"])
    res = app.post("/api/3/action/resource_create",
                   data={"package_id": ds["id"], "upload": (io.BytesIO(data), filename), **fields},
                   headers={"Authorization": officer["token"]}, content_type="multipart/form-data")
    assert res.status_code == 200, res.body
    return res.json["result"]


@_apply
def test_a_zip_labelled_zip_through_the_api_is_imported_as_shp(app, officer, tmp_path, peta_store):
    res = api_upload(app, officer, shapefile_zip(tmp_path, 4326, prj=True), "bidang.zip")
    assert res["format"] == "SHP"  # CKAN guessed ZIP from the name; the answer has the real one
    assert layer_state(res["id"])["import"]["status"] == "queued"
    work()
    state = layer_state(res["id"])
    assert state["import"]["status"] == "done", state["import"]["error_message"]
    assert state["layer"]["feature_count"] == 5
    assert helpers.call_action("resource_show", id=res["id"])["format"] == "SHP"
    assert import_count(peta_store, res["id"]) == 1  # setting the format queued no second import
    page = app.get(f"/en/dataset/{res['package_id']}").body  # the dataset page shows the real format
    assert 'data-format="shp"' in page


@_apply
def test_geojson_labelled_json_is_imported_as_geojson(create_with_upload, officer):
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"])
    res = create_with_upload(points_geojson(4), "titik.json", package_id=ds["id"], format="JSON",
                             context={"user": officer["user"]["name"]})
    assert res["format"] == "GeoJSON"
    work()
    state = layer_state(res["id"])
    assert state["import"]["status"] == "done", state["import"]["error_message"]
    assert state["layer"]["feature_count"] == 4


@_apply
def test_a_geopackage_without_format_is_imported_as_gpkg(app, officer, tmp_path):
    res = api_upload(app, officer, write_with_pyogrio(tmp_path, "sekolah.gpkg", "GPKG"), "sekolah.gpkg")
    assert res["format"] == "GPKG"
    work()
    assert layer_state(res["id"])["import"]["status"] == "done"


@_apply
def test_a_csv_is_a_layer_only_with_coordinates(create_with_upload, officer, app):
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"])
    context = {"user": officer["user"]["name"]}
    table = create_with_upload(b"kecamatan,jumlah\nCipondoh,4\nKarawaci,7\n", "jumlah.csv",
                               package_id=ds["id"], format="CSV", context=context)
    points = create_with_upload(b"nama,lat,lon\nTaman,-6.18,106.63\nPasar,-6.17,106.64\n", "titik.csv",
                                package_id=ds["id"], format="CSV", context=context)
    work()
    # the table is left alone, silently: no import, no message, its format stays
    assert layer_state(table["id"]) == {"layer": None, "import": None}
    assert helpers.call_action("resource_show", id=table["id"])["format"] == "CSV"
    page = app.get(f"/en/dataset/{ds['id']}/resource/{table['id']}",
                   headers={"Authorization": officer["token"]}).body
    assert "The import failed" not in page and "alert-danger" not in page
    state = layer_state(points["id"])
    assert state["import"]["status"] == "done" and state["layer"]["feature_count"] == 2
    assert helpers.call_action("resource_show", id=points["id"])["format"] == "CSV"


@_apply
def test_a_json_that_is_no_geojson_is_left_alone(create_with_upload, officer):
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"])
    res = create_with_upload(b'{"data": [1, 2], "total": 2}', "jumlah.json", package_id=ds["id"],
                             format="JSON", context={"user": officer["user"]["name"]})
    work()
    assert layer_state(res["id"]) == {"layer": None, "import": None}
    assert res["format"] == "JSON"


@_apply
def test_a_pdf_labelled_geojson_fails_visibly_to_officers_only(app, officer, ckan_config):
    res = api_upload(app, officer, PDF, "laporan.pdf", format="GeoJSON", name="Peta sekolah")
    view = helpers.call_action("resource_view_create", {"user": officer["user"]["name"]},
                               resource_id=res["id"], view_type="satupeta_view", title="Peta sekolah")
    work()
    run = layer_state(res["id"])["import"]
    assert run["status"] == "failed"
    page_url = f"/dataset/{res['package_id']}/resource/{res['id']}"
    auth = {"Authorization": officer["token"]}

    english = app.get("/en" + page_url, headers=auth).body
    assert "The import failed." in english
    assert ("The resource&#39;s format is GeoJSON, but the file laporan.pdf is not a GeoJSON, zipped "
            "Shapefile, GeoPackage, KML or CSV file with longitude/latitude columns: it is a PDF "
            "document.") in english
    assert "correct the file and upload it again" in english
    indonesian = app.get(page_url, headers=auth).body  # the portal's default language
    assert "Impor gagal." in indonesian
    assert ("Format sumber daya ini GeoJSON, tetapi berkas laporan.pdf bukan berkas GeoJSON") in indonesian
    assert "berkas ini adalah dokumen PDF." in indonesian
    for text in (english, indonesian):
        assert str(pathlib.Path(ckan_config["ckan.storage_path"]).resolve()) not in text
        assert "/tmp/" not in text and "Traceback" not in text

    # visitors: no failure, no map view without a layer, no link to a layer
    for lang in ("", "/en"):
        public = app.get(lang + page_url).body
        assert "laporan.pdf is not" not in public and "berkas laporan.pdf" not in public
        assert "alert-danger" not in public and "satupeta-import" not in public
        assert view["id"] not in public and "This resource has no map layer yet" not in public
        assert f"/resource/{res['id']}/layer" not in public
    assert res["id"] not in app.get("/ogc/collections?f=json").body
    assert app.get(f"/ogc/collections/{res['id']}?f=json", status=404)

    # the officer's map view says why there is no map
    officer_page = app.get("/en" + page_url, headers=auth).body
    assert view["id"] in officer_page


@_apply
def test_a_json_labelled_geojson_gets_a_plain_message(create_with_upload, officer, app):
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"])
    res = create_with_upload(b'{"data": [1, 2], "total": 2}', "jumlah.geojson", package_id=ds["id"],
                             format="GeoJSON", context={"user": officer["user"]["name"]})
    work()
    message = layer_state(res["id"])["import"]["error_message"]
    assert "jumlah.geojson could not be read as GeoJSON: it is damaged or not a GeoJSON file" in message
    assert "It might help" not in message and "driver" not in message
