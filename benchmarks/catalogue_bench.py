"""The catalogue at city scale, measured against stock CKAN 2.12 in the same run.

    .venv/bin/python benchmarks/catalogue_bench.py --datasets 100000 [--created 10000] [--duration 10] [--reindex both]

Sets up, next to (never instead of) the shared services: databases ckan_bench and
ckan_bench_stock on the shared PostgreSQL, its own Solr node (cores bench and bench_stock, home in
var/bench/solr), then fills ckan_bench with benchmarks/generate_catalogue.py (resumable; the first --created
datasets through package_create, the rest as SQL copies of them) and copies
it to ckan_bench_stock, so both portals serve the same data. Stock CKAN is the same CKAN with stock
plugins only (activity text_view image_view). It times a full reindex of each, runs each portal under
gunicorn (2 workers, as scripts/stack.sh) and drives it with wrk: package_search (text, facets,
spatial bbox), package_show, the dataset page and the home page, latency at p50/p95/p99 with one
client and throughput with 1 and 32 clients. The full reindex of ours is ``ckan tangerang
search-index rebuild`` (bulk, one process per CPU); stock runs CKAN's own indexing in
--reindex-procs processes (``ckan search-index rebuild`` is one process); their peak RSS is reported. Then it prints one table, with the RSS of the web
workers and of Solr. Needs wrk (Makefile APT_PACKAGES).
"""
from __future__ import annotations

import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import click

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "ops")]
from ops_services import Portal, SolrNode, ckan_cli, write_ini  # noqa: E402

VAR = ROOT / "var" / "bench"
PG = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-p", "5433", "-v", "ON_ERROR_STOP=1"]
DB, STOCK_DB, PETA_DB = "ckan_bench", "ckan_bench_stock", "ckan_peta_bench"
STOCK_PLUGINS = "activity text_view image_view"
REDIS = "redis://127.0.0.1:6379/6"
BBOX = (106.58, -6.27, 106.76, -6.10)  # replaced by the city profile's at run time
WORDS = ["penduduk", "puskesmas", "sekolah", "sampah", "banjir", "umkm", "jalan", "guru",
         "posyandu", "wisatawan", "kendaraan", "pendapatan", "kelahiran", "cisadane", "bantuan",
         "kecamatan", "tahunan", "anggaran", "kinerja", "pertanian"]

WRK_SCRIPT = r"""
local paths, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50":%d,"p95":%d,"p99":%d,"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d}\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


# one reindex process: CKAN's own indexing (search.rebuild) of the dataset ids in a file
INDEX_CHUNK = """
import sys
from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app
app = make_app(CKANConfigLoader(sys.argv[1]).get_config())
from ckan.lib import search
ids = open(sys.argv[2]).read().split()
with app._wsgi_app.test_request_context():
    search.rebuild(package_ids=ids, defer_commit=True, quiet=True)
    search.commit()
