"""Downloads of a DataStore table as CSV, TSV, JSON and XLSX, read through `datastore_search`
(CKAN's own action: its access rules, its keyset paging), streamed page by page.

In the spreadsheet formats a text cell that starts with =, +, -, @, a tab or a carriage return
gets a leading apostrophe, so a spreadsheet shows it as text instead of running it as a formula
(CSV/formula injection, OWASP). Typed cells (numbers, dates) are never touched: -5 stays -5.
"""
from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterator
from typing import Any

import orjson

import ckan.plugins.toolkit as tk

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PAGE = 10000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_TYPES = {"text", "varchar", "char", "name", "citext"}


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def pages(resource_id: str, user: str | None) -> tuple[list[dict[str, Any]], Iterator[list[list[Any]]]]:
    """The table's fields (without _id) and its rows in pages, in _id order. The first page is
    read at once, so access and existence errors come before any byte is sent."""
    search = tk.get_action("datastore_search")

    def query(keyset: dict[str, Any] | None) -> dict[str, Any]:
        return search({"user": user}, {
            "resource_id": resource_id, "limit": PAGE, "sort": "_id", "records_format": "lists",
            "include_total": False, "include_next_page": True,
            **({"filters": keyset} if keyset else {})})

    first = query(None)
    fields = first["fields"]
    keep = [i for i, f in enumerate(fields) if f["id"] != "_id"]

    def rows() -> Iterator[list[list[Any]]]:
        result = first
        while True:
            records = result["records"]
            if records:
                yield [[record[i] for i in keep] for record in records]
            if len(records) < PAGE or not result.get("next_page"):
                return
            result = query(result["next_page"])

    return [fields[i] for i in keep], rows()


def _text_columns(fields: list[dict[str, Any]]) -> list[bool]:
    return [f["type"] in TEXT_TYPES for f in fields]


def delimited(fields, rows, delimiter: str) -> Iterator[bytes]:
    text = _text_columns(fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    # the BOM makes Excel read UTF-8 (kelurahan names with diacritics, "km²")
    buffer.write("\ufeff")
    writer.writerow([f["id"] for f in fields])
    for page in rows:
        for row in page:
            writer.writerow([neutralise(v) if t else v for v, t in zip(row, text)])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def json_lines(fields, rows) -> Iterator[bytes]:
    """One JSON document: {"fields": [...], "records": [{...}, ...]}, written as it is read."""
    names = [f["id"] for f in fields]
    yield b'{"fields":' + orjson.dumps([{"id": f["id"], "type": f["type"]} for f in fields]) + b',"records":['
    first = True
    for page in rows:
        chunk = b",".join(orjson.dumps(dict(zip(names, row)), default=str) for row in page)
        if chunk:
            yield (b"" if first else b",") + chunk
            first = False
    yield b"]}"


def _cell(value: Any, kind: str, is_text: bool) -> Any:
    if value is None:
        return None
    if is_text:
        return neutralise(value)
    if kind == "date" and isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    if kind.startswith("timestamp") and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    if kind == "numeric" and isinstance(value, str):
        return float(value)
    return value


def xlsx(fields, rows, title: str) -> tempfile.SpooledTemporaryFile:
    """The table as one sheet, written by openpyxl in write-only mode (rows are not kept in
    memory); text cells are strings, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([f["id"] for f in fields])
    text = _text_columns(fields)
    kinds = [f["type"] for f in fields]
    for page in rows:
        for row in page:
            cells = []
            for value, kind, is_text in zip(row, kinds, text):
                cell = WriteOnlyCell(sheet, value=_cell(value, kind, is_text))
                if is_text and value is not None:
                    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
                cells.append(cell)
            sheet.append(cells)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 ** 2)
    workbook.save(out)
    out.seek(0)
    return out


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return (cleaned or "Data")[:31]
