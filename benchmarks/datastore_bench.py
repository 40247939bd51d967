"""Our DataStore loader (satudata/tables/load.py) against its peers in one run, as one table.

    .venv/bin/python benchmarks/datastore_bench.py [--rows 1000000] [--big-rows 15000000] [--no-big]

Setup (idempotent, next to the shared services, never instead of them):
- databases ckan_bench_ds (CKAN's) and ckan_bench_ds_store (the DataStore's) on the shared
  PostgreSQL, owned by ckan and created as the postgres superuser like scripts/stack.sh does, with
  `REVOKE ALL ... FROM PUBLIC`; the DataStore database holds nothing but this bench's tables, so it
  is created afresh on every run, and `ckan datastore set-permissions` (piped to psql as the
  superuser, as the Makefile does) lets the read-only role datastore_ro read its tables;
- its own Solr node (tests/ops/ops_services.SolrNode, home var/bench-datastore/solr, core ds),
  Redis database 7, uploads under var/bench-datastore/storage (emptied on every run);
- bench.ini = config/ckan.ini on those, with the automatic load off (the bench runs the loader
  itself through the CLI) and uploads up to 2 GB;
- one dataset `datastore-bench` (the previous run's is purged) with the generated CSV uploaded
  twice through CKAN's own upload path (ours, stock) and the big CSV once.

The CSV files (seeded, reused when present) are generated under var/bench-datastore: tahun,
kecamatan, kode_kelurahan (the city profile's wilayah), indikator, nilai, satuan, tanggal.

Measured, in this order:
1. `psql \\copy` of the file into a typed table, as the superuser: the baseline (best of 3);
2. our loader, `ckan tangerang satudata load-table` under /usr/bin/time (best of 2; the second run
   is a reload of the same resource), with the loader's own breakdown from its load row;
3. stock CKAN's API path, as DataPusher loads: `datastore_create` with typed fields, then
   `datastore_upsert` (method insert) in batches of 10,000 rows read with the csv module,
   in-process (stopped after 200,000 rows and extrapolated when 1M rows would take over 5 min);
4. ckanext-xloader: not installable beside CKAN 2.12's pins (docs/tables.md), not measured;
5. our loader on the big (about 1 GB) CSV: wall time and the CLI's peak RSS;
6. the portal under gunicorn (2 workers), one client: datastore_search with a filter and a sort
   on the loaded table (and on the stock-loaded one when it was fully loaded), and the first page
   of the DataTables view (its AJAX POST, with the view page's CSRF token, as the browser sends);
   the DataStore database is vacuumed first, so autovacuum does not run during the requests.
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import pathlib
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

import click
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "ops")]
from ops_services import VENV_BIN, Portal, SolrNode, ckan_cli, write_ini  # noqa: E402

VAR = ROOT / "var" / "bench-datastore"
PG = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-p", "5433",
      "-v", "ON_ERROR_STOP=1"]
DB, STORE_DB = "ckan_bench_ds", "ckan_bench_ds_store"
REDIS = "redis://127.0.0.1:6379/7"
WILAYAH = (ROOT / "ckanext-tangerang" / "ckanext" / "tangerang" / "city" / "profiles" / "tangerang"
           / "wilayah.csv")
ORG, DATASET = "datastore-bench", "datastore-bench"
TIME = ["/usr/bin/time", "-f", "%e %M"]

COLUMNS = ("tahun", "kecamatan", "kode_kelurahan", "indikator", "nilai", "satuan", "tanggal")
# the types a publisher would give them: the baseline's table and the stock path's fields
PG_TYPES = ("int", "text", "text", "text", "numeric", "text", "date")
# (indikator, satuan)
INDICATORS = (("Jumlah Penduduk", "jiwa"), ("Kelahiran", "jiwa"), ("Kasus DBD", "kasus"),
              ("Imunisasi Dasar", "persen"), ("Posyandu Aktif", "unit"), ("Timbulan Sampah", "ton"))

COPY_RUNS, LOADER_RUNS = 3, 2
BATCH = 10_000
STOCK_BUDGET_S, STOCK_SAMPLE_ROWS, STOCK_PROBE_ROWS = 300, 200_000, 50_000
SEARCH_REQUESTS, TABLE_REQUESTS, WARM_UP = 200, 100, 20


# ---------------------------------------------------------------- helpers

def psql(db: str, sql: str) -> str:
    return subprocess.run([*PG, "-d", db, "-c", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def database_exists(name: str) -> bool:
    return bool(psql("postgres", f"SELECT 1 FROM pg_database WHERE datname='{name}'"))


def create_database(name: str) -> None:
    psql("postgres", f"CREATE DATABASE {name} OWNER ckan ENCODING 'UTF8' TEMPLATE template0")


def timed_run(cmd: list[str], log: pathlib.Path) -> tuple[float, float, int]:
    """Runs `cmd` under /usr/bin/time: (wall seconds, peak RSS MB of the process and the children
    it waited for, exit status). Its output goes to `log`."""
    times = log.with_suffix(".time")
    with open(log, "w") as out:
        proc = subprocess.run([*TIME, "-o", str(times), *cmd], stdout=out, stderr=subprocess.STDOUT)
    # on failure, time writes "Command exited with non-zero status N" before its line
    wall, rss_kb = times.read_text().strip().splitlines()[-1].split()
    return float(wall), int(rss_kb) / 1024, proc.returncode


def tail(path: pathlib.Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def ckan(ini: pathlib.Path, *args: str, timeout: float = 900) -> str:
    """stdout of a ckan command; its own output when it fails."""
    proc = ckan_cli(ini, *args, check=False, timeout=timeout)
    if proc.returncode:
        raise click.ClickException(f"ckan {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# ---------------------------------------------------------------- data

def kelurahan_codes() -> dict[str, list[str]]:
    """Kecamatan name -> its kelurahan codes, from the city profile."""
    with open(WILAYAH, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = {r["code"]: r["name"] for r in rows if r["level"] == "kecamatan"}
    codes: dict[str, list[str]] = {name: [] for name in names.values()}
    for r in rows:
        if r["level"] == "kelurahan":
            codes[names[r["parent"]]].append(r["code"])
    return codes


def generate(path: pathlib.Path, rows: int) -> pathlib.Path:
    """`rows` seeded rows (the same file for the same count); written aside, then renamed, so
    an interrupted run never leaves a short file to be reused."""
    if path.exists():
        return path
    rng = random.Random(14)
    places = [(kec, code) for kec, codes in kelurahan_codes().items() for code in codes]
    first_day = datetime.date(2018, 1, 1).toordinal()
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8", newline="") as f, \
            click.progressbar(length=rows, label=f"generating {path.name}", file=sys.stderr) as bar:
        f.write(",".join(COLUMNS) + "\n")
        for done in range(0, rows, 100_000):
            lines = []
            for _ in range(min(100_000, rows - done)):
                kec, code = rng.choice(places)
                indikator, satuan = rng.choice(INDICATORS)
                day = datetime.date.fromordinal(first_day + rng.randrange(7 * 365))
                lines.append(f"{day.year},{kec},{code},{indikator},{rng.uniform(0, 99999):.2f},"
                             f"{satuan},{day.isoformat()}\n")
            f.write("".join(lines))
            bar.update(len(lines))
    partial.rename(path)
    return path


def csv_for(rows: int) -> pathlib.Path:
    return generate(VAR / f"rows-{rows}.csv", rows)


# ---------------------------------------------------------------- inside CKAN (child processes)

@contextlib.contextmanager
def ckan_app(ini: str):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    import ckan.plugins.toolkit as tk

    with app._wsgi_app.test_request_context():
        yield tk


def _site_context(tk) -> dict:
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site["name"], "ignore_auth": True}


def child_setup(ini: str, files_json: str) -> dict:
    """The bench dataset afresh, with each file uploaded as CKAN's upload form does: {label: id}."""
    from werkzeug.datastructures import FileStorage

    with ckan_app(ini) as tk:
        ctx = lambda: _site_context(tk)  # noqa: E731 (actions change the context they are given)
        try:
            tk.get_action("dataset_purge")(ctx(), {"id": DATASET})
        except tk.ObjectNotFound:
            pass
        if ORG not in tk.get_action("organization_list")(ctx(), {}):
            tk.get_action("organization_create")(ctx(), {"name": ORG, "title": "DataStore bench"})
        dataset = tk.get_action("package_create")(ctx(), {
            "name": DATASET, "title": "DataStore bench", "owner_org": ORG, "private": False,
            "notes": "Tabel uji benchmarks/datastore_bench.py", "urusan": "kesehatan",
            "frekuensi": "tahunan", "tahun": "2024", "satuan": "unit", "cakupan_wilayah": ["36.71"],
            "tingkat_akses": "terbuka", "maintainer_email": "bench@tangerangkota.go.id",
            "license_id": "cc-by"})
        ids = {}
        for label, path in json.loads(files_json).items():
            with open(path, "rb") as f:
                resource = tk.get_action("resource_create")(ctx(), {
                    "package_id": dataset["id"], "name": f"{label}-{pathlib.Path(path).name}",
                    "format": "CSV", "url": "", "upload": FileStorage(f, pathlib.Path(path).name)})
            ids[label] = resource["id"]
        return ids


