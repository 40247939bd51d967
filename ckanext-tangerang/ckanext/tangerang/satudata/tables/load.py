"""The load job (run by `ckan jobs worker`): upload -> staged text -> typed DataStore table.

1. The file is read from CKAN's storage (never fetched over HTTP) and COPY streams it into an
   unlogged staging table of text columns: PostgreSQL parses it, memory stays flat.
2. types.py decides every column's type over all rows, so each cast below is known to succeed.
3. Only then is the resource's table replaced: the old one is moved aside, `datastore_create`
   (CKAN's own action: fields, data dictionary, indexes, triggers) makes the new one, and one
   transaction fills it (readers wait on its lock, they never see it half-filled). If anything
   fails, the new table goes and the old one comes back, with the officer's dictionary.
"""
from __future__ import annotations

import functools
import logging
import pathlib
import re
import tempfile
import time
import uuid
from typing import Any, Callable

import psycopg2
import psycopg2.errors
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.tangerang.satudata import codelists
from ckanext.tangerang.satudata import model as store
from ckanext.tangerang.satudata.tables import read, standard, types
from ckanext.tangerang.satudata.tables.read import N_, TableError

log = logging.getLogger(__name__)
STAGE_PREFIX = "_tg_stage_"
ASIDE_PREFIX = "_tg_aside_"
SHORT_TEXT_BYTES = 64  # text columns with values this short on average (codes, names) are indexed


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, pool_pre_ping=True, pool_size=2)


def write_engine() -> sa.engine.Engine:
    return _engine(tk.config["ckan.datastore.write_url"])


def limits() -> read.Limits:
    return read.Limits(zip_max_bytes=tk.config.get("ckanext.tangerang.satudata.tables.spreadsheet_max_bytes"))


def uploaded_file(resource: dict[str, Any]) -> pathlib.Path | None:
    """The uploaded file on this server's disk, or None (a linked URL is never fetched)."""
    if resource.get("url_type") != "upload" or not resource.get("id"):
        return None
    path = uploader.get_resource_uploader(dict(resource)).get_path(resource["id"])
    path = pathlib.Path(path) if path else None
    return path if path is not None and path.is_file() else None


def is_table(resource: dict[str, Any]) -> str | None:
    """The kind of table an upload holds (csv, tsv, xlsx, xls, ods), or None."""
    path = uploaded_file(resource)
    if path is None:
        return None
    label = (resource.get("format") or "").strip().lower()
    if label not in tk.aslist(tk.config.get("ckanext.tangerang.satudata.tables.formats")):
        label = pathlib.PurePosixPath(resource.get("url") or "").suffix.lower().lstrip(".")
    try:
        return read.kind_of(path, label)
    except OSError:
        return None


class _Progress:
    """A file object for COPY that records how far it has read."""

    def __init__(self, f, every: int, report: Callable[[int], None]):
        self.f, self.every, self.report = f, every, report
        self.done = self.next = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.f.read(size)
        self.done += len(chunk)
        if self.done >= self.next:
            self.next = self.done + self.every
            self.report(self.done)
        return chunk


