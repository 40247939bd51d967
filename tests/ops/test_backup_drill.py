"""The restore drill (issue #18): a seeded portal is backed up with scripts/backup.py, wiped
(databases dropped, file store deleted, its Solr documents cleared) and restored; counts, stored
files' checksums and the API answers users get must be the same before and after.

The drill's portal is its own: databases ckan_drill, ckan_peta_drill, ckan_datastore_drill, a file
store under tmp, Redis database 11 and its own ckan.site_id, so that clearing its documents in
the shared ckan_test core leaves everyone else's alone (CKAN scopes index clears by site_id).
"""
from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import time

import requests
import sqlalchemy as sa

from ops_services import ROOT, ckan_cli, write_ini

PG = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-p", "5433", "-v", "ON_ERROR_STOP=1"]
DATABASES = {"sqlalchemy.url": "ckan_drill",
             "ckanext.tangerang.satupeta.sqlalchemy.url": "ckan_peta_drill",
             "ckan.datastore.write_url": "ckan_datastore_drill"}
SITE_ID = "tangerang-drill"
SOLR = "http://127.0.0.1:8983/solr/ckan_test/select"
# what the portal rebuilds by itself; scripts/backup.py leaves it out of the set
DERIVED = ("webassets", "satupeta/tiles", "satupeta/downloads", "satupeta/ows")
PYTHON = sys.executable
HERE = pathlib.Path(__file__).parent


def url(database: str, user: str = "ckan") -> str:
    return f"postgresql://{user}:{user}@127.0.0.1:5433/{database}"


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(PG + ["-d", database], input=sql, capture_output=True, text=True,
                          check=True, cwd="/").stdout


