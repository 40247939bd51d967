"""package_show and a web worker's memory, ours against stock CKAN 2.12, without the HTTP server.

    .venv/bin/python benchmarks/package_show_bench.py [--name bench] [--rounds 4] [--passes 5]

Uses the catalogue `catalogue_bench.py` left behind (databases ckan_NAME and ckan_NAME_stock, Solr
cores NAME and NAME_stock in var/bench/solr, started here on a port of their own). Each round runs
one process per portal, in alternating order: the process builds the WSGI application as
`ckanext.tangerang.wsgi` does (every middleware, plugin and hook of the ini), notes its memory and
which heavy libraries start-up loaded, calls `/api/3/action/package_show` once for each of 300
public datasets to warm up, then times PASSES more passes through the whole WSGI stack with
werkzeug's client. A third portal is ours with the layer states read from the feature store
on each call (option layer_state_cache off). The table gives each portal's median over the rounds: latency (what gunicorn
adds is the same for both and is measured with wrk by catalogue_bench.py) and a fresh worker's
RSS and PSS.
"""
from __future__ import annotations

import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import click

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "ops"), str(ROOT / "benchmarks")]
import catalogue_bench as cb  # noqa: E402

# libraries a catalogue page never needs, loaded by Satu Peta's imports, downloads, tiles, filters
HEAVY = ("pyogrio", "pyarrow", "morecantile", "pydantic", "pygeofilter.parsers.cql2_text",
         "geoalchemy2")

CHILD = r"""
import json, os, sys, time
def memory():
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
    pss = next(int(l.split()[1]) for l in open("/proc/self/smaps_rollup") if l.startswith("Pss:"))
    return rss / 1024, pss / 1024
os.environ["CKAN_INI"] = sys.argv[1]
import ckanext.tangerang.wsgi as wsgi
rss, pss = memory()
heavy = [m for m in json.loads(sys.argv[3]) if m in sys.modules]
from werkzeug.test import Client
client = Client(wsgi.application)
names = sys.argv[2].split(",")
def show(name):
    response = client.get("/api/3/action/package_show?id=" + name)
    assert response.status_code == 200, response.status_code
for name in names:
    show(name)
times = []
for _ in range(int(sys.argv[4])):
    for name in names:
        started = time.perf_counter()
        show(name)
        times.append((time.perf_counter() - started) * 1000)
times.sort()
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * .95)],
                  "p99": times[int(len(times) * .99)], "calls": len(times), "rss": rss, "pss": pss,
                  "heavy": heavy}))
"""


@click.command()
@click.option("--name", default="bench", show_default=True,
              help="the catalogue of catalogue_bench.py --name NAME")
@click.option("--rounds", default=4, show_default=True, help="processes per portal, alternating")
@click.option("--passes", default=5, show_default=True, help="timed passes over the 300 datasets")
def main(name: str, rounds: int, passes: int) -> None:
    db = f"ckan_{name}"
    if cb.count(db) <= 0:
        sys.exit(f"no catalogue in {db}: run benchmarks/catalogue_bench.py --name {name} first")
    solr = cb.bench_solr(name)
    click.echo(f"... Solr on :{solr.port}", err=True)
    solr.start()
    try:
        inis = cb.write_inis(name, f"http://127.0.0.1:{solr.port}/solr", "-show")
        # ours again with the layer states asked of the feature store on every call (#17's
        # in-memory states off): the share of that cache
        inis["ours, states live"] = cb.write_ini(
            inis["ours"].with_name(inis["ours"].stem + "_live.ini"), inis["ours"],
            **{"ckanext.tangerang.satupeta.layer_state_cache": "false"})
        cb.ckan_cli(inis["ours"], "tangerang", "satupeta", "store-upgrade")  # its notifications
        names = cb.sample_names(db)
        labels = list(inis)
        runs: dict[str, list[dict]] = {label: [] for label in labels}
        with click.progressbar(length=rounds * len(labels), label="rounds", file=sys.stderr) as bar:
            for r in range(rounds):
                for label in labels[r % len(labels):] + labels[:r % len(labels)]:
                    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
                    out = subprocess.run(
                        [sys.executable, "-c", CHILD, str(inis[label]), ",".join(names),
                         json.dumps(HEAVY), str(passes)],
                        capture_output=True, text=True, env=env, check=False)
                    if out.returncode:
                        sys.exit(f"{label} failed:\n{out.stderr[-3000:]}")
                    runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
                    bar.update(1)
    finally:
        cb.stop_solr(solr)

    med = {label: {k: statistics.median(r[k] for r in rs) for k in ("p50", "p95", "p99", "rss", "pss")}
           for label, rs in runs.items()}
    stock = med["stock"]
    others = [label for label in labels if label != "stock"]
    print()
    print(f"package_show through the WSGI stack, {cb.count(db)} datasets, 300 x {passes} calls per "
          f"process, median of {rounds} processes each, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}")
    print(f"{'':30} {'stock':>10}" + "".join(f" {label:>24}" for label in others))
    for key in ("p50", "p95", "p99"):
        print(f"{'package_show ' + key + ', ms':30} {stock[key]:>10.2f}" + "".join(
            f" {med[label][key]:>13.2f} ({(med[label][key] / stock[key] - 1) * 100:+4.0f} %)"
            for label in others))
    for key in ("rss", "pss"):
        print(f"{'worker after start, ' + key.upper() + ', MB':30} {stock[key]:>10.0f}" + "".join(
            f" {med[label][key]:>13.0f} ({med[label][key] - stock[key]:+4.0f} MB)" for label in others))
    for label in labels:
        loaded = sorted({m for r in runs[label] for m in r["heavy"]})
        print(f"{'loaded at start (' + label + ')':30} {', '.join(loaded) or 'none of ' + ', '.join(HEAVY)}")
    print("Goal (#17): package_show within 5 % of stock at p95.")


if __name__ == "__main__":
    main()