def load_resource(load_id: str, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Loads one resource's upload into the DataStore; the outcome goes to the load row.

    `on_progress(done, total)` (bytes) is for the CLI's progress bar; the page reads the row."""
    run = store.get_load(load_id)
    if run is None:
        log.warning("table load %s: no such load", load_id)
        return
    try:
        resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": run["resource_id"]})
    except tk.ObjectNotFound:  # deleted while the load waited in the queue
        log.info("table load %s: resource %s is gone", load_id, run["resource_id"])
        return
    stage = STAGE_PREFIX + uuid.uuid4().hex[:16]
    try:
        with tempfile.TemporaryDirectory(prefix="satudata-table-") as folder:
            store.update_load(load_id, status=store.RUNNING, step="read")
            source = _source(resource, run, pathlib.Path(folder))
            store.update_load(load_id, step="copy", bytes_total=source.path.stat().st_size)

            def progress(done: int) -> None:
                store.update_load(load_id, bytes_read=done)
                if on_progress:
                    on_progress(done, source.path.stat().st_size)

            report = _load(resource, source, stage, progress,
                           lambda step: store.update_load(load_id, step=step))
    except TableError as e:
        store.update_load(load_id, status=store.FAILED, error=e.as_dict())
        log.info("table load %s failed: %s", load_id, e)
        return
    except Exception as e:
        log.exception("table load %s failed", load_id)
        # the log has the details; the page (public) gets the kind of error, never paths or SQL
        store.update_load(load_id, status=store.FAILED, error={
            "message": N_("The load failed unexpectedly: {detail}"),
            "params": {"detail": e.__class__.__name__}})
        raise
    finally:
        _drop(stage)
    store.update_load(load_id, status=store.DONE, step=None, rows=report["rows"], report=report)
    _default_views(resource)


def _source(resource: dict[str, Any], run: dict[str, Any], folder: pathlib.Path) -> read.Source:
    path = uploaded_file(resource)
    if path is None:
        raise TableError(N_("Only an uploaded file is loaded into the DataStore; this resource "
                            "links to a file elsewhere."))
    kind = is_table(resource)
    if kind is None:
        raise TableError(N_("The file is not a table this portal reads: CSV, TSV, XLSX, XLS or ODS."))
    if kind in read.SPREADSHEETS:
        sheet = run.get("sheet") or (resource.get("sheet") or "").strip() or None
        return read.sheet_to_csv(path, kind, sheet, folder / "sheet.csv", limits())
    return read.sniff_text(path, kind)


def _load(resource: dict[str, Any], source: read.Source, stage: str,
          progress: Callable[[int], None], step: Callable[[str], None]) -> dict[str, Any]:
    names = read.column_names(source.header, source, limits())
    conformance = _check_standard(resource, source, names, step)
    staged = [f"c{i}" for i in range(len(names))]
    engine = write_engine()
    started = time.monotonic()
    rows = _copy(engine, source, stage, staged, progress)
    timings = {"copy": time.monotonic() - started}
    if rows == 0:
        raise TableError(N_("The file has a header row but no data rows."))
    step("types")
    with engine.begin() as conn:
        columns = _named_columns(conn, stage, names, staged)
        kinds = _detect(conn, stage, [c for c, _ in columns], source.decimal_comma)
        indexed = _filterable(conn, stage, columns, kinds)
    timings["types"] = time.monotonic() - started - timings["copy"]
    step("replace")
    fields = [{"id": name, "type": types.DATASTORE_TYPE[kinds[c]]} for c, name in columns]
    # two workers loading the same resource (a new file, then another sheet) take turns here
    with engine.connect() as lock:
        lock.execute(sa.text("SELECT pg_advisory_lock(hashtext(:r))"), {"r": resource["id"]})
        try:
            _replace(engine, resource["id"], stage, columns, kinds, fields, indexed)
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:r))"), {"r": resource["id"]})
    timings["replace"] = time.monotonic() - started - timings["copy"] - timings["types"]
    return {
        "rows": rows, "kind": source.kind, "encoding": source.encoding,
        "delimiter": source.delimiter if source.kind in ("csv", "tsv") else None,
        "decimal_comma": source.decimal_comma, "sheet": source.sheet, "sheets": source.sheets,
        "columns": [{"name": name, "type": types.DATASTORE_TYPE[kinds[c]], "kind": kinds[c]}
                    for c, name in columns],
        "warnings": source.warnings,
        "standard": conformance,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }


def _check_standard(resource: dict[str, Any], source: read.Source, names: list[str | None],
                    step: Callable[[str], None]) -> dict[str, Any] | None:
    """The file against the data standard the resource is linked to, before anything is loaded:
    a file that fails it is not loaded (the table before it stays), and the OPD sees why."""
    name = (resource.get("standar_data") or "").strip()
    if not name:
        return None
    try:
        found = tk.get_action("tangerang_standard_show")({"ignore_auth": True}, {"id": name})
    except tk.ObjectNotFound:
        source.warn(N_("The data standard {standard} no longer exists; the file was not checked."),
                    standard=name)
        return None
    step("standard")
    count, problems = standard.validate(source, found["schema"], codelists.standard_codes, names)
    if count:
        raise TableError(N_("The file does not meet the data standard {standard}: {count} problems. "
                            "Nothing was loaded; correct the file and upload it again."),
                         problems=problems, standard=found["title"], count=count)
    return {"name": found["name"], "title": found["title"], "valid": True}


_LINE = re.compile(r"line (\d+)")


