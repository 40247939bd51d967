"""Satu Data's overhead on search and the dataset page, against stock CKAN 2.12 in the same run.

    .venv/bin/python benchmarks/satudata_bench.py --datasets 10000 [--requests 300]

Setup (idempotent, next to the shared services, never instead of them):
- databases ckan_bench_sd (ours) and ckan_bench_sd_stock on the shared PostgreSQL, created as the
  postgres superuser like scripts/stack.sh does; the stock database is a copy (TEMPLATE) of ours,
  so both portals serve the same rows;
- its own Solr node (tests/ops/ops_services.SolrNode, home var/bench-satudata/solr) with the cores
  sd and sd_stock from config/solr/ckan/conf;
- ours.ini = config/ckan.ini (our plugins, the Satu Data schema, DCAT) on ckan_bench_sd / core sd;
  stock.ini = the same CKAN with stock plugins only (activity text_view image_view) on
  ckan_bench_sd_stock / core sd_stock;
- the catalogue comes from benchmarks/generate_catalogue.py (every field of the Satu Data standard
  when the schema is active), each portal's index from `ckan search-index rebuild`.

Both portals run under gunicorn (2 workers) at the same time; one client sends the same requests
to both, alternating, so both see the same machine load. Printed: one table of p50/p95 (ms) per
request kind and our overhead.
"""
from __future__ import annotations

import random
import signal
import statistics
import subprocess
import sys
import time
import pathlib

import click
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "ops")]
from ops_services import Portal, SolrNode, ckan_cli, write_ini  # noqa: E402

VAR = ROOT / "var" / "bench-satudata"
PG = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-p", "5433", "-v", "ON_ERROR_STOP=1"]
DB, STOCK_DB = "ckan_bench_sd", "ckan_bench_sd_stock"
STOCK_PLUGINS = "activity text_view image_view"
REDIS = "redis://127.0.0.1:6379/7"
QUERIES = ["penduduk", "puskesmas", "sekolah", "sampah banjir", "kecamatan cipondoh", "umkm",
           "jalan", "guru", "posyandu", "pendapatan daerah"]
FACETS = '["organization","groups","tags","res_format","license_id"]'


