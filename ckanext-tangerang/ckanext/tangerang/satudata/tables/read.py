"""Reading a tabular upload (CSV, TSV, XLSX, XLS, ODS) up to the point PostgreSQL's COPY takes it.

No CKAN and no database here. Text files are only sniffed (encoding, delimiter, header): COPY
parses them, streaming, so a 1 GB file never sits in memory. A spreadsheet sheet is read with
python-calamine (one reader, in Rust, for XLSX, XLS and ODS) and written out as a UTF-8 CSV.
Every problem is a `TableError` whose message (a msgid marked with N_) names what is wrong and
what is allowed; it is translated where it is shown.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import pathlib
import re
import zipfile
from collections.abc import Callable
from typing import Any

SAMPLE_BYTES = 256 * 1024  # what the sniffer reads of a text file
HEADER_SEARCH_ROWS = 30  # a spreadsheet's header is looked for among its first rows
MAX_NAME_BYTES = 63  # PostgreSQL's identifier length, and so the DataStore's
DELIMITERS = ",;\t|"
# the labels a resource's format may carry, per kind of content
LABELS = {
    "csv": {"csv", "text/csv", "txt"},
    "tsv": {"tsv", "text/tab-separated-values"},
    "xlsx": {"xlsx", "excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "xls": {"xls", "application/vnd.ms-excel"},
    "ods": {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
}
SPREADSHEETS = ("xlsx", "xls", "ods")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def N_(message: str) -> str:
    return message


class TableError(Exception):
    """A problem with the file the officer can act on: `message` is a msgid, `params` its values."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None, **params: Any):
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = {k: str(v) for k, v in params.items()}
        self.problems = problems  # a data standard's findings, row by row (tables/standard.py)

    def as_dict(self) -> dict[str, Any]:
        out = {"message": self.message, "params": self.params}
        if self.problems is not None:
            out["problems"] = self.problems
        return out


@dataclasses.dataclass
class Limits:
    zip_max_bytes: int = 2 * 1024 ** 3  # uncompressed size of a spreadsheet's parts
    zip_max_ratio: int = 200
    max_columns: int = 1000


@dataclasses.dataclass
class Source:
    """What COPY needs to know of a text file, and what the officer is told about it."""

    path: pathlib.Path
    kind: str  # csv, tsv, xlsx, xls, ods
    encoding: str  # PostgreSQL's name: UTF8, WIN1252
    delimiter: str
    header: list[str]  # as written in the file
    decimal_comma: bool  # numbers written 1.234,56 (Indonesian Excel)
    sheets: list[str] = dataclasses.field(default_factory=list)
    sheet: str | None = None
    skipped_rows: int = 0  # rows above a spreadsheet's header (titles)
    warnings: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def warn(self, message: str, **params: Any) -> None:
        self.warnings.append({"message": message, "params": {k: str(v) for k, v in params.items()}})


def kind_of(path: pathlib.Path, label: str | None) -> str | None:
    """The kind of table the file holds, judged by its bytes first, then by the label; None when
    it is no table this loader reads."""
    with open(path, "rb") as f:
        head = f.read(8)
    label = (label or "").strip().lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and z.read("mimetype").strip() == ODS_MIMETYPE:
                    return "ods"
        except (zipfile.BadZipFile, OSError, KeyError):
            pass
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: the old Excel format
        return "xls"
    for kind in ("csv", "tsv"):
        if label in LABELS[kind]:
            return kind
    return None


