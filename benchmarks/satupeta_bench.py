"""Satu Peta against its peers, in one run, printed as one table.

1. Import of N polygons (1 % invalid) from GeoJSON into PostGIS: our importer (pyogrio + shapely +
   pyproj + COPY) against `ogr2ogr -f PostgreSQL -t_srs EPSG:4326 -makevalid` on the same file.
   (`-nlt GEOMETRY`: like ours, a generic geometry column, as -makevalid turns bow ties into
   MultiPolygons.)
2. OGC API - Features items pages of 1,000 features and vector tiles per second: our service
   (gunicorn, 2 workers) against pygeoapi (its own venv, gunicorn, 2 workers) on the same PostGIS
   table.
3. Peak RSS of importing a big generated GeoJSON (streamed).

    .venv/bin/python benchmarks/satupeta_bench.py --ini /tmp/test-peta.ini \\
        --pygeoapi /tmp/pygeoapi-venv/bin [--features 100000] [--big-mb 1024]

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
import socket
import subprocess
import sys
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


def hammer(urls: list[str], seconds: float, threads: int = 4) -> tuple[float, int]:
    """Requests per second over `seconds` with `threads` clients; and the number of failures."""
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
    providers = [{"type": "feature", "name": "PostgreSQL", "data": data, "id_field": "fid",
                  "table": table, "geom_field": "geom"}]
    if mvt:
        providers.append({"type": "tile", "name": "MVT-postgresql", "data": data, "id_field": "fid",
                          "table": table, "geom_field": "geom",
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
        pkg = tk.get_action("package_create")(ctx(), {"name": "satupeta-bench", "title": "Satu Peta bench",
                                                      "owner_org": org, "private": False})
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
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--pygeoapi", default="/tmp/pygeoapi-venv/bin", help="bin folder of pygeoapi's venv")
    ap.add_argument("--work", default=str(ROOT / "var" / "bench" / "satupeta"))
    args = ap.parse_args()
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
    theirs = ogr_import(src, url)
    rows.append((f"import {args.features:,} polygons ({size_mb:.0f} MB GeoJSON), s",
                 f"{ours:.1f}", f"{theirs:.1f}", "ogr2ogr -makevalid",
                 f"{theirs / ours:.2f}x ({report['repaired']} repaired)"))

    # 2. serving
    table = store.get_layer(layer_id)["table_name"]
    logging = (ROOT / "config" / "test.ini").read_text().split("[loggers]", 1)[1]
    ini = work / "bench-server.ini"
    ini.write_text(f"[app:main]\nuse = config:{pathlib.Path(args.ini).resolve()}\n\n[loggers]{logging}")
    our_port, their_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    procs = [subprocess.Popen([str(VENV_BIN / "gunicorn"), "ckanext.tangerang.wsgi:application",
                               "--bind", f"127.0.0.1:{our_port}", "--workers", "2", "--timeout", "120"],
                              env={**env, "CKAN_INI": str(ini)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    pg_bin = pathlib.Path(args.pygeoapi)
    mvt = subprocess.run([str(pg_bin / "python"), "-c",
                          "import pygeoapi.provider.mvt_postgresql"], capture_output=True).returncode == 0
    cfg = pygeoapi_config(work, their_port, url, table, mvt)
    subprocess.run([str(pg_bin / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file",
                    str(work / "pygeoapi-openapi.yml")], env={**env, "PYGEOAPI_CONFIG": str(cfg)},
                   capture_output=True, check=True)
    procs.append(subprocess.Popen([str(pg_bin / "gunicorn"), "pygeoapi.flask_app:APP", "--bind",
                                   f"127.0.0.1:{their_port}", "--workers", "2", "--timeout", "120"],
                                  env={**env, "PYGEOAPI_CONFIG": str(cfg),
                                       "PYGEOAPI_OPENAPI": str(work / "pygeoapi-openapi.yml")},
                                  stdout=open(work / "pygeoapi.log", "w"), stderr=subprocess.STDOUT))
    try:
        ours_base = f"http://127.0.0.1:{our_port}/ogc/collections/{layer_id}"
        theirs_base = f"http://127.0.0.1:{their_port}/collections/bench"
        wait_for(f"{ours_base}/items?limit=1", procs[0])
        wait_for(f"{theirs_base}/items?limit=1&f=json", procs[1])
        pages = [f"?limit=1000&offset={o}&f=json" for o in range(0, args.features - 1000, 7919)][:100]
        our_items, our_fail = hammer([f"{ours_base}/items{p}" for p in pages], args.seconds)
        their_items, their_fail = hammer([f"{theirs_base}/items{p}" for p in pages], args.seconds)
        rows.append(("items pages of 1,000 features per second", f"{our_items:.1f}", f"{their_items:.1f}",
                     "pygeoapi", f"{our_items / their_items:.2f}x" if their_items else "n/a"))
        our_tiles, _ = hammer(tile_urls(ours_base + "/tiles/WebMercatorQuad/{z}/{y}/{x}"), args.seconds)
        if mvt:
            their_tiles, their_tile_fail = hammer(
                tile_urls(theirs_base + "/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt"), args.seconds)
            ratio = f"{our_tiles / their_tiles:.2f}x" if their_tiles else f"pygeoapi failed {their_tile_fail}"
        else:
            their_tiles, ratio = float("nan"), "pygeoapi has no MVT-postgresql here"
        rows.append(("vector tiles (z14) per second", f"{our_tiles:.1f}", f"{their_tiles:.1f}", "pygeoapi", ratio))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    # 3. memory of a big import (streamed)
    big = work / f"big-{args.big_mb}mb.geojson"
    if not big.exists():
        generate_big(big, args.big_mb)
    rss, seconds, written = peak_rss_import(args.ini, big, layer_id, package_id)
    rows.append((f"peak RSS importing {big.stat().st_size / 2 ** 20:.0f} MB GeoJSON "
                 f"({written:,} polygons, {seconds:.0f} s), MB", f"{rss:.0f}", "", "goal < 1024", ""))
    store.delete_layer(layer_id)

    widths = [max(len(str(r[i])) for r in rows + [HEAD]) for i in range(5)]
    line = " | ".join(h.ljust(w) for h, w in zip(HEAD, widths))
    print(line)
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))


HEAD = ("measure", "Satu Peta", "peer", "peer is", "Satu Peta vs peer")


class Rows(list):
    """The table's rows; each is also written to stderr when measured, so a crash keeps them."""

    def append(self, row):
        print(" | ".join(str(c) for c in row), file=sys.stderr, flush=True)
        super().append(row)

if __name__ == "__main__":
    main()