def psql(db: str, sql: str) -> str:
    return subprocess.run([*PG, "-d", db, "-c", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def ensure_database(name: str) -> bool:
    if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname='{name}'"):
        return False
    psql("postgres", f"CREATE DATABASE {name} OWNER ckan ENCODING 'UTF8' TEMPLATE template0")
    return True


def count(db: str) -> int:
    return int(psql(db, "SELECT count(*) FROM package WHERE state='active'") or 0)


def requests_for(names: list[str], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, path) pairs: text search with the search page's facets, and the dataset page."""
    out = []
    for i in range(n):
        q = rng.choice(QUERIES)
        out.append(("package_search (text + facets)",
                    f"/api/3/action/package_search?q={q}&rows=20&facet.field={FACETS}"))
        out.append(("package_search (all, page 2)",
                    f"/api/3/action/package_search?rows=20&start=20&facet.field={FACETS}"))
        out.append(("dataset page", f"/dataset/{rng.choice(names)}"))
    return out


def run(portals: dict[str, Portal], plan: list[tuple[str, str]]) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {label: {} for label in portals}
    sessions = {label: requests.Session() for label in portals}
    with click.progressbar(plan, label="requests (both portals)") as items:
        for i, (kind, path) in enumerate(items):
            # alternate which portal goes first, so neither always gets a warm cache
            order = list(portals) if i % 2 == 0 else list(reversed(portals))
            for label in order:
                start = time.perf_counter()
                res = sessions[label].get(portals[label].url + path, timeout=60)
                elapsed = (time.perf_counter() - start) * 1000
                if res.status_code != 200:
                    raise SystemExit(f"{label} {path}: HTTP {res.status_code}")
                times[label].setdefault(kind, []).append(elapsed)
    return times


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


@click.command()
@click.option("--datasets", default=10_000, show_default=True)
@click.option("--requests", "n_requests", default=300, show_default=True,
              help="requests of each kind per portal")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers per portal")
@click.option("--jobs", default=2, show_default=True, help="loader processes of the generator")
def main(datasets: int, n_requests: int, workers: int, jobs: int) -> None:
    # a TERM (e.g. from `timeout`) still stops our Solr node and portals
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    VAR.mkdir(parents=True, exist_ok=True)
    base = str(ROOT / "config" / "ckan.ini")
    common = {"ckan.redis.url": REDIS, "ckan.storage_path": str(VAR / "storage"), "debug": "false",
              "ckan.site_url": "http://127.0.0.1:5000"}
    solr = SolrNode(VAR / "solr", "sd", "sd_stock", heap="1g")
    solr.log_path = VAR / "solr.log"
    created = ensure_database(DB)
    solr.start()
    core = f"http://127.0.0.1:{solr.port}/solr"
    ours_ini = write_ini(VAR / "ours.ini", base, **common, **{
        "sqlalchemy.url": f"postgresql://ckan:ckan@127.0.0.1:5433/{DB}", "solr_url": f"{core}/sd"})
    stock_ini = write_ini(VAR / "stock.ini", base, **common, **{
        "sqlalchemy.url": f"postgresql://ckan:ckan@127.0.0.1:5433/{STOCK_DB}",
        "solr_url": f"{core}/sd_stock", "ckan.plugins": STOCK_PLUGINS})
    portals: dict[str, Portal] = {}
    try:
        if created:
            ckan_cli(ours_ini, "db", "init", timeout=600)
        if count(DB) < datasets:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_catalogue.py"),
                            "-c", str(ours_ini), "--datasets", str(datasets), "--jobs", str(jobs)],
                           check=True)
        n = count(DB)
        if not psql("postgres", f"SELECT 1 FROM pg_database WHERE datname='{STOCK_DB}'") \
                or count(STOCK_DB) != n:
            psql("postgres", f"DROP DATABASE IF EXISTS {STOCK_DB}")
            psql("postgres", f"CREATE DATABASE {STOCK_DB} OWNER ckan TEMPLATE {DB}")
        for label, ini in (("ours", ours_ini), ("stock", stock_ini)):
            click.echo(f"... indexing {n} datasets ({label})", err=True)
            ckan_cli(ini, "search-index", "rebuild", "-o", timeout=7200)
        names = psql(DB, "SELECT name FROM package WHERE state='active' AND private=false "
                         "ORDER BY md5(name) LIMIT 500").split()
        for label, ini in (("ours", ours_ini), ("stock", stock_ini)):
            portal = Portal(ini, workers=workers)
            portal.log_path = VAR / f"web-{label}.log"
            portal.start()
            portals[label] = portal
        rng = random.Random(3)
        run(portals, requests_for(names, 100, rng))  # warm-up: templates, Solr caches, the JIT of a fresh Solr
        times = run(portals, requests_for(names, n_requests, rng))
    finally:
        for portal in portals.values():
            portal.close()
        solr.proc.terminate()
        solr.proc.wait(timeout=60)

    print()
    print(f"Satu Data vs stock CKAN 2.12: {n} datasets, {n_requests} requests per kind and portal, "
          f"one client, gunicorn {workers} workers each")
    print(f"{'request':<32} {'ours p50':>9} {'stock p50':>10} {'Δ p50':>7} "
          f"{'ours p95':>9} {'stock p95':>10} {'Δ p95':>7}")
    for kind in times["ours"]:
        o, s = times["ours"][kind], times["stock"][kind]
        o50, s50, o95, s95 = pct(o, 50), pct(s, 50), pct(o, 95), pct(s, 95)
        print(f"{kind:<32} {o50:9.1f} {s50:10.1f} {100 * (o50 / s50 - 1):+6.0f}% "
              f"{o95:9.1f} {s95:10.1f} {100 * (o95 / s95 - 1):+6.0f}%")


if __name__ == "__main__":
    main()