def child_stock(ini: str, resource_id: str, path: str) -> dict:
    """DataPusher's way into the DataStore: the table from typed fields, then the rows in batches
    through datastore_upsert. Stops early (and says so) when the whole file would take too long."""
    with ckan_app(ini) as tk:
        with open(path, "rb") as f:
            total = sum(1 for _ in f) - 1
        create, upsert = tk.get_action("datastore_create"), tk.get_action("datastore_upsert")
        started = time.perf_counter()
        create(_site_context(tk), {
            "resource_id": resource_id, "force": True, "records": [],
            "fields": [{"id": c, "type": t} for c, t in zip(COLUMNS, PG_TYPES)]})
        limit, loaded = total, 0
        with open(path, newline="", encoding="utf-8") as f:
            # values stay the csv module's strings: PostgreSQL casts them to the fields' types
            reader = csv.DictReader(f)
            while loaded < limit:
                batch = [row for _, row in zip(range(min(BATCH, limit - loaded)), reader)]
                if not batch:
                    break
                upsert(_site_context(tk), {"resource_id": resource_id, "force": True,
                                           "method": "insert", "records": batch})
                loaded += len(batch)
                if loaded == STOCK_PROBE_ROWS and limit == total:
                    rate = loaded / (time.perf_counter() - started)
                    if total / rate > STOCK_BUDGET_S:
                        limit = min(total, STOCK_SAMPLE_ROWS)
        seconds = time.perf_counter() - started
        return {"rows": loaded, "total": total, "seconds": seconds}