def _copy(engine, source: read.Source, stage: str, staged: list[str], progress) -> int:
    """COPY of the file into the staging table; the number of rows."""
    every = tk.config.get("ckanext.tangerang.satudata.tables.progress_bytes")
    columns = ", ".join(f"{c} text" for c in staged)
    encodings = [source.encoding] + (["WIN1252"] if source.encoding == "UTF8" else [])
    for encoding in encodings:
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.execute(f"CREATE UNLOGGED TABLE {types.quote(stage)} ({columns})")
                sql = (f"COPY {types.quote(stage)} FROM STDIN WITH (FORMAT csv, HEADER true, "
                       f"DELIMITER %s, ENCODING %s)")
                sql = cur.mogrify(sql, (source.delimiter, encoding)).decode()
                with open(source.path, "rb") as f:
                    cur.copy_expert(sql, _Progress(f, every, progress))
                rows = cur.rowcount
            raw.commit()
            source.encoding = encoding
            return rows
        except (psycopg2.errors.CharacterNotInRepertoire, psycopg2.errors.UntranslatableCharacter):
            raw.rollback()
            continue  # not UTF-8 after all: Windows-1252, as Excel writes it here
        except psycopg2.errors.BadCopyFileFormat as e:
            raw.rollback()
            raise _copy_error(e, source, len(staged))
        finally:
            raw.close()
    raise TableError(N_("The file's text is neither UTF-8 nor Windows-1252; save it as CSV UTF-8."))


def _copy_error(e, source: read.Source, width: int) -> TableError:
    match = _LINE.search(getattr(e.diag, "context", "") or "")
    line = match.group(1) if match else "?"
    text = str(e.diag.message_primary or "")
    delimiter = {"\t": "tab", ",": ",", ";": ";", "|": "|"}.get(source.delimiter, source.delimiter)
    if "extra data" in text:
        return TableError(N_("Line {line} has more values than the header's {count} columns. Check "
                             "the separator ({separator}) and the quotes on that line."),
                          line=line, count=width, separator=delimiter)
    if "missing data" in text:
        return TableError(N_("Line {line} has fewer values than the header's {count} columns."),
                          line=line, count=width)
    if "quoted" in text:
        return TableError(N_("A quote (\") opened near line {line} is never closed."), line=line)
    return TableError(N_("Line {line} cannot be read as {kind}: {detail}"), line=line,
                      kind=source.kind.upper(), detail=text)


def _named_columns(conn, stage: str, names: list[str | None], staged: list[str]) -> list[tuple[str, str]]:
    """(staged column, name) of the columns to load; a column without a name is dropped when it
    holds nothing (a trailing separator), refused when it holds values."""
    unnamed = [(i, c) for i, (c, n) in enumerate(zip(staged, names)) if n is None]
    if unnamed:
        counts = conn.execute(sa.text("SELECT " + ", ".join(
            f"count({types.value(c)})" for _, c in unnamed) + f" FROM {types.quote(stage)}")).one()
        for (i, _), count in zip(unnamed, counts):
            if count:
                raise TableError(N_(
                    "Column {column} has values but no name in the header row. Every column needs "
                    "a name of its own (a header cell merged over several columns leaves the "
                    "others without one)."), column=i + 1)
    return [(c, n) for c, n in zip(staged, names) if n is not None]


def _detect(conn, stage: str, columns: list[str], decimal_comma: bool) -> dict[str, str]:
    """Each column's kind: the sample rules out most; the whole table is then scanned for each
    column's most specific remaining kind, and again for the wider ones only where that failed."""
    sql, keys = types.detect_sql(stage, {c: types.ORDER for c in columns}, decimal_comma,
                                 limit=types.SAMPLE_ROWS)
    sample = dict(zip(keys, conn.execute(sa.text(sql)).one()))
    remaining = {c: [k for k in types.ORDER if sample.get((c, k))] for c in columns}
    kinds = {c: "text" for c in columns}
    while any(remaining.values()):
        trying = {c: k[:1] for c, k in remaining.items() if k}
        sql, keys = types.detect_sql(stage, trying, decimal_comma)
        results = dict(zip(keys, conn.execute(sa.text(sql)).one()))
        for column, (kind,) in trying.items():
            if results.get((column, kind)):
                kinds[column] = kind
                remaining[column] = []
            else:
                remaining[column] = remaining[column][1:]
    return kinds