def drop_databases() -> None:
    for name in DATABASES.values():
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_databases() -> None:
    drop_databases()
    for name in DATABASES.values():
        psql(f"CREATE DATABASE {name} OWNER ckan ENCODING 'UTF8' TEMPLATE template0; "
             f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
    psql("CREATE EXTENSION postgis", "ckan_peta_drill")
    psql("ALTER DATABASE ckan_datastore_drill SET default_text_search_config = 'pg_catalog.indonesian'")


def counts() -> dict[str, dict[str, int]]:
    found = {}
    for name in DATABASES.values():
        engine = sa.create_engine(url(name))
        with engine.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")).scalars().all()
            found[name] = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        engine.dispose()
    return found


def checksums(storage: pathlib.Path) -> dict[str, str]:
    return {p.relative_to(storage).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(storage.rglob("*"))
            if p.is_file() and not p.relative_to(storage).as_posix().startswith(DERIVED)}


def solr_count(fq: str) -> int:
    return requests.get(SOLR, params={"q": "*:*", "fq": fq, "rows": 0, "wt": "json"},
                        timeout=30).json()["response"]["numFound"]


def answers(ini, seed, out) -> dict:
    subprocess.run([PYTHON, str(HERE / "drill_portal.py"), "answers", str(ini), str(seed), str(out)],
                   check=True, capture_output=True, text=True, cwd=ROOT)
    found = json.loads(out.read_text())
    # the moment the answer was made, not data
    found["ogc_items"].pop("timeStamp", None)
    return found


def tool(*args) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "scripts" / "backup.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_backup_restores_a_wiped_portal(base_ini, tmp_path):
    storage = tmp_path / "storage"
    ini = write_ini(tmp_path / "drill.ini", base_ini, **{
        **{option: url(name) for option, name in DATABASES.items()},
        "ckan.datastore.read_url": url("ckan_datastore_drill", "datastore_ro"),
        "ckan.storage_path": str(storage), "ckan.site_id": SITE_ID,
        "ckan.redis.url": "redis://127.0.0.1:6379/11",
        # the seeding loads the table and the layer itself, without a worker
        "ckanext.tangerang.satupeta.auto_import": "false",
        "ckanext.tangerang.satudata.tables.auto_load": "false"})
    timings = {}

    def timed(name, fn, *args):
        start = time.monotonic()
        result = fn(*args)
        timings[name] = time.monotonic() - start
        return result

    others = solr_count(f'-site_id:"{SITE_ID}"')
    try:
        def make_portal():
            create_databases()
            ckan_cli(ini, "db", "init")
            # documents a failed run may have left in the shared core under the drill's site_id
            ckan_cli(ini, "search-index", "clear")
            sql = ckan_cli(ini, "datastore", "set-permissions").stdout
            psql(sql)
            ckan_cli(ini, "tangerang", "satupeta", "store-upgrade")
            subprocess.run([PYTHON, str(HERE / "drill_portal.py"), "seed", str(ini), str(tmp_path / "seed.json")],
                           check=True, cwd=ROOT)
        timed("create and seed the portal", make_portal)
        seed = json.loads((tmp_path / "seed.json").read_text())
        assert seed["request_states"] == {
            "received": "received", "incomplete": "incomplete", "lapsed": "lapsed",
            "processing": "processing", "decided": "decided", "objection_filed": "decided",
            "objection_decided": "decided", "dispute": "decided"}
        assert seed["objection_states"] == {"filed": "filed", "decided": "decided", "dispute": "dispute"}

        before = timed("snapshot before", lambda: {
            "counts": counts(), "files": checksums(storage),
            "answers": answers(ini, tmp_path / "seed.json", tmp_path / "before.json"),
            "solr": solr_count(f'site_id:"{SITE_ID}"')})
        assert before["counts"]["ckan_drill"]["public.package"] >= 6
        assert before["counts"]["ckan_drill"]["public.api_token"] >= 1
        assert before["counts"]["ckan_drill"]["public.tangerang_ppid_file"] >= 2
        assert len(before["answers"]["ogc_items"]["features"]) > 0
        assert before["answers"]["datastore_search"]["total"] > 0
        assert before["answers"]["private_anonymous"] == 403
        assert before["solr"] == len(seed["datasets"])
        assert any(f.startswith("ppid/") for f in before["files"])

        made = timed("make backup", tool, "backup", "--ini", ini, "--dir", tmp_path / "backup")
        assert made.returncode == 0, made.stderr
        print(made.stdout)
        [backup] = (tmp_path / "backup").iterdir()
        names = {p.name for p in backup.iterdir()}
        assert {"ckan.dump", "peta.dump", "datastore.dump", "storage.tar.gz", "city-profile",
                "config", "manifest.json", "SHA256SUMS"} <= names
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["databases"]["ckan"]["counts"]["public.package"] == \
            before["counts"]["ckan_drill"]["public.package"]
        # no secret in the set: the ini copies have them blanked
        secrets = (ROOT / "var" / "secrets.ini").read_text()
        key = next(line.split("=", 1)[1].strip() for line in secrets.splitlines()
                   if line.startswith("ckanext.tangerang.ppid.data_key"))
        assert not any(key in p.read_text() for p in (backup / "config").iterdir())

        # a damaged set is refused before anything is touched, naming the file
        damaged = tmp_path / "damaged"
        shutil.copytree(backup, damaged)
        with open(damaged / "storage.tar.gz", "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xFF]))
        refused = tool("restore", "--ini", ini, damaged)
        assert refused.returncode != 0 and "storage.tar.gz" in refused.stderr, refused.stderr
        # without the secrets file, the restore says where to get it and touches nothing
        config = tmp_path / "elsewhere" / "config"
        config.mkdir(parents=True)
        for name in ("ckan.ini", "test.ini"):
            shutil.copy(ROOT / "config" / name, config / name)
        lost = write_ini(tmp_path / "lost.ini", config / "test.ini", **{
            option: url(name) for option, name in DATABASES.items()})
        refused = tool("restore", "--ini", lost, backup)
        assert refused.returncode != 0 and "restore var/secrets.ini" in refused.stderr, refused.stderr
        assert counts() == before["counts"]

        def wipe():
            ckan_cli(ini, "search-index", "clear")
            drop_databases()
            shutil.rmtree(storage)
        timed("wipe", wipe)
        # the drill's documents are gone, nobody else's
        assert solr_count(f'site_id:"{SITE_ID}"') == 0
        assert solr_count(f'-site_id:"{SITE_ID}"') == others

        restored = timed("make restore", tool, "restore", "--ini", ini, backup)
        print(restored.stdout)
        assert restored.returncode == 0, restored.stderr + restored.stdout

        after = timed("snapshot after", lambda: {
            "counts": counts(), "files": checksums(storage),
            "answers": answers(ini, tmp_path / "seed.json", tmp_path / "after.json"),
            "solr": solr_count(f'site_id:"{SITE_ID}"')})
        assert after["counts"] == before["counts"]
        assert after["files"] == before["files"]
        assert after["solr"] == before["solr"]
        for key, answer in before["answers"].items():
            assert after["answers"][key] == answer, key
    finally:
        print("\nbackup drill:", ", ".join(f"{name} {took:.1f} s" for name, took in timings.items()))
        ckan_cli(ini, "search-index", "clear", check=False)
        drop_databases()
        subprocess.run(["redis-cli", "-n", "11", "flushdb"], capture_output=True)