def child_view(ini: str, resource_id: str) -> dict:
    """The resource's DataTables view (the loader makes it; made here if it is missing)."""
    with ckan_app(ini) as tk:
        views = tk.get_action("resource_view_list")(_site_context(tk), {"id": resource_id})
        view = next((v for v in views if v["view_type"] == "datatables_view"), None)
        if view is None:
            view = tk.get_action("resource_view_create")(_site_context(tk), {
                "resource_id": resource_id, "view_type": "datatables_view", "title": "Tabel"})
        return {"id": view["id"], "package_id": view["package_id"]}


CHILDREN = {"setup": child_setup, "stock": child_stock, "view": child_view}
# runs CHILDREN[argv[1]](*argv[2:]) and prints its result as the last line
CHILD_CODE = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
              "import datastore_bench as b; "
              "print('RESULT ' + json.dumps(b.CHILDREN[sys.argv[1]](*sys.argv[2:])))")


def child_command(name: str, *args: str) -> list[str]:
    return [sys.executable, "-c", CHILD_CODE, name, *args]


def child_result(name: str, log: pathlib.Path, status: int) -> dict:
    results = [line for line in log.read_text().splitlines() if line.startswith("RESULT ")]
    if status or not results:
        raise click.ClickException(f"{name} (in CKAN) failed:\n{tail(log)}")
    return json.loads(results[-1][len("RESULT "):])