"""


def reindex_catalogue(ini: pathlib.Path, db: str, procs: int, core_url: str, label: str) -> float:
    """A full reindex; returns the peak RSS (MB) of all its processes together. Ours is
    ``ckan tangerang search-index rebuild`` (bulk reads, batched adds, one process per CPU);
    stock is CKAN's own indexing split over `procs` processes (`ckan search-index rebuild` is one
    process; it is CPU-bound, so it scales with cores). The progress bar counts the documents
    Solr has indexed since the start."""
    ids = psql(db, "SELECT id FROM package WHERE state='active' AND type='dataset'").split()
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    workers = []
    if label == "ours":
        err = open(VAR / "reindex-ours.err", "w+")
        workers.append((subprocess.Popen([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ini), "tangerang",
                                          "search-index", "rebuild"],
                                         stdout=subprocess.DEVNULL, stderr=err), err))
    else:
        for i in range(procs):
            chunk = VAR / f"ids-{i}.txt"
            chunk.write_text("\n".join(ids[i::procs]))
            err = open(VAR / f"reindex-{i}.err", "w+")
            workers.append((subprocess.Popen([sys.executable, "-c", INDEX_CHUNK, str(ini), str(chunk)],
                                             stdout=subprocess.DEVNULL, stderr=err), err))
    query = urllib.parse.urlencode({"q": f"indexed_ts:[{since} TO *]", "rows": 0, "wt": "json"})
    peak, polled = 0.0, 0.0
    with click.progressbar(length=len(ids), label=f"reindex ({label})", file=sys.stderr) as bar:
        while any(w.poll() is None for w, _ in workers):
            time.sleep(0.5)
            pids = [w.pid for w, _ in workers]
            peak = max(peak, sum(rss_mb(pid) + sum(rss_mb(c) for c in children(pid)) for pid in pids))
            if time.time() - polled < 5:
                continue
            polled = time.time()
            try:
                with urllib.request.urlopen(f"{core_url}/select?{query}", timeout=10) as r:
                    bar.update(json.load(r)["response"]["numFound"] - bar.pos)
            except OSError:
                pass  # Solr busy: the next poll tells
    for w, err in workers:
        if w.returncode:
            err.seek(0)
            raise click.ClickException(f"reindex failed: {err.read()[-2000:]}")
    return peak


def psql(db: str, sql: str) -> str:
    return subprocess.run([*PG, "-d", db, "-tAc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def ensure_database(name: str, postgis: bool = False) -> bool:
    """Creates the database when missing; True if it was created."""
    if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname='{name}'") == "1":
        return False
    psql("postgres", f"CREATE DATABASE {name} OWNER ckan ENCODING 'UTF8' TEMPLATE template0")
    if postgis:
        psql(name, "CREATE EXTENSION IF NOT EXISTS postgis")
    return True


def count(db: str) -> int:
    try:
        return int(psql(db, "SELECT count(*) FROM package WHERE state='active' AND type='dataset'"))
    except subprocess.CalledProcessError:
        return -1


def _proc_mb(pid: int, name: str, key: str) -> float:
    try:
        for line in pathlib.Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmRSS:")


def pss_mb(pid: int) -> float:
    """Proportional set size: a page shared by n processes (a library's code) counts 1/n in each,
    so a sum over processes counts it once, where a sum of RSS counts it in every process."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def build_paths(names: list[str], bbox, rng: random.Random) -> dict[str, list[str]]:
    minx, miny, maxx, maxy = bbox
    q = urllib.parse.quote
    facets = q(json.dumps(["organization", "tags", "res_format", "license_id"]))
    boxes = []
    for _ in range(100):
        w, h = rng.uniform(0.01, 0.06), rng.uniform(0.01, 0.06)
        x, y = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
        boxes.append(f"{x:.4f},{y:.4f},{x + w:.4f},{y + h:.4f}")
    return {
        "search: text": [f"/api/3/action/package_search?q={w}" for w in WORDS],
        "search: facets": [f"/api/3/action/package_search?q={w}&facet.field={facets}&facet.limit=50"
                           f"&rows=20" for w in WORDS],
        "search: spatial bbox": [f"/api/3/action/package_search?ext_bbox={b}" for b in boxes],
        "package_show": [f"/api/3/action/package_show?id={n}" for n in names],
        "dataset page": [f"/dataset/{n}" for n in names],
        "home page": ["/"],
    }


def wrk(url: str, paths: list[str], clients: int, duration: int) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    script, path_file = VAR / "paths.lua", VAR / "paths.txt"
    script.write_text(WRK_SCRIPT)
    path_file.write_text("\n".join(paths) + "\n")
    threads = min(clients, 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s",
                          "--timeout", "30s", "-s", str(script), url, "--", str(path_file)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["non2xx"] + result["socket_errors"]
    return result


def portal_rss(portal: Portal, measure=rss_mb) -> float:
    return sum(measure(pid) for pid in children(portal.proc.pid)) + measure(portal.proc.pid)


def median_run(runs: list[dict]) -> dict:
    """One client's latency over alternating rounds: each figure's median (a round disturbed by
    the machine, a Solr merge or the other portal's idle work, does not decide it), errors summed."""
    out = {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in ("p50", "p95", "p99", "rps")}
    out["errors"] = sum(r["errors"] for r in runs)
    return out


def bench_solr(name: str) -> SolrNode:
    """The benchmark's own Solr node: cores NAME and NAME_stock, home in var/bench/solr."""
    solr = SolrNode(VAR / "solr", name, f"{name}_stock", heap="1g")
    solr.log_path = VAR / "solr.log"
    return solr


def stop_solr(solr: SolrNode) -> None:
    solr.proc.terminate()  # a clean shutdown: the index is kept for the next run
    solr.proc.wait(timeout=60)


def write_inis(name: str, core_url: str, suffix: str = "") -> dict[str, pathlib.Path]:
    """Ours and stock CKAN's inis: databases ckan_NAME and ckan_NAME_stock, cores NAME and
    NAME_stock of the Solr at `core_url`."""
    base = ROOT / "config" / "ckan.ini"
    common = {"ckan.redis.url": REDIS, "ckan.storage_path": str(VAR / "storage"),
              "ckan.site_url": "http://127.0.0.1:5000", "debug": "false",
              "ckanext.tangerang.satupeta.sqlalchemy.url":
                  f"postgresql://ckan:ckan@127.0.0.1:5433/{PETA_DB}"}
    inis = {}
    for label, tail, extra in (("ours", "", {}), ("stock", "_stock", {"ckan.plugins": STOCK_PLUGINS})):
        inis[label] = write_ini(VAR / f"{name}{suffix}{tail}.ini", base, **common, **{
            "sqlalchemy.url": f"postgresql://ckan:ckan@127.0.0.1:5433/ckan_{name}{tail}",
            "solr_url": f"{core_url}/{name}{tail}", **extra})
    return inis


def sample_names(db: str) -> list[str]:
    """300 public datasets, the same ones in every run."""
    return psql(db, "SELECT name FROM package WHERE state='active' AND private=false "
                    "ORDER BY md5(name) LIMIT 300").split()


@click.command()
@click.option("--datasets", default=10_000, show_default=True)
@click.option("--duration", default=10, show_default=True, help="seconds per wrk run")
@click.option("--rounds", default=3, show_default=True,
              help="one-client runs per endpoint and portal, alternating portals; medians reported")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers per portal")
@click.option("--reindex", "which", type=click.Choice(["both", "ours", "stock", "none"]), default="both",
              show_default=True, help="which portal's full reindex to run and time (the other "
              "keeps its index, e.g. after a schema change that only concerns ours)")
@click.option("--jobs", default=2, show_default=True, help="loader processes of the generator")
@click.option("--created", default=10_000, show_default=True,
              help="datasets made through package_create; the others are copies of them")
@click.option("--reindex-procs", default=4, show_default=True, help="processes of the full reindex")
@click.option("--name", default="bench", show_default=True,
              help="databases ckan_NAME and ckan_NAME_stock, Solr cores NAME and NAME_stock")
def main(datasets: int, duration: int, rounds: int, workers: int, which: str, jobs: int,
         created: int, reindex_procs: int, name: str) -> None:
    global DB, STOCK_DB
    DB, STOCK_DB = f"ckan_{name}", f"ckan_{name}_stock"
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (it is in the Makefile's APT_PACKAGES)")
    VAR.mkdir(parents=True, exist_ok=True)
    solr = bench_solr(name)
    fresh = ensure_database(DB)
    ensure_database(PETA_DB, postgis=True)
    click.echo(f"... own Solr on :{solr.port}", err=True)
    solr.start()
    core_url = f"http://127.0.0.1:{solr.port}/solr"
    inis = write_inis(name, core_url)
    ours_ini, stock_ini = inis["ours"], inis["stock"]
    portals = []
    try:
        if fresh or count(DB) < 0:
            ckan_cli(ours_ini, "db", "init")
            ckan_cli(ours_ini, "db", "upgrade")
        ckan_cli(ours_ini, "tangerang", "satupeta", "store-upgrade")  # the layer tables (idempotent)
        if count(DB) < datasets:
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_catalogue.py"),
                            "-c", str(ours_ini), "--datasets", str(datasets), "--jobs", str(jobs),
                            "--copies-from", str(created)],
                           check=True)
        n = count(DB)
        if count(STOCK_DB) != n:
            # the same rows for stock CKAN (our plugins' own tables are simply unused there)
            psql("postgres", f"DROP DATABASE IF EXISTS {STOCK_DB}")
            psql("postgres", f"CREATE DATABASE {STOCK_DB} OWNER ckan TEMPLATE {DB}")
        reindex, reindex_rss = {}, {}
        for label, ini in (("ours", ours_ini), ("stock", stock_ini)):
            if which not in ("both", label):
                reindex[label] = reindex_rss[label] = None
                continue
            db = DB if label == "ours" else STOCK_DB
            core = f"{core_url}/{name}" + ("_stock" if label == "stock" else "")
            started = time.time()
            click.echo(f"... full reindex ({label})", err=True)
            reindex_rss[label] = reindex_catalogue(ini, db, reindex_procs, core, label)
            reindex[label] = time.time() - started
            # the index answers the same: one query, counted in both cores
            with urllib.request.urlopen(f"{core}/select?q=*:*&rows=0&wt=json", timeout=30) as r:
                click.echo(f"    {label}: {json.load(r)['response']['numFound']} documents", err=True)

        import ckan  # noqa: F401  (CKAN's version for the table)
        from ckanext.tangerang import city
        bbox = city.load("tangerang").bbox
        names = sample_names(DB)
        paths = build_paths(names, bbox, random.Random(1))
        # both portals run side by side and are measured in turns, endpoint by endpoint, so
        # that a change in the machine's load hits both alike
        running = {}
        for label, ini in inis.items():
            portal = Portal(ini, workers=workers)
            portal.log_path = VAR / f"web-{label}.log"
            portal.start()
            portals.append(portal)
            running[label] = portal
        results = {"ours": {}, "stock": {}}
        for endpoint, plist in paths.items():
            # stock CKAN has no spatial search
            labels = [label for label in running if not (label == "stock" and endpoint == "search: spatial bbox")]
            for label in labels:
                click.echo(f"... {label} {endpoint}", err=True)
                wrk(running[label].url, plist, 2, 3)  # warm-up
            runs: dict[str, list[dict]] = {label: [] for label in labels}
            for r in range(rounds):
                for label in (labels if r % 2 == 0 else labels[::-1]):
                    runs[label].append(wrk(running[label].url, plist, 1, duration))
            for label in labels:
                results[label][endpoint] = {"c1": median_run(runs[label])}
            for label in labels:
                results[label][endpoint]["c32"] = wrk(running[label].url, plist, 32, duration)
        rss = {label: portal_rss(portal) for label, portal in running.items()}
        pss = {label: portal_rss(portal, pss_mb) for label, portal in running.items()}
        solr_rss = rss_mb(solr.proc.pid)
    finally:
        for portal in portals:
            portal.close()
        stop_solr(solr)

    print_table(n, results, reindex, reindex_rss, rss, pss, solr_rss, workers, duration, rounds,
                reindex_procs)


def _fmt_ms(us: int) -> str:
    return f"{us / 1000:.1f}" if us < 10_000 else f"{us / 1000:.0f}"


def print_table(n, results, reindex, reindex_rss, rss, pss, solr_rss, workers, duration, rounds,
                reindex_procs) -> None:
    ours, stock = results["ours"], results["stock"]
    print()
    print(f"Catalogue benchmark: {n} datasets, gunicorn {workers} workers, wrk {duration}s per run, "
          f"1 client: median of {rounds} alternating runs, {os.cpu_count()} CPUs")
    head = (f"{'':22} {'ours p50/p95/p99 ms':>20} {'stock p50/p95/p99 ms':>21} "
            f"{'ours req/s 1|32':>16} {'stock req/s 1|32':>17} {'overhead p95':>12} {'errors':>7}")
    print(head)
    print("-" * len(head))
    for name, r in ours.items():
        s = stock.get(name)
        lat = "/".join(_fmt_ms(r["c1"][k]) for k in ("p50", "p95", "p99"))
        slat = "/".join(_fmt_ms(s["c1"][k]) for k in ("p50", "p95", "p99")) if s else "n/a"
        rps = f"{r['c1']['rps']:.1f}|{r['c32']['rps']:.1f}"
        srps = f"{s['c1']['rps']:.1f}|{s['c32']['rps']:.1f}" if s else "n/a"
        over = (f"{(r['c1']['p95'] / s['c1']['p95'] - 1) * 100:+.0f}%"
                if s and s["c1"]["p95"] and r["c1"]["p95"] else "n/a")
        errors = r["c1"]["errors"] + r["c32"]["errors"]
        serrors = (s["c1"]["errors"] + s["c32"]["errors"]) if s else 0
        print(f"{name:22} {lat:>20} {slat:>21} {rps:>16} {srps:>17} {over:>12} "
              f"{errors:>3}|{serrors:<3}")
    fmt = lambda v: f"{v:.0f} s" if v is not None else "skipped"  # noqa: E731
    mb = lambda v: f"{v:.0f} MB" if v is not None else "skipped"  # noqa: E731
    print(f"{'full reindex':22} {fmt(reindex['ours']) + ' (bulk)':>20} "
          f"{fmt(reindex['stock']) + f' ({reindex_procs} procs)':>21}")
    print(f"{'RSS reindex (peak)':22} {mb(reindex_rss['ours']):>20} {mb(reindex_rss['stock']):>21}")
    print(f"{'RSS web (all procs)':22} {rss['ours']:>17.0f} MB {rss['stock']:>18.0f} MB")
    print(f"{'PSS web (all procs)':22} {pss['ours']:>17.0f} MB {pss['stock']:>18.0f} MB")
    print(f"{'RSS Solr (both cores)':22} {solr_rss:>17.0f} MB")
    print("Goals at 100,000 datasets: search p95 < 100 ms (1 client), >= 50 searches/s at 32 "
          "clients without errors, overhead < 10 % (#7); full reindex < 5 min, package_show "
          "within 5 % of stock at p95 (#17).")


if __name__ == "__main__":
    main()
