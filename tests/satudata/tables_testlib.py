"""Files of the tables tests: CSVs as Indonesian offices write them, spreadsheets made with openpyxl."""
from __future__ import annotations

import datetime
import io

import openpyxl

import ckan.plugins.toolkit as tk

import satu_factories

PENDUDUK = (
    "tahun,kecamatan,kode_kelurahan,jumlah,kepadatan,tanggal_data,telepon\n"
    "2022,Cibodas,3671011001,12500,1234.5,2022-12-31,0812345678\n"
    "2023,Cibodas,3671011001,12800,1260.25,2023-12-31,0812345679\n"
    "2023,Ciledug,3671021002,9800,980.75,2023-12-31,\n"
    "2024,Karawaci,3671031003,15010,1501.0,2024-02-29,0813000000\n"
)


def excel_csv_id() -> bytes:
    """A CSV as Excel saves it on an Indonesian Windows: Windows-1252, ';' and decimal commas."""
    text = ("Kecamatan;Jumlah Penduduk;Luas (km²);Tanggal\r\n"
            "Cibodas;1.234.567;9,61;31/12/2023\r\n"
            "Karang Tengah – Barat;98.765;10,47;01/02/2024\r\n"
            "Pinang;150;21,59;29/02/2024\r\n")
    return text.encode("cp1252")


def xlsx(sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cells in (merge or {}).get(name, []):
            ws.merge_cells(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


TWO_SHEETS = {
    "Ringkasan": [["Jumlah Penduduk Kota Tangerang 2023"], [], ["kecamatan", "jumlah"],
                  ["Cibodas", 1200], ["Ciledug", 980]],
    "Data": [["tahun", "kelurahan", "nilai", "diperbarui"],
             [2023, "Uwung Jaya", 10.5, datetime.date(2023, 5, 1)],
             [2024, "Gembor", 11.25, datetime.date(2024, 5, 1)]],
}


def upload(create_with_upload, opd, data: bytes | str, filename: str, fmt: str, private=False, **extra):
    ds = satu_factories.Dataset(owner_org=opd["org"]["id"], private=private)
    return create_with_upload(data, filename, package_id=ds["id"], format=fmt,
                              context={"user": opd["name"]}, **extra)


def rows(resource_id: str, **params) -> list[dict]:
    result = tk.get_action("datastore_search")({"ignore_auth": True},
                                               {"resource_id": resource_id, "limit": 1000, **params})
    return [{k: v for k, v in r.items() if k != "_id"} for r in result["records"]]


def field_types(resource_id: str) -> dict[str, str]:
    result = tk.get_action("datastore_search")({"ignore_auth": True}, {"resource_id": resource_id, "limit": 0})
    return {f["id"]: f["type"] for f in result["fields"] if f["id"] != "_id"}
