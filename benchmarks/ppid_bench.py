"""PPID at city scale: the officers' list, the statistics page and the annual report with
100,000 requests, beside CKAN's own pages served by the same process.

    .venv/bin/python benchmarks/ppid_bench.py [--requests 100000] [--repeat 40] [--keep]

Creates its own database ckan_bench_ppid on the shared PostgreSQL (as the postgres user, like
catalogue_bench.py), initialises CKAN and the tangerang_ppid migrations in it, fills it with
requests spread over two years, the OPDs of the city profile and every outcome (COPY, resumable:
rows already there are kept), then drives the portal in-process (Flask test client, so the numbers
are server time without network) as the PPID Utama:

- officer list: /ppid/petugas (all), filtered by OPD, overdue only, page 50
- statistics page /ppid/statistik for the busiest year
- annual report: the printable page and the CSV for that year
- CKAN's own pages on the same app, as the peer baseline: /about (the page chrome every page pays:
  header, account menu), /dataset and /api/3/action/package_search. The plugins are the portal's
  (tangerang_a11y's theme included: its header does not count the dashboard's new activities,
  which costs stock CKAN's header about 60 ms a page for a signed-in officer here)

Targets (issue 5): list and statistics p95 < 100 ms; annual report < 2 s.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time
import uuid

import click
import sqlalchemy as sa

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV = pathlib.Path(sys.executable).parent
VAR = ROOT / "var" / "bench"
DB = "ckan_bench_ppid"
PG = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-p", "5433", "-v", "ON_ERROR_STOP=1"]
OUTCOMES = ["granted"] * 6 + ["partly"] * 2 + ["rejected", "not_held", "not_documented"]


def _ini() -> pathlib.Path:
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "ppid.ini"
    path.write_text(f"""[app:main]