def run_child(name: str, *args: str) -> dict:
    log = VAR / f"{name}.log"
    with open(log, "w") as out:
        proc = subprocess.run(child_command(name, *args), stdout=out, stderr=subprocess.STDOUT)
    return child_result(name, log, proc.returncode)


# ---------------------------------------------------------------- setup

def setup(ini: pathlib.Path) -> None:
    if not database_exists(DB):
        create_database(DB)
    # the DataStore database only ever holds this bench's tables: a fresh one drops the last run's
    psql("postgres", f"DROP DATABASE IF EXISTS {STORE_DB} WITH (FORCE)")
    create_database(STORE_DB)
    for name in (DB, STORE_DB):
        psql("postgres", f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
    ckan(ini, "db", "init")
    ckan(ini, "db", "upgrade", "-p", "tangerang_satudata")
    # CKAN prints the grants as SQL for the superuser; log lines on stdout are left out (Makefile)
    grants = ckan(ini, "datastore", "set-permissions")
    grants = "\n".join(line for line in grants.splitlines()
                       if not re.match(r"\d{4}-\d{2}-\d{2} ", line))
    subprocess.run([*PG, "-d", "postgres"], input=grants, text=True, check=True,
                   capture_output=True)


# ---------------------------------------------------------------- measurements

class Table:
    """The printed rows: what | seconds | rows/s | peak RSS MB | vs COPY."""

    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []
        self.baseline: float | None = None

    def add(self, what: str, seconds: float | None = None, rows: int | None = None,
            rss: float | None = None, *, text: str | None = None) -> None:
        vs = "-"
        if seconds is not None and self.baseline:
            vs = f"x{seconds / self.baseline:.1f}"
        self.rows.append((
            what,
            text if text is not None else (f"{seconds:.1f}" if seconds is not None else "-"),
            f"{rows / seconds:,.0f}" if rows and seconds else "-",
            f"{rss:.0f}" if rss is not None else "-",
            vs))

    def print(self) -> None:
        header = ("what", "seconds", "rows/s", "peak RSS MB", "vs COPY")
        click.echo("| " + " | ".join(header) + " |")
        click.echo("|" + "|".join(["---", "---:", "---:", "---:", "---:"]) + "|")
        for row in self.rows:
            click.echo("| " + " | ".join(row) + " |")


def measure_copy(path: pathlib.Path, rows: int, table: Table) -> None:
    columns = ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, PG_TYPES))
    runs = []
    for i in range(COPY_RUNS):
        psql(STORE_DB, f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ({columns})")
        copy = f"\\copy bench_copy FROM '{path}' WITH (FORMAT csv, HEADER true)"
        wall, rss, status = timed_run([*PG, "-d", STORE_DB, "-c", copy], VAR / f"copy-{i}.log")
        if status:
            raise click.ClickException(f"psql \\copy failed:\n{tail(VAR / f'copy-{i}.log')}")
        runs.append((wall, rss))
    psql(STORE_DB, "DROP TABLE bench_copy")
    wall, rss = min(runs)
    table.baseline = wall
    table.add(f"psql \\copy into a typed table (best of {COPY_RUNS}: "
              f"{', '.join(f'{w:.1f}' for w, _ in runs)} s)", wall, rows, rss)


def last_load(resource_id: str) -> dict:
    row = psql(DB, "SELECT json_build_object('status', status, 'rows', rows, 'report', report, "
                   "'error', error) FROM tangerang_satudata_table_load "
                   f"WHERE resource_id = '{resource_id}' ORDER BY created DESC LIMIT 1")
    # no row: the CLI failed before the load began
    return json.loads(row) if row else {"status": "missing"}


def load_with_cli(ini: pathlib.Path, resource_id: str, log: pathlib.Path) -> dict:
    wall, rss, status = timed_run([str(VENV_BIN / "ckan"), "-c", str(ini), "tangerang", "satudata",
                                   "load-table", resource_id], log)
    load = last_load(resource_id)
    if status or load["status"] != "done":
        error = load.get("error") or {}
        message = error.get("message", "").format(**error.get("params") or {})
        failed = f"exit {status}; load row: {load['status']} {message!r}\n{tail(log)}"
        return {"failed": failed, "wall": wall, "rss": rss}
    return {"wall": wall, "rss": rss, "rows": load["rows"], "seconds": load["report"]["seconds"]}


def measure_loader(ini: pathlib.Path, resource_id: str, rows: int, table: Table) -> None:
    runs = []
    for i in range(LOADER_RUNS):
        result = load_with_cli(ini, resource_id, VAR / f"load-{i}.log")
        if "failed" in result:
            raise click.ClickException(f"our loader failed: {result['failed']}")
        if result["rows"] != rows:
            raise click.ClickException(f"our loader loaded {result['rows']} rows of {rows}")
        runs.append(result)
    best = min(runs, key=lambda r: r["wall"])
    names = ["first load"] + ["reload"] * (LOADER_RUNS - 1)
    table.add(f"our loader, CLI total incl. CKAN start-up (best of {LOADER_RUNS}: "
              + ", ".join(f"{n} {r['wall']:.1f} s" for n, r in zip(names, runs)) + ")",
              best["wall"], rows, best["rss"])
    for name, run in zip(names, runs):
        s = run["seconds"]
        table.add(f"our loader, in-loader, {name}: copy {s['copy']:.1f} + types {s['types']:.1f} "
                  f"+ replace {s['replace']:.1f}", sum(s.values()), rows)


def measure_stock(ini: pathlib.Path, resource_id: str, path: pathlib.Path, table: Table) -> bool:
    """True when every row was loaded (the table can then be searched)."""
    log = VAR / "stock.log"
    wall, rss, status = timed_run(child_command("stock", str(ini), resource_id, str(path)), log)
    result = child_result("stock", log, status)
    rows, total, seconds = result["rows"], result["total"], result["seconds"]
    what = (f"stock CKAN: datastore_create + datastore_upsert (insert, {BATCH:,}-row batches, "
            "in-process)")
    if rows < total:
        projected = seconds * total / rows
        table.add(f"{what}, EXTRAPOLATED to {total:,} rows from {rows:,} rows in {seconds:.1f} s",
                  projected, total, rss)
    else:
        table.add(what, seconds, rows, rss)
    table.add(f"  same, process wall incl. CKAN start-up ({rows:,} rows loaded)", wall)
    return rows == total


def measure_big(ini: pathlib.Path, resource_id: str, rows: int, size: int,
                table: Table) -> str | None:
    """The error text when the load failed."""
    result = load_with_cli(ini, resource_id, VAR / "load-big.log")
    what = f"our loader, {size / 1e9:.2f} GB CSV ({rows:,} rows), CLI total"
    if "failed" in result:
        table.add(f"{what}: FAILED (see below)", result["wall"], None, result["rss"])
        return result["failed"]
    s = result["seconds"]
    table.add(what, result["wall"], result["rows"], result["rss"])
    table.add(f"  same, in-loader: copy {s['copy']:.1f} + types {s['types']:.1f} "
              f"+ replace {s['replace']:.1f}", sum(s.values()), result["rows"])
    return None


def search_times(session: requests.Session, url: str, resource_id: str, kecamatan: list[str],
                 n: int) -> list[float]:
    def get(i: int) -> float:
        params = {"resource_id": resource_id, "limit": 100, "sort": "nilai desc",
                  "filters": json.dumps({"kecamatan": kecamatan[i % len(kecamatan)]})}
        started = time.perf_counter()
        res = session.get(f"{url}/api/3/action/datastore_search", params=params, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if res.status_code != 200 or not res.json()["result"]["records"]:
            raise click.ClickException(f"datastore_search: HTTP {res.status_code} {res.text[:300]}")
        return elapsed

    for i in range(WARM_UP):
        get(i)
    return [get(i) for i in range(n)]


def datatables_form(draw: int) -> dict[str, str]:
    """The first page's POST as datatablesview.js sends it (serverSide, order on _id, no search)."""
    form = {"draw": str(draw), "start": "0", "length": "10", "search[value]": "",
            "search[regex]": "false", "order[0][column]": "0", "order[0][dir]": "asc",
            "filters": ""}
    for i, name in enumerate(("_id", *COLUMNS)):
        form.update({f"columns[{i}][data]": name, f"columns[{i}][name]": "" if i == 0 else name,
                     f"columns[{i}][searchable]": "false" if i == 0 else "true",
                     f"columns[{i}][orderable]": "true", f"columns[{i}][search][value]": "",
                     f"columns[{i}][search][regex]": "false"})
    return form


def datatables_times(session: requests.Session, url: str, view: dict, resource_id: str,
                     n: int) -> list[float]:
    # the view page (the iframe) gives the session its CSRF token, as in the browser
    page = session.get(
        f"{url}/dataset/{view['package_id']}/resource/{resource_id}/view/{view['id']}", timeout=60)
    token = re.search(r'<meta name="_csrf_token" content="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise click.ClickException(f"DataTables view page: HTTP {page.status_code}, no CSRF token")
    headers = {"X-CSRF-Token": token.group(1), "X-Requested-With": "XMLHttpRequest"}

    def post(draw: int) -> float:
        started = time.perf_counter()
        res = session.post(f"{url}/datatables/ajax/{view['id']}", data=datatables_form(draw),
                           headers=headers, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if res.status_code != 200 or len(res.json().get("data", [])) != 10:
            raise click.ClickException(f"DataTables AJAX: HTTP {res.status_code} {res.text[:300]}")
        return elapsed

    for i in range(WARM_UP):
        post(i + 1)
    return [post(WARM_UP + i + 1) for i in range(n)]


def latency(values: list[float]) -> str:
    return f"p50 {pct(values, 50):.0f} ms / p95 {pct(values, 95):.0f} ms"


def machine() -> str:
    meminfo = pathlib.Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    version = psql("postgres", "SHOW server_version")
    settings = psql("postgres", "SELECT string_agg(name || '=' || current_setting(name), ', ') "
                                "FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                                "'maintenance_work_mem', 'max_wal_size')")
    return (f"Machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {mem_kb / 2**20:.1f} GiB RAM; "
            f"PostgreSQL {version} ({settings}).")


@click.command()
@click.option("--rows", default=1_000_000, show_default=True, help="rows of the main CSV")
@click.option("--big-rows", default=15_000_000, show_default=True,
              help="rows of the big CSV (about 1 GB)")
@click.option("--big/--no-big", default=True, show_default=True, help="load the big CSV (step 5)")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers of the portal")
def main(rows: int, big_rows: int, big: bool, workers: int) -> None:
    began = time.time()
    # a TERM (e.g. from `timeout`) still stops our Solr node and portal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    VAR.mkdir(parents=True, exist_ok=True)
    data = csv_for(rows)
    big_data = csv_for(big_rows) if big else None

    solr = SolrNode(VAR / "solr", "ds")
    solr.log_path = VAR / "solr.log"
    ini = write_ini(VAR / "bench.ini", ROOT / "config" / "ckan.ini", **{
        "sqlalchemy.url": f"postgresql://ckan:ckan@127.0.0.1:5433/{DB}",
        "ckan.datastore.write_url": f"postgresql://ckan:ckan@127.0.0.1:5433/{STORE_DB}",
        "ckan.datastore.read_url":
            f"postgresql://datastore_ro:datastore_ro@127.0.0.1:5433/{STORE_DB}",
        "solr_url": f"http://127.0.0.1:{solr.port}/solr/ds", "ckan.redis.url": REDIS,
        "ckan.storage_path": str(VAR / "storage"), "ckan.site_url": "http://127.0.0.1:5000",
        "debug": "false", "ckan.max_resource_size": "2048",
        "ckanext.tangerang.satudata.tables.auto_load": "false"})
    table = Table()
    notes: list[str] = []
    big_error = None
    portal: Portal | None = None
    solr.start()
    try:
        click.echo("... setup", err=True)
        setup(ini)
        shutil.rmtree(VAR / "storage", ignore_errors=True)  # the last run's uploads
        files = {"ours": str(data), "stock": str(data)}
        if big_data:
            files["big"] = str(big_data)
        click.echo("... dataset and uploads", err=True)
        ids = run_child("setup", str(ini), json.dumps(files))

        click.echo("... 1. psql \\copy", err=True)
        measure_copy(data, rows, table)
        click.echo("... 2. our loader", err=True)
        measure_loader(ini, ids["ours"], rows, table)
        click.echo("... 3. stock datastore_upsert", err=True)
        stock_complete = measure_stock(ini, ids["stock"], data, table)
        table.add("ckanext-xloader: not installable beside CKAN 2.12's pins (certifi, idna, "
                  "urllib3; docs/tables.md), not measured", text="n/a")
        if big_data:
            click.echo(f"... 5. our loader, {big_rows:,} rows", err=True)
            big_error = measure_big(ini, ids["big"], big_rows, big_data.stat().st_size, table)
            notes.append("Peak RSS is the CLI process's own (/usr/bin/time %M); PostgreSQL's work "
                         "(COPY parsing, casts, sorting for the indexes) runs in its server "
                         "processes and is not in it.")

        click.echo("... vacuum", err=True)
        started = time.perf_counter()
        # autovacuum would otherwise vacuum the tables just loaded during the searches (the big
        # one for minutes), sharing the CPUs and the disk with them
        psql(STORE_DB, "VACUUM (ANALYZE)")
        notes.append(f"Before the searches: VACUUM (ANALYZE) of the DataStore database "
                     f"({time.perf_counter() - started:.0f} s), so that autovacuum does not run "
                     "during them.")
        click.echo("... 6. search through the portal", err=True)
        view = run_child("view", str(ini), ids["ours"])
        portal = Portal(ini, workers=workers)
        portal.log_path = VAR / "web.log"
        portal.start()
        kecamatan = list(kelurahan_codes())
        session = requests.Session()
        what = (f"datastore_search kecamatan filter, sort nilai desc, limit 100 "
                f"({SEARCH_REQUESTS} req, one client)")
        table.add(f"{what}, our table", text=latency(
            search_times(session, portal.url, ids["ours"], kecamatan, SEARCH_REQUESTS)))
        if stock_complete:
            table.add(f"{what}, stock-loaded table", text=latency(
                search_times(session, portal.url, ids["stock"], kecamatan, SEARCH_REQUESTS)))
        else:
            table.add(f"{what}, stock-loaded table: not fully loaded, not measured", text="-")
        times = datatables_times(session, portal.url, view, ids["ours"], TABLE_REQUESTS)
        table.add(f"DataTables view, first page (POST /datatables/ajax, length 10, "
                  f"{TABLE_REQUESTS} req), our table", text=latency(times))
    finally:
        if portal is not None:
            portal.close()
        solr.proc.terminate()
        solr.proc.wait(timeout=60)

    click.echo()
    click.echo(f"DataStore loaders: {rows:,} rows x {len(COLUMNS)} columns, "
               f"{data.stat().st_size / 2**20:.1f} MiB CSV ({data.name}); one run, same machine")
    click.echo()
    table.print()
    click.echo()
    click.echo("rows/s = rows / seconds; vs COPY = seconds / the psql \\copy baseline's. Search "
               f"rows give latency in ms after {WARM_UP} warm-up requests, from one client to "
               f"gunicorn ({workers} workers).")
    for note in notes:
        click.echo(note)
    click.echo(machine())
    if big_error:
        click.echo(f"\nThe big load failed:\n{big_error}")
    click.echo(f"Wall time of this run: {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
