"""The resource page of a table: load status for officers, the Data API box, and downloads with
spreadsheet formulas neutralised, on the portal as shipped."""
from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from bs4 import BeautifulSoup

from ckan.tests import helpers

from forms import csrf_field
from tables_testlib import upload

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

HOSTILE = ("kegiatan,anggaran,catatan\n"
           'Pembangunan jalan,-1500000,"=HYPERLINK(""http://evil.example"";""klik"")"\n'
           "Perbaikan sekolah,2500000,+62 812 3456\n"
           "Posyandu,300000,@SUM(A1:A2)\n"
           "Taman kota,125000,-biasa saja\n")


def _load(res: dict) -> dict:
    from ckanext.tangerang.satudata import model as store
    from ckanext.tangerang.satudata.tables import load

    run = store.create_load(res["id"])
    load.load_resource(run["id"])
    return store.get_load(run["id"])


@pytest.fixture
def hostile(create_with_upload, opd):
    res = upload(create_with_upload, opd, HOSTILE, "anggaran.csv", "CSV")
    assert _load(res)["status"] == "done"
    return res


def _page(app, res, **kwargs):
    url = f"/dataset/{res['package_id']}/resource/{res['id']}"
    return BeautifulSoup(app.get(url, **kwargs).body, "html.parser")


def test_the_page_shows_the_data_api_and_the_table_downloads(app, hostile):
    page = _page(app, hostile)
    box = page.find("section", class_="tg-data-api")
    assert box is not None and hostile["id"] in box.get_text()
    code = " ".join(pre.get_text() for pre in box.find_all("pre"))
    assert "datastore_search_sql" in code and "RemoteCKAN" in code and "fetch(url)" in code
    # the example filters on a real value of the table
    assert "Pembangunan jalan" in code
    links = [a["href"] for a in page.select("#tg-table-formats + ul a")]
    assert [link.rsplit(".", 1)[-1] for link in links] == ["csv", "tsv", "json", "xlsx"]
    # the example runs as written
    result = app.get("/api/3/action/datastore_search", query_string={
        "resource_id": hostile["id"], "filters": json.dumps({"kegiatan": "Pembangunan jalan"})}).json
    assert result["result"]["records"][0]["anggaran"] == -1500000
    # visitors see no load report, only its officers do
    assert page.find("section", class_="tg-table-load") is None


