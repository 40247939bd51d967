"""WMS GetMap per second: the portal's /ows against MapServer's own CGI on the same mapfile.

MapServer's CGI is served the classic way, a fork and exec per request, by the standard library's
CGI server (http.server's CGIHTTPRequestHandler, threaded), with the portal's mapfiles; the portal
adds its own work (access checks, the choice of mapfile, the BBOX check) in front of the same
program. Run alone on a layer the portal already serves, or from satupeta_bench.py:

    .venv/bin/python benchmarks/ows_bench.py --ini /tmp/test-peta.ini --portal http://127.0.0.1:5000 \\
        --layer <resource id> [--seconds 15]
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
CGI_SERVER = """
import http.server, os, sys
os.chdir(sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.CGIHTTPRequestHandler).serve_forever()
"""
BBOX = (106.55, -6.30, 106.75, -6.10)


def getmap_queries(layer_name: str, span_deg: float, n: int = 200, seed: int = 7) -> list[str]:
    """GetMap queries of 256 x 256 PNGs in Web Mercator (as web maps ask), random views `span_deg` wide."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        x = rnd.uniform(BBOX[0], BBOX[2] - span_deg)
        y = rnd.uniform(BBOX[1], BBOX[3] - span_deg)
        x0, y0, x1, y1 = t.transform_bounds(x, y, x + span_deg, y + span_deg)
        out.append(f"SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layer_name}&STYLES=&CRS=EPSG:3857"
                   f"&BBOX={x0:.2f},{y0:.2f},{x1:.2f},{y1:.2f}&WIDTH=256&HEIGHT=256&FORMAT=image/png"
                   "&TRANSPARENT=TRUE")
    return out


def check_png(url: str) -> None:
    import requests

    resp = requests.get(url, timeout=60)
    if resp.headers.get("Content-Type") != "image/png":
        raise RuntimeError(f"{url}: {resp.status_code} {resp.headers.get('Content-Type')} {resp.text[:300]}")


def measure(portal: str, layer_id: str, ows_folder: pathlib.Path, seconds: float, hammer,
            free_port, work: pathlib.Path) -> list[tuple]:
    """Rows (measure, ours, theirs, peer, ratio) for GetMap at two view sizes. `hammer`: the
    Python client (http.server's CGI answers HTTP/1.0 without a length, which wrk counts as
    read errors); at these rates the client is not what limits."""
    from ckanext.tangerang.satupeta import ows

    cgi_root = work / "cgi"
    (cgi_root / "cgi-bin").mkdir(parents=True, exist_ok=True)
    link = cgi_root / "cgi-bin" / "mapserv"
    if not link.exists():
        link.symlink_to("/usr/lib/cgi-bin/mapserv")
    port = free_port()
    env = {**os.environ, "MAPSERVER_CONFIG_FILE": str(ows_folder / "mapserver.conf")}
    # run as root, http.server's CGI drops to `nobody`: the portal's private folder (0700) is
    # opened to it for the run and closed again after
    modes = {p: p.stat().st_mode & 0o777 for p in [ows_folder, *ows_folder.rglob("*")]}
    for p in modes:
        p.chmod(0o755 if p.is_dir() else 0o644)
    server = subprocess.Popen([sys.executable, "-c", CGI_SERVER, str(port), str(cgi_root)], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(work / "cgi.log", "w"))
    cgi = f"http://127.0.0.1:{port}/cgi-bin/mapserv?map=PUBLIC&"
    rows = []
    try:
        time.sleep(1)
        name = ows.layer_name(layer_id)
        for label, span in (("street view, ~2.5 km", 0.022), ("district view, ~10 km", 0.088)):
            queries = getmap_queries(name, span)
            check_png(f"{portal}/ows?" + queries[0])
            check_png(cgi + queries[0])
            ours, ours_fail = hammer([f"{portal}/ows?{q}" for q in queries], seconds)
            theirs, their_fail = hammer([cgi + q for q in queries], seconds)
            if not ours or not theirs:
                ratio = "n/a"
            else:
                ratio = f"{theirs / ours:.2f}x slower" if ours < theirs else f"{ours / theirs:.2f}x faster"
            rows.append((f"WMS GetMap 256 px PNG, {label}, per second", f"{ours:.1f}", f"{theirs:.1f}",
                         "MapServer CGI", f"{ratio} (failures {ours_fail}/{their_fail})"))
    finally:
        server.terminate()
        server.wait()
        for p, mode in modes.items():
            p.chmod(mode)
    return rows


def main() -> None:
    sys.path.insert(0, str(HERE))
    import satupeta_bench as sb

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ini", required=True)
    ap.add_argument("--portal", required=True, help="the portal serving the layer, e.g. http://127.0.0.1:5000")
    ap.add_argument("--layer", required=True, help="the layer's resource id (a public layer)")
    ap.add_argument("--seconds", type=float, default=15)
    args = ap.parse_args()
    sb.load_ckan(args.ini)
    from ckanext.tangerang.satupeta.logic import action

    action.write_ows()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # the CGI runs as `nobody` when the bench runs as root
        rows = measure(args.portal.rstrip("/"), args.layer, action.ows_folder(), args.seconds, sb.hammer_python,
                       sb.free_port, pathlib.Path(tmp))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'ours':>8}  {'theirs':>8}  peer / ratio")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]:>8}  {r[2]:>8}  {r[3]}: {r[4]}")


if __name__ == "__main__":
    main()
