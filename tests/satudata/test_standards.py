"""Standar Data: the Walidata publishes Table Schemas, OPD tables are checked against them at
every upload with frictionless, and the report names row, column and what is allowed."""
from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from forms import csrf_field
from tables_testlib import upload

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

SCHEMA = {"fields": [
    {"name": "tahun", "type": "integer", "constraints": {"required": True, "minimum": 2000}},
    {"name": "kode_kecamatan", "type": "string", "codelist": "kecamatan", "title": "Kode kecamatan"},
    {"name": "jumlah", "type": "integer", "unit": "jiwa", "constraints": {"minimum": 0}},
]}
GOOD = "tahun,kode_kecamatan,jumlah,keterangan\n2024,36.71.01,188005,\n2024,36.71.02,152722,data awal\n"
BAD = ("tahun,kode_kecamatan,jumlah\n2024,36.71.01,188005\n1999,36.71.99,-5\n"
       ",36.71.02,12\n2024,36.71.03,banyak\n")


@pytest.fixture
def standard(walidata):
    return helpers.call_action("tangerang_standard_create", {"user": walidata["name"]},
                               name="penduduk-kecamatan", title="Penduduk per kecamatan",
                               description="Jumlah penduduk menurut kecamatan.", schema=SCHEMA)


def _load(res: dict) -> dict:
    from ckanext.tangerang.satudata import model as store
    from ckanext.tangerang.satudata.tables import load

    run = store.create_load(res["id"])
    load.load_resource(run["id"])
    return helpers.call_action("tangerang_table_load_show", id=res["id"])


def test_only_the_walidata_publishes_and_a_bad_schema_is_named(walidata, opd, standard):
    assert standard["schema"] == SCHEMA
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("tangerang_standard_create", {"user": opd["name"], "ignore_auth": False},
                            name="lain", title="Lain", schema=SCHEMA)
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("tangerang_standard_create", {"user": walidata["name"]}, name="X Y",
                            title="", schema={"fields": [{"name": "a", "type": "money"},
                                                         {"name": "b", "codelist": "planet"}]})
    errors = error.value.error_dict
    assert set(errors) == {"name", "title", "schema"}
    assert any("money" not in m and "string, integer" in m for m in errors["schema"])
    assert any("planet" in m for m in errors["schema"])
    with pytest.raises(tk.ValidationError, match="exists already"):
        helpers.call_action("tangerang_standard_create", {"user": walidata["name"]},
                            name="penduduk-kecamatan", title="Lagi", schema=SCHEMA)


def test_a_table_that_meets_its_standard_loads_and_says_so(create_with_upload, opd, standard):
    res = upload(create_with_upload, opd, GOOD, "penduduk.csv", "CSV", standar_data=standard["name"])
    state = _load(res)
    assert state["status"] == "done", state["error_message"]
    assert state["report"]["standard"] == {"name": "penduduk-kecamatan", "title": "Penduduk per kecamatan",
                                           "valid": True}


def test_a_table_that_fails_is_not_loaded_and_each_problem_is_named(create_with_upload, opd, standard, app):
    res = upload(create_with_upload, opd, GOOD, "penduduk.csv", "CSV", standar_data=standard["name"])
    assert _load(res)["status"] == "done"
    import io

    from werkzeug.datastructures import FileStorage

    helpers.call_action("resource_patch", {"user": opd["name"]}, id=res["id"], url="penduduk.csv",
                        upload=FileStorage(io.BytesIO(BAD.encode()), "penduduk.csv"))
    state = _load(helpers.call_action("resource_show", id=res["id"]))
    assert state["status"] == "failed"
    found = {(p["row"], p["column"]): p["message"] for p in state["problems"]}
    assert found[(3, "tahun")] == "1999 is below the minimum, 2000." or "2000" in found[(3, "tahun")]
    assert "kecamatan" in found[(3, "kode_kecamatan")] and "36.71.99" in found[(3, "kode_kecamatan")]
    assert "0" in found[(3, "jumlah")]
    assert (4, "tahun") in found and "banyak" in found[(5, "jumlah")]
    assert "5 problems" in state["error_message"]
    # the table before the bad file is still there, whole
    assert helpers.call_action("datastore_search", resource_id=res["id"])["total"] == 2
    # the OPD sees the problems on the resource page, in Indonesian by default
    page = BeautifulSoup(app.get(f"/dataset/{res['package_id']}/resource/{res['id']}",
                                 headers={"Authorization": opd["token"]}).body, "html.parser")
    rows = page.select(".tg-table-problems tbody tr")
    assert len(rows) == 5 and "di bawah batas minimum" in page.select_one(".tg-table-problems").get_text()


def test_a_resource_cannot_name_a_standard_that_does_not_exist(create_with_upload, opd):
    with pytest.raises(tk.ValidationError) as error:
        upload(create_with_upload, opd, GOOD, "penduduk.csv", "CSV", standar_data="tidak-ada")
    assert "standar_data" in error.value.error_dict


def test_standards_have_public_pages_and_a_json_schema(app, standard):
    page = BeautifulSoup(app.get("/standar-data").body, "html.parser")
    assert "Penduduk per kecamatan" in page.get_text()
    detail = BeautifulSoup(app.get("/standar-data/penduduk-kecamatan").body, "html.parser")
    cells = [td.get_text(" ", strip=True) for td in detail.select("tbody tr")[2].find_all(["th", "td"])]
    assert cells[:4] == ["jumlah", "integer", "jiwa", "tidak"]
    assert json.loads(app.get("/standar-data/penduduk-kecamatan/schema.json").body) == SCHEMA
    app.get("/standar-data/tidak-ada", status=404)


def test_the_walidata_writes_a_standard_in_the_form(app, walidata):
    headers = {"Authorization": walidata["token"]}
    form_page = app.get("/standar-data/baru", headers=headers).body
    reply = app.post("/standar-data/baru", headers=headers, follow_redirects=False, data={
        **csrf_field(form_page), "name": "sekolah", "title": "Satuan pendidikan",
        "schema": json.dumps({"fields": [{"name": "npsn", "type": "string",
                                          "constraints": {"pattern": "[0-9]{8}"}}]})})
    assert reply.status_code == 302
    assert helpers.call_action("tangerang_standard_show", id="sekolah")["title"] == "Satuan pendidikan"
    # broken JSON comes back to the form with the field named
    reply = app.post("/standar-data/baru", headers=headers, data={
        **csrf_field(form_page), "name": "rusak", "title": "Rusak", "schema": "{fields: ["})
    assert "JSON" in BeautifulSoup(reply.body, "html.parser").select_one(".alert-danger").get_text()
    # an OPD editor may not open the form
    app.get("/standar-data/baru", status=403)