def text_encoding(sample: bytes) -> str:
    """UTF-8 when the sample decodes as UTF-8 (a character cut at the sample's end allowed),
    else Windows-1252, which Excel writes in Indonesia."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "UTF8"
    except UnicodeDecodeError:
        return "WIN1252"


def sniff_text(path: pathlib.Path, kind: str) -> Source:
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise TableError(N_("The file is empty: there is no header row and no data."))
    encoding = text_encoding(raw)
    text = raw.decode("utf-8-sig" if encoding == "UTF8" else "cp1252", errors="replace")
    if len(raw) == SAMPLE_BYTES:  # the last line may be cut
        text = text[: text.rfind("\n") + 1] or text
    first_line = text.splitlines()[0] if text.splitlines() else ""
    if kind == "tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=DELIMITERS).delimiter
        except csv.Error:
            counts = {d: first_line.count(d) for d in DELIMITERS}
            delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        # the sniffer may take a separator from the data; the header decides
        if first_line.count(delimiter) == 0:
            counts = {d: first_line.count(d) for d in DELIMITERS}
            if any(counts.values()):
                delimiter = max(counts, key=counts.get)
    rows = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(rows, [])
    decimal_comma = delimiter != "," or _has_decimal_commas(rows)
    return Source(path=path, kind=kind, encoding=encoding, delimiter=delimiter, header=header,
                  decimal_comma=decimal_comma)


_COMMA_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*,\d+$|^[+-]?\d+,\d+$")


def _has_decimal_commas(rows, limit: int = 1000) -> bool:
    for i, row in enumerate(rows):
        if i >= limit:
            break
        if any(_COMMA_NUMBER.match(v.strip()) for v in row):
            return True
    return False


def column_names(raw: list[str], source: Source | None = None, limits: Limits = Limits()) -> list[str | None]:
    """The DataStore's names for the header's cells; None for a cell with no name (its column is
    loaded only if it holds nothing, see load.py). Renames are told as warnings."""
    if len(raw) > limits.max_columns:
        raise TableError(N_("The file has {count} columns; at most {limit} are allowed."),
                         count=len(raw), limit=limits.max_columns)
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(raw, start=1):
        name = " ".join(str(cell or "").split())
        cleaned = name.lstrip("_").replace('"', "")
        if not cleaned:
            names.append(None)
            continue
        encoded = cleaned.encode("utf-8")
        if len(encoded) > MAX_NAME_BYTES:
            cleaned = encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip()
        if cleaned != name and source is not None:
            source.warn(N_("Column {column}: the name {name} was changed to {new} (a column name "
                           "cannot start with _, hold a double quote or be longer than 63 bytes)."),
                        column=position, name=name, new=cleaned)
        key = cleaned.lower()
        if key in seen:
            seen[key] += 1
            new = f"{cleaned}_{seen[key]}"
            while new.lower() in seen:
                seen[key] += 1
                new = f"{cleaned}_{seen[key]}"
            if source is not None:
                source.warn(N_("Column {column}: the name {name} is used by an earlier column, so "
                               "this one is called {new}."), column=position, name=cleaned, new=new)
            seen[new.lower()] = 1
            cleaned = new
        else:
            seen[key] = 1
        names.append(cleaned)
    if not any(names):
        raise TableError(N_("The header row has no column names. The first row must name each column."))
    return names


def check_zip(path: pathlib.Path, limits: Limits) -> None:
    """A spreadsheet is a zip (XLSX, ODS): its parts may not unpack to more than the limits."""
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise TableError(N_("The spreadsheet file is damaged and cannot be opened."))
    compressed = max(path.stat().st_size, 1)
    if total > limits.zip_max_bytes or total / compressed > limits.zip_max_ratio:
        raise TableError(N_("The spreadsheet unpacks to {size} MB, more than this portal reads "
                            "({limit} MB); save it as CSV instead."),
                         size=total // 1024 ** 2, limit=limits.zip_max_bytes // 1024 ** 2)


def sheet_names(path: pathlib.Path) -> list[str]:
    from python_calamine import CalamineWorkbook  # Rust: loaded only for spreadsheets

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine's errors are its own classes
        raise TableError(N_("The spreadsheet file is damaged and cannot be opened."))
    try:
        return list(workbook.sheet_names)
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def header_row(rows: list[list[Any]]) -> int:
    """The header is the first row as wide as the table: title rows above it name one cell."""
    widths = [sum(1 for v in row if v not in (None, "")) for row in rows[:HEADER_SEARCH_ROWS]]
    widest = max(widths, default=0)
    if widest == 0:
        raise TableError(N_("The sheet is empty: there is no header row and no data."))
    # a title row names one cell; a table of one column has nothing else
    return next(i for i, w in enumerate(widths) if w * 2 >= widest and (w > 1 or widest == 1))


def sheet_to_csv(path: pathlib.Path, kind: str, sheet: str | None, out: pathlib.Path,
                 limits: Limits = Limits(), on_row: Callable[[int], None] | None = None) -> Source:
    """Writes one sheet of a spreadsheet as a UTF-8 CSV for COPY; the sheet named, or the first."""
    from python_calamine import CalamineWorkbook

    if kind in ("xlsx", "ods"):
        check_zip(path, limits)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:
        raise TableError(N_("The spreadsheet file is damaged and cannot be opened."))
    try:
        names = list(workbook.sheet_names)
        if not names:
            raise TableError(N_("The spreadsheet has no sheets."))
        chosen = sheet if sheet else names[0]
        if chosen not in names:
            raise TableError(N_("The spreadsheet has no sheet called {sheet}. Its sheets are: {sheets}."),
                             sheet=chosen, sheets=", ".join(names))
        data = workbook.get_sheet_by_name(chosen)
        merged = data.merged_cell_ranges or []
        top = (data.start or (0, 0))[0]
        rows = data.to_python(skip_empty_area=False)
    except TableError:
        raise
    except Exception:
        raise TableError(N_("The sheet {sheet} cannot be read: the file is damaged."), sheet=sheet or "")
    finally:
        workbook.close()
    start = header_row(rows)
    header_abs = top + start
    for (r0, c0), (r1, c1) in merged:
        if r0 <= header_abs <= r1 and c1 > c0:
            raise TableError(N_(
                "The header row (row {row}) of sheet {sheet} has merged cells ({cells}). Each "
                "column needs a header cell of its own: unmerge them and name every column."),
                row=header_abs + 1, sheet=chosen, cells=f"{_cell_ref(r0, c0)}:{_cell_ref(r1, c1)}")
    source = Source(path=out, kind=kind, encoding="UTF8", delimiter=",",
                    header=[_cell_text(v) for v in rows[start]], decimal_comma=False,
                    sheets=names, sheet=chosen, skipped_rows=start)
    width = len(source.header)
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(source.header)
        for row in rows[start + 1:]:
            cells = [_cell_text(v) for v in row[:width]]
            if not any(cells):
                continue  # a blank line between blocks
            writer.writerow(cells + [""] * (width - len(cells)))
            written += 1
            if on_row and written % 10000 == 0:
                on_row(written)
    if start:
        source.warn(N_("Rows 1 to {last} of sheet {sheet} were skipped: the header is on row {row}."),
                    last=top + start, sheet=chosen, row=header_abs + 1)
    if len(names) > 1:
        source.warn(N_("The spreadsheet has {count} sheets ({sheets}); sheet {sheet} was loaded. "
                       "Choose another in the resource's Sheet field."),
                    count=len(names), sheets=", ".join(names), sheet=chosen)
    return source


def _cell_ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"
