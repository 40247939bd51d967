"""Satu Peta against its peers, in one run, printed as one table.

1. Import of N polygons (1 % invalid) from GeoJSON into PostGIS: our importer (pyogrio + shapely +
   pyproj + COPY) against `ogr2ogr -f PostgreSQL -t_srs EPSG:4326 -makevalid` on the same file.
   (`-nlt GEOMETRY`: like ours, a generic geometry column, as -makevalid turns bow ties into
   MultiPolygons.)
2. OGC API - Features items per second (pages of 1,000 features; ~1 km bbox queries): our
   service (gunicorn, 2 workers) against tipg (its own venv, uvicorn, 2 workers) and pygeoapi (its
   own venv, gunicorn, 2 workers), all on the same PostGIS table.
3. Vector tiles per second at zooms 10 to 16 (200 tiles over the city per zoom): ours with the
   tile cache off (a second server, ckanext.tangerang.satupeta.tile_cache = false), ours with a
   warm cache (each tile fetched once first), tipg as shipped (it stops at 10,000 features per
   tile: the low zooms' tiles miss most features) and tipg with that limit lifted (the same
   features as ours).
   pygeoapi's tiles (its MVT-postgresql provider) take seconds each: measured at z14 only, with
   Python clients that wait for the answers in flight, over at least 20 s.
4. WMS GetMap per second (256 px PNGs in Web Mercator): the portal's /ows against MapServer's own
   CGI on the same mapfile (benchmarks/ows_bench.py).

Before each measure the bench waits until no query runs in the database (a client that gave up on a
slow server leaves its query running, which would slow the next measure).
5. Peak RSS of importing a big generated GeoJSON (streamed).

Load comes from wrk (4 connections, Makefile APT_PACKAGES), else from Python threads.

    .venv/bin/python benchmarks/satupeta_bench.py --ini /tmp/test-peta.ini \\
        --pygeoapi /tmp/pygeoapi-venv/bin --tipg /tmp/tipg-venv/bin [--features 100000] \\
        [--big-mb 1024] [--quick]

Peers' venvs: `python3 -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg==1.6.1
uvicorn`; `python3 -m venv /tmp/pygeoapi-venv && /tmp/pygeoapi-venv/bin/pip install pygeoapi
gunicorn psycopg2-binary sqlalchemy geoalchemy2 pygeofilter`.

It writes into the PostGIS database and the CKAN database of the ini (a dataset `satupeta-bench`):
use a test or scratch configuration, never the portal's.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent
BBOX = (106.55, -6.30, 106.75, -6.10)


def generate(path: pathlib.Path, n: int, invalid_every: int = 100) -> None:
    """n small squares over the city, every `invalid_every`-th one a bow tie."""
    rnd = random.Random(42)
    with open(path, "w") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for i in range(n):
            x = rnd.uniform(BBOX[0], BBOX[2] - 0.001)
            y = rnd.uniform(BBOX[1], BBOX[3] - 0.001)
            d = 0.0005
            if i % invalid_every == 0:
                ring = [[x, y], [x + d, y + d], [x + d, y], [x, y + d], [x, y]]
            else:
                ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
            feat = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"kode": f"B{i:07d}", "luas": round(rnd.uniform(10, 500), 2),
                                   "kecamatan": rnd.choice(["Cipondoh", "Pinang", "Karawaci"])}}
            f.write(("," if i else "") + json.dumps(feat) + "\n")
        f.write("]}\n")


def generate_big(path: pathlib.Path, megabytes: int) -> int:
    """Polygons with 40 vertices each until the file reaches `megabytes`."""
    rnd = random.Random(7)
    target = megabytes * 1024 * 1024
    n = 0
    with open(path, "w") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        while f.tell() < target:
            x = rnd.uniform(BBOX[0], BBOX[2] - 0.01)
            y = rnd.uniform(BBOX[1], BBOX[3] - 0.01)
            ring = [[round(x + 0.002 * (1 + (k % 2)) * math.cos(k / 20 * 3.14159), 7),
                     round(y + 0.002 * (1 + (k % 2)) * math.sin(k / 20 * 3.14159), 7)]
                    for k in range(40)]
            ring.append(ring[0])
            f.write(("," if n else "") + json.dumps({"type": "Feature", "geometry": {
                "type": "Polygon", "coordinates": [ring]}, "properties": {"n": n, "nama": f"Persil {n}"}}) + "\n")
            n += 1
        f.write("]}\n")
    return n


def load_ckan(ini: str):
    from ckan.cli import CKANConfigLoader
    from ckan.config.middleware import make_app

    make_app(CKANConfigLoader(ini).get_config())


def our_import(path: pathlib.Path, layer_id: str, package_id: str) -> tuple[float, dict]:
    from ckanext.tangerang.satupeta import ingest
    from ckanext.tangerang.satupeta import model as store

    started = time.perf_counter()
    report = ingest.Report()
    writer = store.LayerWriter(layer_id, str(uuid.uuid4()))
    try:
        for batch in ingest.read(path, "geojson", None, ingest.Limits(batch_size=20000), report=report):
            writer.write(batch.fids, batch.properties, batch.ewkb_hex)
        writer.commit(package_id, "Bench", report.source_crs, report.geometry_family, report.bbox,
                      report.fields, report.as_dict())
    except BaseException:
        writer.abort()
        raise
    return time.perf_counter() - started, report.as_dict()


def pg_conn_string(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} dbname={u.database} user={u.username} password={u.password}"


def ogr_import(path: pathlib.Path, url: str) -> float:
    started = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", f"PG:{pg_conn_string(url)}", str(path),
                    "-nln", "satupeta_bench_ogr", "-overwrite", "-t_srs", "EPSG:4326", "-makevalid",
                    "-lco", "GEOMETRY_NAME=geom", "-nlt", "GEOMETRY"], check=True, capture_output=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: int = 120) -> None:
    import requests

    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {url}")
        try:
            if requests.get(url, timeout=10).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server did not answer: {url}")


WRK_SCRIPT = r"""
local urls = {}
init = function(args)
  for line in io.lines(args[1]) do urls[#urls + 1] = line end
end
request = function()
  return wrk.format("GET", urls[math.random(#urls)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d}\n', summary.requests,
    summary.duration, e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def settle(url: str, most: float = 180) -> None:
    """Waits until no other query runs in the database: a client that gave up on a slow server
    leaves its query running, which would slow whatever is measured next."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    deadline = time.time() + most
    with engine.connect() as conn:
        while time.time() < deadline:
            busy = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()")).scalar()
            conn.rollback()  # a new transaction, a new snapshot of pg_stat_activity
            if not busy:
                break
            time.sleep(0.5)
    engine.dispose()


def hammer(urls: list[str], seconds: float, threads: int = 4) -> tuple[float, int]:
    """Successful requests per second over `seconds` with `threads` clients; and the failures."""
    if shutil.which("wrk"):
        return hammer_wrk(urls, seconds, threads)
    return hammer_python(urls, seconds, threads)


def hammer_wrk(urls: list[str], seconds: float, clients: int) -> tuple[float, int]:
    """wrk: a client in C, so the Python client's own CPU does not cap a fast server."""
    from urllib.parse import urlsplit

    with tempfile.TemporaryDirectory() as tmp:
        script, paths = pathlib.Path(tmp) / "urls.lua", pathlib.Path(tmp) / "urls.txt"
        script.write_text(WRK_SCRIPT)
        paths.write_text("\n".join(urlsplit(u)._replace(scheme="", netloc="").geturl() for u in urls) + "\n")
        base = urlsplit(urls[0])._replace(path="", query="").geturl()
        out = subprocess.run(["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
                              "--timeout", "120s", "-s", str(script), base, "--", str(paths)],
                             capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return (result["requests"] - result["errors"]) / (result["duration_us"] / 1e6), result["errors"]


def hammer_python(urls: list[str], seconds: float, threads: int = 4) -> tuple[float, int]:
    import requests

    done = [0]
    failed = [0]
    stop = time.time() + seconds
    lock = threading.Lock()

    def client(seed):
        rnd = random.Random(seed)
        s = requests.Session()
        while time.time() < stop:
            try:
                ok = s.get(rnd.choice(urls), timeout=120).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    done[0] += 1
                else:
                    failed[0] += 1

    started = time.time()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0] / (time.time() - started), failed[0]


def tile_urls(template: str, n: int = 200, z: int = 14) -> list[str]:
    rnd = random.Random(3)
    urls = []
    for _ in range(n):
        lon, lat = rnd.uniform(BBOX[0], BBOX[2]), rnd.uniform(BBOX[1], BBOX[3])
        x = int((lon + 180) / 360 * 2 ** z)
        r = math.radians(lat)
        y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2 ** z)
        urls.append(template.format(z=z, x=x, y=y))
    return urls


def pygeoapi_config(folder: pathlib.Path, port: int, url: str, table: str, mvt: bool) -> pathlib.Path:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    data = {"host": u.host, "port": u.port or 5432, "dbname": u.database, "user": u.username,
            "password": u.password, "search_path": ["public"]}
    # only the table's own columns (the tile columns geom_3857* are geometries, not properties)
    providers = [{"type": "feature", "name": "PostgreSQL", "data": data, "id_field": "fid",
                  "table": table, "geom_field": "geom", "properties": ["properties"]}]
    if mvt:
        providers.append({"type": "tile", "name": "MVT-postgresql", "data": data, "id_field": "fid",
                          "table": table, "geom_field": "geom", "properties": ["properties"],
                          "options": {"zoom": {"min": 0, "max": 20}},
                          "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"}})
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
                   "languages": ["en-US"], "limits": {"default_items": 10, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["x"],
                                        "keywords_type": "theme", "terms_of_service": "",
                                        "url": "http://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                     "provider": {"name": "x", "url": "http://example.org"},
                     "contact": {"name": "x", "url": "http://example.org", "email": "x@example.org"}},
        "resources": {"bench": {"type": "collection", "title": "bench", "description": "bench",
                                "keywords": ["x"], "links": [],
                                "extents": {"spatial": {"bbox": list(BBOX),
                                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                                "providers": providers}},
    }
    import yaml

    path = folder / "pygeoapi.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def peak_rss_import(ini: str, path: pathlib.Path, layer_id: str, package_id: str) -> tuple[float, float, int]:
    """Runs the import in a child process; its peak RSS (MB), seconds, and features written."""
    code = f"""
import sys, json, pathlib
sys.path.insert(0, {str(ROOT / 'benchmarks')!r})
import satupeta_bench as b
b.load_ckan({ini!r})
seconds, report = b.our_import(pathlib.Path({str(path)!r}), {layer_id!r}, {package_id!r})
print(json.dumps([seconds, report["features_written"]]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, written = json.loads(out.stdout.strip().splitlines()[-1])
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return rss_mb, seconds, written


def bench_dataset() -> tuple[str, str]:
    """A public CKAN dataset with one resource, so that our API serves the bench layer."""
    import ckan.plugins.toolkit as tk

    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})

    def ctx():
        return {"user": site["name"], "ignore_auth": True}

    try:
        pkg = tk.get_action("package_show")(ctx(), {"id": "satupeta-bench"})
    except tk.ObjectNotFound:
        orgs = tk.get_action("organization_list")(ctx(), {})
        org = orgs[0] if orgs else tk.get_action("organization_create")(ctx(), {"name": "satupeta-bench"})["name"]
        # with the Satu Data standard's required fields
        pkg = tk.get_action("package_create")(ctx(), {
            "name": "satupeta-bench", "title": "Satu Peta bench", "owner_org": org, "private": False,
            "notes": "Satu Peta bench", "urusan": "kesehatan", "frekuensi": "tahunan", "tahun": "2024",
            "satuan": "unit", "cakupan_wilayah": ["36.71"], "maintainer_email": "data@tangerangkota.go.id",
            "tingkat_akses": "terbuka"})
    if not pkg.get("resources"):
        tk.get_action("resource_create")(ctx(), {"package_id": pkg["id"], "name": "bench",
                                                 "url": "http://example.org/bench.geojson",
                                                 "format": "bench"})
        pkg = tk.get_action("package_show")(ctx(), {"id": pkg["id"]})
    return pkg["id"], pkg["resources"][0]["id"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ini", required=True)
    ap.add_argument("--features", type=int, default=100_000)
    ap.add_argument("--big-mb", type=int, default=1024, help="0: no big-file import")
    ap.add_argument("--seconds", type=float, default=None, help="per measure (default 15; 3 with --quick)")
    ap.add_argument("--pygeoapi", default="/tmp/pygeoapi-venv/bin", help="bin folder of pygeoapi's venv")
    ap.add_argument("--tipg", default="/tmp/tipg-venv/bin", help="bin folder of tipg's venv")
    ap.add_argument("--tiles-only", action="store_true", help="no items measures (tiles table only)")
    ap.add_argument("--min-zoom", type=int, default=10)
    ap.add_argument("--max-zoom", type=int, default=16)
    ap.add_argument("--quick", action="store_true",
                    help="a short run: 3 s per measure, no ogr2ogr import and no big-file import")
    ap.add_argument("--work", default=str(ROOT / "var" / "bench" / "satupeta"))
    args = ap.parse_args()
    if args.seconds is None:
        args.seconds = 3 if args.quick else 15
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = Rows()

    load_ckan(args.ini)
    import ckan.plugins.toolkit as tk
    from ckanext.tangerang.satupeta import storemigration
    from ckanext.tangerang.satupeta import model as store

    url = tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"]
    storemigration.upgrade(url)
    package_id, layer_id = bench_dataset()

    # 1. import
    src = work / f"polygons-{args.features}.geojson"
    if not src.exists():
        generate(src, args.features)
    size_mb = src.stat().st_size / 2 ** 20
    ours, report = our_import(src, layer_id, package_id)
    if args.quick:
        rows.append((f"import {args.features:,} polygons ({size_mb:.0f} MB GeoJSON), s",
                     f"{ours:.1f}", "", "(--quick: no ogr2ogr)", ""))
    else:
        theirs = ogr_import(src, url)
        rows.append((f"import {args.features:,} polygons ({size_mb:.0f} MB GeoJSON), s",
                     f"{ours:.1f}", f"{theirs:.1f}", "ogr2ogr -makevalid",
                     f"{theirs / ours:.2f}x ({report['repaired']} repaired)"))

    # 2. serving: our portal twice (tile cache on, off), pygeoapi, tipg twice (as shipped; with
    # its 10,000 features per tile lifted)
    table = store.get_layer(layer_id)["table_name"]
    logging = (ROOT / "config" / "test.ini").read_text().split("[loggers]", 1)[1]
    tile_cache = work / "tiles"
    shutil.rmtree(tile_cache, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    procs: list[subprocess.Popen] = []
    ports: dict[str, int] = {}

    def start(name: str, cmd: list[str], extra_env: dict[str, str]) -> None:
        ports[name] = port = free_port()
        cmd = [c.replace("{port}", str(port)) for c in cmd]
        procs.append(subprocess.Popen(cmd, env={**env, **extra_env}, stdout=open(work / f"{name}.log", "w"),
                                      stderr=subprocess.STDOUT))

    for name, cache_on in (("ours", True), ("ours-uncached", False)):
        ini = work / f"bench-{name}.ini"
        ini.write_text(f"[app:main]\nuse = config:{pathlib.Path(args.ini).resolve()}\n"
                       f"ckanext.tangerang.satupeta.tile_cache = {str(cache_on).lower()}\n"
                       f"ckanext.tangerang.satupeta.tile_cache_path = {tile_cache}\n\n[loggers]{logging}")
        start(name, [str(VENV_BIN / "gunicorn"), "ckanext.tangerang.wsgi:application", "--bind",
                     "127.0.0.1:{port}", "--workers", "2", "--timeout", "120"], {"CKAN_INI": str(ini)})
    pg_bin = pathlib.Path(args.pygeoapi)
    mvt = subprocess.run([str(pg_bin / "python"), "-c",
                          "import pygeoapi.provider.mvt_postgresql"], capture_output=True).returncode == 0
    ports["pygeoapi"] = free_port()
    cfg = pygeoapi_config(work, ports["pygeoapi"], url, table, mvt)
    subprocess.run([str(pg_bin / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file",
                    str(work / "pygeoapi-openapi.yml")], env={**env, "PYGEOAPI_CONFIG": str(cfg)},
                   capture_output=True, check=True)
    port = ports.pop("pygeoapi")
    start("pygeoapi", [str(pg_bin / "gunicorn"), "pygeoapi.flask_app:APP", "--bind", f"127.0.0.1:{port}",
                       "--workers", "2", "--timeout", "120"],
          {"PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(work / "pygeoapi-openapi.yml")})
    ports["pygeoapi"] = port
    tipg_bin = pathlib.Path(args.tipg)
    tipg_env = {"DATABASE_URL": url, "TIPG_DB_TABLES": json.dumps([f"public.{table}"]),
                "TIPG_DB_SPATIAL_EXTENT": "false", "TIPG_DB_DATETIME_EXTENT": "false"}
    for name, extra in (("tipg", {}), ("tipg-all", {"TIPG_MAX_FEATURES_PER_TILE": "10000000"})):
        start(name, [str(tipg_bin / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", "{port}",
                     "--workers", "2", "--log-level", "warning"], {**tipg_env, **extra})
    tiles_table: list[tuple] = []
    try:
        base = {"ours": f"http://127.0.0.1:{ports['ours']}/ogc/collections/{layer_id}",
                "ours-uncached": f"http://127.0.0.1:{ports['ours-uncached']}/ogc/collections/{layer_id}",
                "pygeoapi": f"http://127.0.0.1:{ports['pygeoapi']}/collections/bench",
                "tipg": f"http://127.0.0.1:{ports['tipg']}/collections/public.{table}",
                "tipg-all": f"http://127.0.0.1:{ports['tipg-all']}/collections/public.{table}"}
        # tipg: the table's own columns, not the tile columns (geom_3857*) as properties
        tipg_q = "properties=properties&geom-column=geom"
        for name, proc in zip(["ours", "ours-uncached", "pygeoapi", "tipg", "tipg-all"], procs):
            query = {"pygeoapi": "&f=json", "tipg": "&" + tipg_q, "tipg-all": "&" + tipg_q}.get(name, "")
            wait_for(f"{base[name]}/items?limit=1{query}", proc)
        offsets = range(0, args.features - 1000, 7919)
        rnd = random.Random(5)
        boxes = []
        for _ in range(100):  # ~1 km x 1 km
            x, y = rnd.uniform(BBOX[0], BBOX[2] - 0.009), rnd.uniform(BBOX[1], BBOX[3] - 0.009)
            boxes.append(f"{x:.5f},{y:.5f},{x + 0.009:.5f},{y + 0.009:.5f}")
        items = {
            "items pages of 1,000 features per second": lambda b, q: [
                f"{b}/items?limit=1000&offset={o}{q}" for o in offsets][:100],
            "items in a ~1 km bbox (limit 1,000) per second": lambda b, q: [
                f"{b}/items?limit=1000&bbox={box}{q}" for box in boxes],
        }
        for measure, make in ({} if args.tiles_only else items).items():
            settle(url)
            our_rate, _ = hammer(make(base["ours"], ""), args.seconds)
            for peer, query in (("tipg", "&" + tipg_q), ("pygeoapi", "&f=json")):
                settle(url)
                their_rate, their_fail = hammer(make(base[peer], query), args.seconds)
                rows.append((f"{measure}", f"{our_rate:.1f}", f"{their_rate:.1f}", peer,
                             f"{our_rate / their_rate:.2f}x" if their_rate else f"{peer} failed {their_fail}"))
        # the WMS mapfiles and the public tiles' manifest (what lets a cached public tile be
        # answered before CKAN), written where the servers read them
        from ckanext.tangerang.satupeta.logic import action as peta_action

        tk.config["ckanext.tangerang.satupeta.tile_cache_path"] = str(tile_cache)
        peta_action.write_ows()
        if not args.tiles_only:
            # WMS GetMap: the portal's /ows against MapServer's CGI on the same mapfile
            import ows_bench

            rows.extend(ows_bench.measure(f"http://127.0.0.1:{ports['ours']}", layer_id,
                                          peta_action.ows_folder(), args.seconds, hammer_python, free_port, work))
        if mvt and not args.tiles_only:
            # pygeoapi builds a z14 tile in seconds (ST_Transform and ST_AsMVTGeom of every
            # feature): Python clients, which wait for the answers in flight, over a longer window
            settle(url)
            urls = tile_urls(base["pygeoapi"] + "/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt")
            rate, fail = hammer_python(urls, max(args.seconds, 20))
            rows.append(("vector tiles (z14) per second, pygeoapi", "", f"{rate:.2f}", "pygeoapi",
                         f"failed {fail}" if fail else "see the tiles table for ours"))
        template = "/tiles/WebMercatorQuad/{z}/{y}/{x}"
        tipg_template = "/tiles/WebMercatorQuad/{z}/{x}/{y}?" + tipg_q
        for z in range(args.min_zoom, args.max_zoom + 1):
            rates = {}
            for name in ("ours-uncached", "ours", "tipg", "tipg-all"):
                settle(url)
                urls = tile_urls(base[name] + (tipg_template if name.startswith("tipg") else template), z=z)
                if name == "ours":  # warm: every tile once first
                    for u in sorted(set(urls)):
                        requests_get(u)
                rate, fail = hammer(urls, args.seconds)
                rates[name] = f"{rate:.1f}" + (f" ({fail} failed)" if fail else "")
                rates[name + "/"] = rate
            tiles_table.append((
                str(z), rates["ours-uncached"], rates["ours"], rates["tipg"], rates["tipg-all"],
                f"{rates['ours-uncached/'] / rates['tipg/']:.2f}x" if rates["tipg/"] else "n/a",
                f"{rates['ours-uncached/'] / rates['tipg-all/']:.2f}x" if rates["tipg-all/"] else "n/a",
                f"{rates['ours/'] / rates['tipg/']:.1f}x" if rates["tipg/"] else "n/a"))
            print(" | ".join(tiles_table[-1]), file=sys.stderr, flush=True)
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    # 4. memory of a big import (streamed)
    if not args.quick and args.big_mb > 0:
        big = work / f"big-{args.big_mb}mb.geojson"
        if not big.exists():
            generate_big(big, args.big_mb)
        rss, seconds, written = peak_rss_import(args.ini, big, layer_id, package_id)
        rows.append((f"peak RSS importing {big.stat().st_size / 2 ** 20:.0f} MB GeoJSON "
                     f"({written:,} polygons, {seconds:.0f} s), MB", f"{rss:.0f}", "", "goal < 1024", ""))
    store.delete_layer(layer_id)
    shutil.rmtree(tile_cache, ignore_errors=True)

    print_table(HEAD, rows)
    print(f"\nVector tiles per second, {args.features:,} polygons, 4 clients, 200 tiles over the city per zoom")
    print_table(TILES_HEAD, tiles_table)


def print_table(head: tuple, rows: list) -> None:
    widths = [max(len(str(r[i])) for r in list(rows) + [head]) for i in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def requests_get(url: str) -> None:
    import requests

    requests.get(url, timeout=300)


HEAD = ("measure", "Satu Peta", "peer", "peer is", "Satu Peta vs peer")
TILES_HEAD = ("zoom", "ours, uncached", "ours, warm cache", "tipg (<= 10,000 features/tile)",
              "tipg (all features)", "uncached vs tipg", "uncached vs tipg all", "warm vs tipg")


class Rows(list):
    """The table's rows; each is also written to stderr when measured, so a crash keeps them."""

    def append(self, row):
        print(" | ".join(str(c) for c in row), file=sys.stderr, flush=True)
        super().append(row)

if __name__ == "__main__":
    main()