use = config:{ROOT / 'config' / 'test.ini'}
sqlalchemy.url = postgresql://ckan:ckan@127.0.0.1:5433/{DB}
solr_url = http://127.0.0.1:8983/solr/ckan_test
ckan.redis.url = redis://127.0.0.1:6379/7
ckan.plugins = tangerang_a11y tangerang_satudata tangerang_ppid activity
ckan.storage_path = {VAR / 'storage-ppid'}
smtp.server = 127.0.0.1:8025
""")
    return path


def _database(ini: pathlib.Path) -> None:
    exists = subprocess.run(PG + ["-Atc", f"select 1 from pg_database where datname='{DB}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(PG + ["-c", f"create database {DB} owner ckan"], check=True)
    env = {**os.environ, "CKAN_INI": str(ini)}
    for args in (["db", "init"], ["db", "upgrade", "-p", "tangerang_ppid"]):
        subprocess.run([str(VENV / "ckan"), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def _fill(total: int, year: int) -> None:
    """COPY the missing requests: numbers BENCH-n are kept between runs."""
    from ckan import model
    from ckanext.tangerang import city
    from ckanext.tangerang.ppid import lib

    have = model.Session.execute(sa.text(
        "select count(*) from tangerang_ppid_request where number like 'BENCH-%'")).scalar()
    if have >= total:
        click.echo(f"{have} requests already there")
        return
    opds = [o.name for o in city.current().opds]
    cal = lib.calendar()
    rng = random.Random(have)
    start = dt.date(year - 1, 1, 1)
    days = (dt.date(year, 12, 31) - start).days
    buffer = io.StringIO()
    # personal fields as the portal stores them: encrypted, with the NIK's keyed hash
    from ckanext.tangerang.ppid import crypto
    nik, address = crypto.encrypt("3671011503900001"), crypto.encrypt("Jl. Contoh")
    nik_hash = crypto.blind_index("3671011503900001")
    with click.progressbar(range(have, total), label="requests") as bar:
        for n in bar:
            received = start + dt.timedelta(days=rng.randrange(days))
            due = cal.add(received, 10)
            opd = rng.choice(opds) if rng.random() > 0.05 else None
            decided = rng.random() < 0.8 and received < dt.date(year, 11, 1)
            taken = rng.randint(1, 17) if decided else None
            decided_date = cal.add(received, taken) if decided else None
            outcome = rng.choice(OUTCOMES) if decided else None
            state = "decided" if decided else ("processing" if opd else "received")
            ground = rng.choice("abcdefghij") if outcome in ("partly", "rejected") else None
            row = [str(uuid.uuid4()), f"BENCH-{n:07d}", uuid.uuid4().hex, "web", "individual",
                   f"Pemohon {n}", nik, nik_hash, address, "pemohon@example.org",
                   f"Permintaan data nomor {n} tentang layanan publik", "penelitian", "softcopy",
                   "email", received.isoformat(), opd or "\\N", state, received.isoformat(),
                   received.isoformat(), due.isoformat(), outcome or "\\N", ground or "\\N",
                   decided_date.isoformat() if decided else "\\N",
                   str(taken) if taken else "\\N",
                   ("t" if decided_date <= due else "f") if decided else "\\N",
                   received.isoformat(), received.isoformat()]
            buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    raw = model.Session.connection().connection
    with raw.cursor() as cur:
        cur.copy_expert(
            "copy tangerang_ppid_request (id, number, tracking_hash, channel, requester_type, "
            "name, nik, nik_hash, address, email, information, purpose, obtain_method, delivery_method, "
            "consent_at, opd, state, received_date, clock_start, due_date, outcome, "
            "exemption_ground, decided_date, working_days_taken, on_time, created, modified) "
            "from stdin", buffer)
    model.Session.commit()
    model.Session.execute(sa.text("analyze tangerang_ppid_request"))
    model.Session.commit()


def _time(client, url: str, headers: dict, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise click.ClickException(f"{url}: HTTP {response.status_code}")
    samples.sort()
    return {"p50": statistics.median(samples),
            "p95": samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))],
            "max": samples[-1], "bytes": len(response.data)}


@click.command()
@click.option("--requests", "total", default=100_000, show_default=True)
@click.option("--repeat", default=40, show_default=True, help="Timed runs per page.")
@click.option("--year", default=2026, show_default=True)
@click.option("--keep/--drop", default=True, show_default=True,
              help="Keep the database for the next run (filling is the slow part).")
def main(total: int, repeat: int, year: int, keep: bool):
    ini = _ini()
    _database(ini)
    os.environ["CKAN_INI"] = str(ini)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    flask_app = app._wsgi_app if hasattr(app, "_wsgi_app") else app
    import ckan.plugins.toolkit as tk
    from ckan import model

    with flask_app.test_request_context():
        _fill(total, year)
        site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        user = model.User.get("bench_utama")
        if user is None:
            tk.get_action("user_create")({"user": site["name"]}, {
                "name": "bench_utama", "email": "bench@example.org",
                "password": uuid.uuid4().hex + "Aa1", "sysadmin": True})
            model.Session.commit()
        token = tk.get_action("api_token_create")(
            {"user": site["name"]}, {"user": "bench_utama", "name": "bench"})["token"]
        count = model.Session.execute(sa.text(
            "select count(*) from tangerang_ppid_request")).scalar()
    headers = {"Authorization": token}
    client = flask_app.test_client()
    pages = [
        ("officer list (all)", "/ppid/petugas", 100),
        ("officer list (one OPD)", "/ppid/petugas?opd=dinkes", 100),
        ("officer list (overdue)", "/ppid/petugas?overdue=1", 100),
        ("officer list (page 50)", "/ppid/petugas?page=50", 100),
        ("statistics page", f"/ppid/statistik?year={year}", 100),
        ("stats API", f"/api/3/action/ppid_statistics?year={year}", 100),
        ("CKAN /about (page chrome only)", "/about", None),
        ("CKAN /dataset", "/dataset", None),
        ("CKAN package_search", "/api/3/action/package_search", None),
    ]
    for _, url, _ in pages:  # warm up caches and templates
        client.get(url, headers=headers)
    rows = []
    for label, url, target in pages:
        result = _time(client, url, headers, repeat)
        verdict = "" if target is None else ("ok" if result["p95"] < target else "SLOW")
        rows.append((label, result["p50"], result["p95"], target, verdict))
    report = []
    for label, url in (("annual report page", f"/ppid/laporan/{year}"),
                       ("annual report CSV", f"/ppid/laporan/{year}.csv")):
        result = _time(client, url, headers, max(3, repeat // 10))
        report.append((label, result["max"], result["bytes"]))

    click.echo(f"\nPPID benchmark: {count} requests in {DB}, year {year}, {repeat} runs each "
               f"(in-process, server time)\n")
    click.echo(f"{'page':38} {'p50 ms':>9} {'p95 ms':>9} {'target':>8}  verdict")
    for label, p50, p95, target, verdict in rows:
        click.echo(f"{label:38} {p50:9.1f} {p95:9.1f} {('<' + str(target)) if target else '-':>8}"
                   f"  {verdict}")
    click.echo(f"\n{'annual report':38} {'worst ms':>9} {'bytes':>11} {'target':>8}")
    for label, worst, size in report:
        click.echo(f"{label:38} {worst:9.1f} {size:11d} {'<2000':>8}  "
                   f"{'ok' if worst < 2000 else 'SLOW'}")
    if not keep:
        subprocess.run(PG + ["-c", f"drop database {DB} with (force)"], check=True)


if __name__ == "__main__":
    main()
