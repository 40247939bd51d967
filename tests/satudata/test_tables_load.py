"""Tabular uploads into CKAN's DataStore: the load job, its types, bad files, safe replacement."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tables_testlib import PENDUDUK, TWO_SHEETS, excel_csv_id, field_types, rows, upload, xlsx

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")


@pytest.fixture
def run_load():
    """Loads a resource now, as the worker would, and returns the load's state."""
    from ckanext.tangerang.satudata import model as store
    from ckanext.tangerang.satudata.tables import load

    def runner(resource: dict, sheet: str | None = None) -> dict:
        run = store.create_load(resource["id"], sheet)
        load.load_resource(run["id"])
        return helpers.call_action("tangerang_table_load_show", id=resource["id"])

    return runner


def _resource(resource_id: str) -> dict:
    return helpers.call_action("resource_show", id=resource_id)


def test_upload_queues_a_load_and_the_table_gets_types(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, PENDUDUK, "penduduk.csv", "CSV")
    # the upload itself queued the load for the worker
    assert helpers.call_action("tangerang_table_load_show", id=res["id"])["status"] == "queued"
    state = run_load(res)
    assert state["status"] == "done", state["error"]
    assert state["rows"] == 4
    assert field_types(res["id"]) == {
        "tahun": "int4", "kecamatan": "text", "kode_kelurahan": "int8", "jumlah": "int4",
        "kepadatan": "numeric", "tanggal_data": "date", "telepon": "text"}
    records = rows(res["id"], sort="tahun desc, kecamatan")
    assert records[0]["kecamatan"] == "Karawaci" and records[0]["tanggal_data"] == "2024-02-29"
    # a phone number keeps its leading zero; an empty cell is empty, not ""
    assert [r["telepon"] for r in records] == ["0813000000", "0812345679", None, "0812345678"]
    assert _resource(res["id"])["datastore_active"] is True
    views = helpers.call_action("resource_view_list", id=res["id"])
    assert "datatables_view" in [v["view_type"] for v in views]


def test_indonesian_excel_csv_loads_with_decimal_commas(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, excel_csv_id(), "penduduk-id.csv", "CSV")
    state = run_load(res)
    assert state["status"] == "done", state["error"]
    report = state["report"]
    assert (report["encoding"], report["delimiter"], report["decimal_comma"]) == ("WIN1252", ";", True)
    assert field_types(res["id"]) == {"Kecamatan": "text", "Jumlah Penduduk": "int8",
                                      "Luas (km²)": "numeric", "Tanggal": "date"}
    first, second, third = rows(res["id"], sort="_id")
    assert first["Jumlah Penduduk"] == 1234567 and float(first["Luas (km²)"]) == 9.61
    assert second["Kecamatan"] == "Karang Tengah – Barat" and second["Tanggal"] == "2024-02-01"
    assert third["Tanggal"] == "2024-02-29"


def test_an_impossible_date_keeps_the_column_as_text(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, "tanggal,nilai\n2023-02-28,1\n2023-02-29,2\n", "t.csv", "CSV")
    assert run_load(res)["status"] == "done"
    assert field_types(res["id"]) == {"tanggal": "text", "nilai": "int4"}


def test_spreadsheet_sheet_is_chosen_by_the_officer(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, xlsx(TWO_SHEETS), "penduduk.xlsx", "XLSX")
    state = run_load(res)
    assert state["status"] == "done", state["error"]
    # the title row and the blank row above the header are skipped, and said so
    assert field_types(res["id"]) == {"kecamatan": "text", "jumlah": "int4"}
    messages = [w["message"] for w in state["report"]["warnings"]]
    assert any("sheets" in m for m in messages) and any("skipped" in m for m in messages)
    assert state["report"]["sheets"] == ["Ringkasan", "Data"]
    # choosing another sheet in the resource form loads it again
    helpers.call_action("resource_patch", {"user": opd["name"]}, id=res["id"], sheet="Data")
    assert helpers.call_action("tangerang_table_load_show", id=res["id"])["status"] == "queued"
    state = run_load(_resource(res["id"]))
    assert state["status"] == "done" and state["report"]["sheet"] == "Data"
    assert field_types(res["id"]) == {"tahun": "int4", "kelurahan": "text", "nilai": "numeric",
                                      "diperbarui": "date"}
    assert [r["kelurahan"] for r in rows(res["id"], sort="tahun")] == ["Uwung Jaya", "Gembor"]