def test_csv_and_xlsx_downloads_neutralise_formulas_but_not_numbers(app, hostile):
    base = f"/dataset/{hostile['package_id']}/resource/{hostile['id']}/table"
    body = app.get(base + ".csv").body
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["catatan"] for r in rows] == ["'=HYPERLINK(\"http://evil.example\";\"klik\")",
                                            "'+62 812 3456", "'@SUM(A1:A2)", "'-biasa saja"]
    assert rows[0]["anggaran"] == "-1500000"
    tsv = app.get(base + ".tsv").body.lstrip("\ufeff").splitlines()
    assert tsv[0].split("\t") == ["kegiatan", "anggaran", "catatan"]

    reply = app.get(base + ".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(reply.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("kegiatan", "anggaran", "catatan")
    assert values[1][1] == -1500000 and values[1][2].startswith("'=HYPERLINK")
    assert all(cell.data_type == "s" for cell in sheet["C"][1:])

    data = app.get(base + ".json").json
    assert [f["id"] for f in data["fields"]] == ["kegiatan", "anggaran", "catatan"]
    # JSON is data, not a spreadsheet: values as stored
    assert data["records"][0]["catatan"].startswith("=HYPERLINK")


def test_a_private_table_is_not_downloadable_anonymously(app, create_with_upload, opd):
    res = upload(create_with_upload, opd, HOSTILE, "anggaran.csv", "CSV", private=True)
    assert _load(res)["status"] == "done"
    base = f"/dataset/{res['package_id']}/resource/{res['id']}/table"
    app.get(base + ".csv", status=404)
    reply = app.get(base + ".csv", headers={"Authorization": opd["token"]})
    assert "Posyandu" in reply.body


def test_officers_see_the_failure_and_load_again(app, create_with_upload, opd):
    res = upload(create_with_upload, opd, "tahun,nilai\n2023,1\n2024,2,3\n", "rusak.csv", "CSV")
    assert _load(res)["status"] == "failed"
    headers = {"Authorization": opd["token"]}
    page = _page(app, res, headers=headers)
    alert = page.select_one(".tg-table-load .alert-danger")
    assert alert is not None and "3" in alert.get_text()
    # anonymous visitors do not see the officers' problem
    assert _page(app, res).select_one(".tg-table-load") is None
    # the button queues another load
    form = page.select_one(".tg-table-load form")
    reply = app.post(form["action"], headers=headers, data=csrf_field(str(page)), follow_redirects=False)
    assert reply.status_code == 302
    assert helpers.call_action("tangerang_table_load_show", id=res["id"])["status"] == "queued"


def test_the_opd_describes_columns_in_both_languages_with_units(app, hostile, opd):
    headers = {"Authorization": opd["token"]}
    url = f"/dataset/{hostile['package_id']}/dictionary/{hostile['id']}"
    form = BeautifulSoup(app.get(url, headers=headers).body, "html.parser")
    assert form.find("input", attrs={"name": "info__2__label_en"}) is not None
    assert form.find("select", attrs={"name": "info__2__type_override"}) is None
    # the form as the browser sends it: every column's inputs, the second one filled in
    data = {**csrf_field(str(form)),
            **{tag["name"]: tag.get("value", "") for tag in form.select("[name^=info__]")}}
    data.update({"info__2__label": "Anggaran", "info__2__label_en": "Budget", "info__2__unit": "rupiah"})
    reply = app.post(url, headers=headers, data=data, follow_redirects=False)
    assert reply.status_code in (302, 303), reply.body[:500]
    info = {f["id"]: f.get("info", {}) for f in helpers.call_action("datastore_info", id=hostile["id"])["fields"]}
    assert (info["anggaran"]["label_en"], info["anggaran"]["unit"]) == ("Budget", "rupiah")
    page = f"/dataset/{hostile['package_id']}/resource/{hostile['id']}"
    english = BeautifulSoup(app.get("/en" + page).body, "html.parser").get_text(" ")
    assert "Budget" in english and "rupiah" in english
    assert "Anggaran" in BeautifulSoup(app.get(page).body, "html.parser").get_text(" ")


def test_the_default_chart_fits_the_table(app, create_with_upload, opd):
    # one year per kecamatan: bars by kecamatan, not thirteen one-dot lines
    one_year = "tahun,kecamatan,jumlah\n2025,Cibodas,150\n2025,Ciledug,170\n2025,Pinang,120\n"
    res = upload(create_with_upload, opd, one_year, "penduduk.csv", "CSV")
    assert _load(res)["status"] == "done"
    views = {v["view_type"]: v for v in helpers.call_action("resource_view_list", id=res["id"])}
    url = f"/dataset/{res['package_id']}/resource/{res['id']}?view_id={views['tangerang_chart']['id']}"
    figure = BeautifulSoup(app.get(url).body, "html.parser").select_one("figure.tg-chart")
    summary = figure.select_one("figcaption").get_text(" ", strip=True)
    assert summary.startswith("Diagram batang jumlah menurut kecamatan, 3 batang")
    assert "Tertinggi: Ciledug: 170" in summary
    # the points as a table, for readers who do not see the picture
    assert [td.get_text() for td in figure.select(".tg-chart-table tbody td")][:2] == ["Cibodas", "150"]
    # several years: one line per kecamatan
    years = one_year + "2024,Cibodas,140\n2024,Ciledug,160\n2024,Pinang,110\n"
    res = upload(create_with_upload, opd, years, "penduduk.csv", "CSV")
    assert _load(res)["status"] == "done"
    views = {v["view_type"]: v for v in helpers.call_action("resource_view_list", id=res["id"])}
    url = f"/dataset/{res['package_id']}/resource/{res['id']}?view_id={views['tangerang_chart']['id']}"
    summary = BeautifulSoup(app.get(url).body, "html.parser").select_one("figure.tg-chart figcaption").get_text(" ")
    assert "Grafik garis jumlah menurut tahun" in summary and "Cibodas, Ciledug, Pinang" in summary