def _filterable(conn, stage: str, columns: list[tuple[str, str]], kinds: dict[str, str]) -> list[str]:
    """The columns the Data API's filters and sorts get a btree index on: every typed column,
    and text columns of short values (names, codes), not free text."""
    texts = [c for c, _ in columns if kinds[c] == "text"]
    lengths = {}
    if texts:
        row = conn.execute(sa.text(
            "SELECT " + ", ".join(f"coalesce(avg(octet_length({types.quote(c)})), 0)" for c in texts)
            + f" FROM (SELECT * FROM {types.quote(stage)} LIMIT {types.SAMPLE_ROWS}) s")).one()
        lengths = dict(zip(texts, row))
    return [name for c, name in columns if kinds[c] != "text" or lengths[c] <= SHORT_TEXT_BYTES]


def _indexes(conn, table: str) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = :t"),
        {"t": table}).scalars())


def _replace(engine, resource_id: str, stage: str, columns, kinds, fields, indexed: list[str]) -> None:
    old_info = _dictionary(resource_id)
    for field in fields:
        if field["id"] in old_info:  # the officer's labels and notes stay with their column
            field["info"] = old_info[field["id"]]
    aside = ASIDE_PREFIX + uuid.uuid4().hex[:16]
    renamed: list[tuple[str, str]] = []
    with engine.begin() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"),
                              {"t": types.quote(resource_id)}).scalar()
        if exists:
            # index names are CKAN's hashes of the resource id: the new table needs them free
            for n, index in enumerate(_indexes(conn, resource_id)):
                new = f"{aside}_{n}"
                conn.execute(sa.text(f"ALTER INDEX {types.quote(index)} RENAME TO {types.quote(new)}"))
                renamed.append((index, new))
            conn.execute(sa.text(f"ALTER TABLE {types.quote(resource_id)} RENAME TO {types.quote(aside)}"))
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    try:
        tk.get_action("datastore_create")(
            {"user": site_user["name"], "ignore_auth": True},
            {"resource_id": resource_id, "force": True, "fields": fields, "records": [],
             "indexes": indexed})
        lang = tk.config.get("ckan.datastore.default_fts_lang") or "english"
        target = ", ".join(types.quote(n) for _, n in columns)
        values = ", ".join(types.cast(kinds[c], c) for c, _ in columns)
        text = ", ".join(types.quote(c) for c, _ in columns)
        table = types.quote(resource_id)
        with engine.begin() as conn:
            conn.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
            # a bulk insert is faster into a table without its search indexes, built again after
            # from their own definitions; the full text is given, so its trigger has nothing to do
            indexes = conn.execute(sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "AND tablename = :t AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'"),
                {"t": resource_id}).all()
            for name, _ in indexes:
                conn.execute(sa.text(f"DROP INDEX {types.quote(name)}"))
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(sa.text(
                f"INSERT INTO {table} ({target}, _full_text) "
                f"SELECT {values}, to_tsvector(CAST(:lang AS regconfig), concat_ws(' ', {text})) "
                f"FROM {types.quote(stage)}"), {"lang": lang})
            conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            for _, definition in indexes:
                conn.execute(sa.text(definition))
            conn.execute(sa.text("SELECT update_table_stats(:t)"), {"t": resource_id})
    except BaseException:
        if exists:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {types.quote(resource_id)}"))
                conn.execute(sa.text(f"ALTER TABLE {types.quote(aside)} RENAME TO {types.quote(resource_id)}"))
                for index, new in renamed:
                    conn.execute(sa.text(f"ALTER INDEX {types.quote(new)} RENAME TO {types.quote(index)}"))
                conn.execute(sa.text("SELECT update_table_stats(:t)"), {"t": resource_id})
        raise
    if exists:
        _drop(aside)


def _dictionary(resource_id: str) -> dict[str, dict[str, Any]]:
    """The data dictionary's info of the current table, by column name."""
    try:
        info = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource_id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return {}
    # the *_translated keys are made from the others when read (plugin.update_datastore_info_field)
    return {f["id"]: {k: v for k, v in f["info"].items() if not k.endswith("_translated")}
            for f in info.get("fields", []) if f.get("info")}


def _drop(table: str) -> None:
    try:
        with write_engine().begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {types.quote(table)}"))
    except sa.exc.SQLAlchemyError as e:
        log.warning("table %s not dropped: %s", table, e)


def _default_views(resource: dict[str, Any]) -> None:
    """CKAN's default views (the DataTables preview) now that the resource has a table."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"user": site_user["name"], "ignore_auth": True}
    resource = tk.get_action("resource_show")(context, {"id": resource["id"]})
    package = tk.get_action("package_show")(context, {"id": resource["package_id"]})
    tk.get_action("resource_create_default_resource_views")(
        context, {"resource": resource, "package": package, "create_datastore_views": True})