def test_merged_header_cells_are_refused_with_the_cells_named(create_with_upload, opd, run_load):
    data = xlsx({"Data": [["kecamatan", "jumlah", None], ["", "L", "P"], ["Cibodas", 600, 650]]},
                merge={"Data": ["B1:C1"]})
    res = upload(create_with_upload, opd, data, "gabung.xlsx", "XLSX")
    state = run_load(res)
    assert state["status"] == "failed"
    assert state["error"]["params"]["cells"] == "B1:C1" and "merged" in state["error"]["message"]
    assert not _resource(res["id"])["datastore_active"]


@pytest.mark.parametrize("content, expected", [
    ("", "The file is empty"),
    ("\ufeff\r\n", "The file is empty"),
    ("tahun,nilai\n", "no data rows"),
    ("tahun,nilai\n2023,1\n2024,2,3\n", "Line 3 has more values"),
    ("tahun,nilai,,\n2023,1,,\n2024,2,x,\n", "Column 3 has values but no name"),
])
def test_bad_text_files_fail_with_a_clear_message(create_with_upload, opd, run_load, content, expected):
    res = upload(create_with_upload, opd, content or " ", "buruk.csv", "CSV")
    state = run_load(res)
    assert state["status"] == "failed"
    message = state["error"]["message"].format(**state["error"]["params"])
    assert expected in message, message
    assert not _resource(res["id"])["datastore_active"]


def test_repeated_column_names_load_under_new_names(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, "nilai,nilai,Nilai,,\n1,2,3,,\n", "ulang.csv", "CSV")
    state = run_load(res)
    assert state["status"] == "done", state["error"]
    assert list(field_types(res["id"])) == ["nilai", "nilai_2", "Nilai_3"]
    assert len(state["report"]["warnings"]) == 2


def test_a_failed_reload_keeps_the_table_and_a_good_one_keeps_the_dictionary(create_with_upload, opd, run_load):
    res = upload(create_with_upload, opd, PENDUDUK, "penduduk.csv", "CSV")
    assert run_load(res)["status"] == "done"
    # the OPD describes a column in the data dictionary (CKAN's own form calls this)
    fields = helpers.call_action("datastore_info", id=res["id"])["fields"]
    fields = [{"id": f["id"], "type": f["type"],
               **({"info": {"label": "Jumlah penduduk", "notes": "jiwa"}} if f["id"] == "jumlah" else {})}
              for f in fields]
    helpers.call_action("datastore_create", resource_id=res["id"], force=True, fields=fields)

    _reupload(res, opd, PENDUDUK + "2025,Cibodas,3671011001,13000\n")
    state = run_load(_resource(res["id"]))
    assert state["status"] == "failed"
    assert state["error"]["params"]["line"] == "6"
    assert len(rows(res["id"])) == 4  # the table before the bad file, whole

    _reupload(res, opd, PENDUDUK + "2025,Cibodas,3671011001,13000,1300.5,2025-12-31,\n")
    assert run_load(_resource(res["id"]))["status"] == "done"
    assert len(rows(res["id"])) == 5
    info = {f["id"]: f.get("info") for f in helpers.call_action("datastore_info", id=res["id"])["fields"]}
    assert info["jumlah"]["label"] == "Jumlah penduduk"
    # CKAN's row count follows the new table
    assert helpers.call_action("datastore_search", resource_id=res["id"], limit=0)["total"] == 5


def _reupload(res: dict, opd: dict, text: str) -> None:
    import io

    from werkzeug.datastructures import FileStorage

    helpers.call_action("resource_patch", {"user": opd["name"]}, id=res["id"],
                        upload=FileStorage(io.BytesIO(text.encode()), "penduduk.csv"), url="penduduk.csv")


def test_a_link_is_not_fetched(opd, run_load):
    import satu_factories

    ds = satu_factories.Dataset(owner_org=opd["org"]["id"])
    res = helpers.call_action("resource_create", {"user": opd["name"]}, package_id=ds["id"],
                              url="http://127.0.0.1:9/data.csv",
                              format="CSV")
    assert helpers.call_action("tangerang_table_load_show", id=res["id"]) is None
    with pytest.raises(tk.ValidationError):
        helpers.call_action("tangerang_table_load", {"user": opd["name"]}, id=res["id"])
