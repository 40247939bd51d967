"""Back up the portal into one dated, checksummed set, and restore a set onto a wiped machine.

    .venv/bin/python scripts/backup.py backup  [--ini config/ckan.ini] [--dir backup]
    .venv/bin/python scripts/backup.py restore [--ini config/ckan.ini] backup/2026-11-30T130500

(`make backup` and `make restore FROM=...` run these with the Makefile's INI.) Everything is read
from the ini given: the three databases (CKAN, Satu Peta's store, the DataStore), the file store
and the city profile. A set holds a pg_dump -Fc of each database, a tar of the file store (without
the caches the portal rebuilds), the city profile, the ini files with their secrets blanked, a
manifest (versions, alembic heads, row counts, step times) and SHA256SUMS.

The secrets (SECRET_KEY and the PPID data key that encrypts requesters' files) are never in a
set: the operator keeps var/secrets.ini apart, and a restore refuses to start without them.
Solr is not backed up: a restore rebuilds it from the database.

Database creation needs a superuser: `runuser -u postgres psql` on this machine, or set
PG_ADMIN_URL (e.g. postgresql://postgres:SECRET@db:5432) to reach another server's.
"""
from __future__ import annotations

import configparser
import contextlib
import datetime as dt
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import time

import click

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent
CKAN = str(VENV_BIN / "ckan")

# Solr is rebuilt from the database after a restore. The one place the command is chosen
# (arguments after `ckan -c INI`).
SEARCH_REBUILD = ("tangerang", "search-index", "rebuild")

# (name in the set, ini option of its URL)
DATABASES = (
    ("ckan", "sqlalchemy.url"),
    ("peta", "ckanext.tangerang.satupeta.sqlalchemy.url"),
    ("datastore", "ckan.datastore.write_url"),
)
# extensions a superuser creates before pg_restore (the owner role may not)
ALWAYS_EXTENSIONS = {"peta": ["postgis"]}
# folders of the file store the portal rebuilds (webassets, Satu Peta's tile and download
# caches, the mapfiles, which also hold the store's password): left out of the set
DERIVED = ("webassets", "satupeta/tiles", "satupeta/downloads", "satupeta/ows")
# what a restore needs and a set never holds
REQUIRED_SECRETS = ("SECRET_KEY", "ckanext.tangerang.ppid.data_key")
SECRET_OPTION = re.compile(r"(secret|secret_key|password|data_key|data_key_previous)$", re.I)
URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
SECRETS_HINT = ("restore var/secrets.ini (SECRET_KEY and ckanext.tangerang.ppid.data_key) from "
                "where you keep it, apart from the backups; without the data key the PPID files "
                "cannot be read")


class Abort(click.ClickException):
    pass


# ------------------------------------------------------------------ steps, timed

class Steps:
    def __init__(self):
        self.times: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def __call__(self, name: str):
        click.secho(f"-> {name}", bold=True)
        start = time.monotonic()
        yield
        took = time.monotonic() - start
        self.times.append((name, round(took, 2)))
        click.echo(f"   {name}: {took:.1f} s")

    def summary(self, title: str) -> None:
        click.secho(f"\n{title}", bold=True)
        for name, took in self.times:
            click.echo(f"  {took:8.1f} s  {name}")
        click.echo(f"  {sum(t for _, t in self.times):8.1f} s  total")


# ------------------------------------------------------------------ configuration

def ini_chain(ini: pathlib.Path) -> list[pathlib.Path]:
    """The ini and the files it builds on (``use = config:...``), the ini first. A missing
    file raises Abort naming it."""
    chain, path = [], ini.resolve()
    while True:
        if not path.is_file():
            hint = f": {SECRETS_HINT}" if "secret" in path.name else ""
            raise Abort(f"{path} is missing (read through {chain[-1] if chain else ini}){hint}")
        chain.append(path)
        parser = configparser.RawConfigParser(strict=False)
        parser.read(path)
        use = parser.get("app:main", "use", fallback="")
        if not use.startswith("config:"):
            return chain
        path = (path.parent / use[len("config:"):]).resolve()


def load_config(ini: pathlib.Path) -> dict:
    """The options as CKAN sees them: the ini chain, then the CKAN_* variables CKAN itself
    reads (CKAN_SQLALCHEMY_URL, CKAN_STORAGE_PATH, ... as docker-compose.yml sets them)."""
    from ckan.cli import CKANConfigLoader
    from ckan.config.environment import CONFIG_FROM_ENV_VARS

    ini_chain(ini)
    config = CKANConfigLoader(str(ini.resolve())).get_config()
    config.update({option: os.environ[var] for option, var in CONFIG_FROM_ENV_VARS.items()
                   if os.environ.get(var)})
    return config


def profile_folder(value: str) -> pathlib.Path:
    """The city profile's folder, as ckanext.tangerang.city.resolve finds it (it need not
    exist yet: a restore may bring it back)."""
    from ckanext.tangerang import city

    path = pathlib.Path(value)
    return path if path.is_absolute() or "/" in value else city.PROFILES / value


# ------------------------------------------------------------------ PostgreSQL

def pg_url(url: str):
    from sqlalchemy.engine import make_url
    return make_url(url)


def client_args(url: str) -> tuple[list[str], dict]:
    """libpq arguments of a database URL, the password in the environment (not on a command
    line that `ps` shows)."""
    u = pg_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username, "-d", u.database]
    return args, {**os.environ, "PGPASSWORD": u.password or ""}


def admin_psql(port: int, sql: str, database: str = "postgres") -> str:
    """SQL as a superuser: PG_ADMIN_URL if set, else the local postgres user."""
    admin = os.environ.get("PG_ADMIN_URL")
    if admin:
        cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", f"{admin.rstrip('/')}/{database}"]
    else:
        cmd = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
               "-p", str(port), "-d", database]
    done = subprocess.run(cmd, input=sql, capture_output=True, text=True, cwd="/")
    if done.returncode:
        raise Abort(f"psql as superuser failed: {done.stderr.strip()}")
    return done.stdout


def query(url: str, sql: str) -> list[tuple]:
    import psycopg2

    u = pg_url(url)
    conn = psycopg2.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                            dbname=u.database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def table_counts(url: str) -> dict[str, int]:
    tables = query(url, """
        SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1""")
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for (t,) in tables)
    return dict(query(url, union))


def alembic_heads(url: str) -> dict[str, list[str]]:
    tables = query(url, "SELECT tablename FROM pg_tables WHERE tablename LIKE '%alembic_version%'")
    return {t: sorted(v for (v,) in query(url, f'SELECT version_num FROM "{t}"')) for (t,) in tables}


def db_facts(url: str) -> dict:
    """What a restore recreates before pg_restore: extensions and the database's own settings
    (ALTER DATABASE ... SET), which pg_dump leaves out without --create."""
    return {
        "extensions": [e for (e,) in query(url, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")],
        "settings": [s for (s,) in query(url, """
            SELECT unnest(setconfig) FROM pg_db_role_setting
            WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())""")],
        "server": query(url, "SHOW server_version")[0][0],
    }


def run_with_progress(cmd: list[str], env: dict, marker: str, total: int, label: str) -> None:
    """Runs pg_dump/pg_restore --verbose, advancing a bar at each table's data."""
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    tail = []
    with click.progressbar(length=max(total, 1), label=f"   {label}", show_pos=True) as bar:
        for line in proc.stderr:
            tail = (tail + [line.rstrip()])[-20:]
            if marker in line and bar.pos < bar.length:
                bar.update(1)
    if proc.wait():
        raise Abort(f"{cmd[0]} {label} failed:\n" + "\n".join(tail))


# ------------------------------------------------------------------ files

def sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stored_files(storage: pathlib.Path) -> list[pathlib.Path]:
    """Every file of the file store but the derived folders, sorted."""
    found = []
    for folder, dirs, files in os.walk(storage):
        rel = pathlib.Path(folder).relative_to(storage)
        dirs[:] = sorted(d for d in dirs if (rel / d).as_posix() not in DERIVED)
        found += [pathlib.Path(folder) / f for f in sorted(files)]
    return found


def redacted(text: str) -> str:
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith(("#", ";")) and SECRET_OPTION.search(key):
            line = f"{key} = (secret: not in the backup)"
        lines.append(URL_PASSWORD.sub(r"\1***@", line))
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "HEAD") or "unknown"
    return commit + (" (with local changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


# ------------------------------------------------------------------ backup

@click.group()
def cli():
    """Back up and restore Tangerang Satu Data."""


@cli.command()
@click.option("--ini", type=click.Path(dir_okay=False, path_type=pathlib.Path),
              default=ROOT / "config" / "ckan.ini", show_default=True)
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=pathlib.Path),
              default=lambda: os.environ.get("BACKUP_DIR") or ROOT / "backup",
              help="where the dated set is written (BACKUP_DIR)", show_default="backup/")
def backup(ini: pathlib.Path, parent: pathlib.Path):
    """Write one dated, checksummed backup set."""
    import ckan

    # the set holds every account, token and request of the portal: readable by its owner only
    os.umask(0o077)
    config = load_config(ini)
    started = dt.datetime.now(dt.timezone.utc)
    target = parent / started.strftime("%Y-%m-%dT%H%M%S")
    target.mkdir(parents=True)
    steps = Steps()
    manifest = {"created": started.isoformat(timespec="seconds"), "ini": str(ini.resolve()),
                "site_id": config.get("ckan.site_id"),
                "versions": {"ckan": ckan.__version__, "ckanext-tangerang": git_commit(),
                             "python": sys.version.split()[0]},
                "databases": {}}
    click.echo(f"Backup of {ini} into {target}")

    for name, option in DATABASES:
        url = config[option]
        with steps(f"database {name} ({pg_url(url).database})"):
            facts = db_facts(url)
            facts.update(database=pg_url(url).database, alembic=alembic_heads(url),
                         counts=table_counts(url), file=f"{name}.dump")
            args, env = client_args(url)
            run_with_progress(["pg_dump", "-Fc", "--verbose", *args, "-f", str(target / facts["file"])],
                              env, "dumping contents of table", len(facts["counts"]), "tables")
            manifest["databases"][name] = facts

    storage = pathlib.Path(config["ckan.storage_path"]).resolve()
    with steps(f"file store ({storage})"):
        files = stored_files(storage) if storage.is_dir() else []
        size = sum(f.stat().st_size for f in files)
        with tarfile.open(target / "storage.tar.gz", "w:gz", compresslevel=6) as tar, \
                click.progressbar(length=max(size, 1), label="   bytes", show_pos=True) as bar:
            for f in files:
                tar.add(f, arcname=f.relative_to(storage).as_posix(), recursive=False)
                bar.update(f.stat().st_size)
        manifest["storage"] = {"path": str(storage), "files": len(files), "bytes": size,
                               "left_out": list(DERIVED)}

    with steps("city profile and configuration"):
        value = config.get("ckanext.tangerang.city_profile", "tangerang")
        shutil.copytree(profile_folder(value), target / "city-profile")
        manifest["city_profile"] = {"setting": value, "folder": str(profile_folder(value))}
        (target / "config").mkdir()
        for i, path in enumerate(ini_chain(ini)):
            (target / "config" / f"{i}-{path.name}").write_text(redacted(path.read_text()))
        manifest["config_files"] = [str(p) for p in ini_chain(ini)]

    with steps("manifest and SHA256SUMS"):
        manifest["steps"] = steps.times
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        sums = [f"{sha256(f)}  {f.relative_to(target).as_posix()}"
                for f in sorted(target.rglob("*")) if f.is_file()]
        (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")

    steps.summary(f"Backup written: {target}")
    click.echo("Not in the set: var/secrets.ini (keep it apart), the Solr index (rebuilt), Redis (job queue).")


# ------------------------------------------------------------------ restore

def verify(target: pathlib.Path) -> dict:
    sums = target / "SHA256SUMS"
    if not sums.is_file():
        raise Abort(f"{sums} is missing: not a backup set, or an incomplete one")
    for line in sums.read_text().splitlines():
        digest, name = line.split(None, 1)
        path = target / name.lstrip("*")
        if not path.is_file():
            raise Abort(f"damaged backup set: {path} is missing; nothing was changed")
        if sha256(path) != digest:
            raise Abort(f"damaged backup set: {path} does not match SHA256SUMS; nothing was changed")
    return json.loads((target / "manifest.json").read_text())


def check_secrets(ini: pathlib.Path) -> dict:
    config = load_config(ini)
    missing = [key for key in REQUIRED_SECRETS if not config.get(key)]
    if missing:
        raise Abort(f"{', '.join(missing)} not set in {ini} or the files it builds on: {SECRETS_HINT}")
    return config


def ckan_cli(ini: pathlib.Path, *args: str, show: bool = False) -> subprocess.CompletedProcess:
    """`ckan -c INI ARGS`; show: its output (progress) goes to the terminal."""
    # CKAN_* variables stay: CKAN reads them over the ini, as load_config does
    env = {k: v for k, v in os.environ.items() if k != "CKAN_INI"}
    done = subprocess.run([CKAN, "-c", str(ini), *args], env=env, text=True,
                          stdout=None if show else subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode:
        raise Abort(f"ckan {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def recreate_database(url: str, facts: dict, extensions: list[str]) -> None:
    u = pg_url(url)
    name, owner = u.database, u.username
    admin_psql(u.port or 5432, f"""
        DROP DATABASE IF EXISTS "{name}" WITH (FORCE);
        CREATE DATABASE "{name}" OWNER "{owner}" ENCODING 'UTF8' TEMPLATE template0;
        REVOKE ALL ON DATABASE "{name}" FROM PUBLIC;""")
    setup = [f'CREATE EXTENSION IF NOT EXISTS "{e}";' for e in extensions]
    setup += [f'ALTER DATABASE "{name}" SET {s.split("=", 1)[0]} = \'{s.split("=", 1)[1]}\';'
              for s in facts.get("settings", [])]
    if setup:
        admin_psql(u.port or 5432, "\n".join(setup), database=name)


def restore_database(url: str, dump: pathlib.Path) -> None:
    """pg_restore as the database's owner. Extensions were made by the superuser: their entries
    (and their comments, which only an extension's owner may set) are left out, and the rows
    of their configuration tables (PostGIS's spatial_ref_sys) are written by the superuser."""
    listing = subprocess.run(["pg_restore", "-l", str(dump)], capture_output=True, text=True,
                             check=True).stdout
    entries = [line for line in listing.splitlines()
               if line.strip() and not line.startswith(";") and " EXTENSION " not in line]
    # "id; oid oid TABLE schema name owner" / "id; oid oid TABLE DATA schema name owner"
    tables = {tuple(e.split()[4:6]) for e in entries
              if e.split()[3] == "TABLE" and e.split()[4] != "DATA"}
    of_extensions = [e for e in entries if e.split()[3:5] == ["TABLE", "DATA"]
                     and tuple(e.split()[5:7]) not in tables]
    own = [e for e in entries if e not in of_extensions]
    toc = dump.parent / f".{dump.stem}.toc"
    args, env = client_args(url)
    try:
        toc.write_text("\n".join(own) + "\n")
        run_with_progress(["pg_restore", "--verbose", "--no-owner", "--no-acl", "--exit-on-error",
                           "-L", str(toc), *args, str(dump)],
                          env, "processing data for table",
                          sum(" TABLE DATA " in e for e in own), "tables")
        if of_extensions:
            toc.write_text("\n".join(of_extensions) + "\n")
            sql = subprocess.run(["pg_restore", "-L", str(toc), "-f", "-", str(dump)],
                                 capture_output=True, text=True, check=True).stdout
            admin_psql(pg_url(url).port or 5432, sql, database=pg_url(url).database)
    finally:
        toc.unlink(missing_ok=True)


@cli.command()
@click.option("--ini", type=click.Path(dir_okay=False, path_type=pathlib.Path),
              default=ROOT / "config" / "ckan.ini", show_default=True)
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path))
def restore(ini: pathlib.Path, source: pathlib.Path):
    """Bring the portal of INI back from the backup set SOURCE (its databases are replaced)."""
    steps = Steps()
    click.echo(f"Restore of {source} for {ini}")
    with steps("verify SHA256SUMS"):
        manifest = verify(source)
    config = check_secrets(ini)
    click.echo(f"   set of {manifest['created']} (CKAN {manifest['versions']['ckan']}, "
               f"ckanext-tangerang {manifest['versions']['ckanext-tangerang']})")

    for name, option in DATABASES:
        facts = manifest["databases"][name]
        url = config[option]
        with steps(f"database {name} ({pg_url(url).database})"):
            extensions = sorted(set(facts["extensions"]) | set(ALWAYS_EXTENSIONS.get(name, [])))
            recreate_database(url, facts, extensions)
            restore_database(url, source / facts["file"])

    storage = pathlib.Path(config["ckan.storage_path"]).resolve()
    with steps(f"file store ({storage})"):
        if storage.is_dir() and any(storage.iterdir()):
            aside = storage.with_name(f"{storage.name}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}")
            storage.rename(aside)
            click.echo(f"   the file store there was moved to {aside}")
        storage.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / "storage.tar.gz") as tar:
            members = tar.getmembers()
            with click.progressbar(members, label="   files", show_pos=True) as bar:
                for member in bar:
                    tar.extract(member, storage, filter="data")

    with steps("city profile"):
        value = config.get("ckanext.tangerang.city_profile", "tangerang")
        folder = profile_folder(value)
        saved = source / "city-profile"
        if not folder.exists():
            shutil.copytree(saved, folder)
            click.echo(f"   restored into {folder}")
        elif any(sha256(f) != sha256(folder / f.relative_to(saved))
                 if (folder / f.relative_to(saved)).is_file() else True
                 for f in saved.rglob("*") if f.is_file()):
            click.secho(f"   {folder} differs from the set's copy ({saved}); left as it is", fg="yellow")
        else:
            click.echo(f"   {folder} matches the set")

    with steps("ckan db upgrade and the feature store's migrations"):
        ckan_cli(ini, "db", "upgrade")
        ckan_cli(ini, "tangerang", "satupeta", "store-upgrade")

    with steps("DataStore permissions"):
        sql = ckan_cli(ini, "datastore", "set-permissions").stdout
        # log lines on stdout (an ini logging to the console) are not SQL
        sql = "\n".join(line for line in sql.splitlines() if not re.match(r"\d{4}-\d\d-\d\d ", line))
        admin_psql(pg_url(config["ckan.datastore.write_url"]).port or 5432, sql)

    with steps("Solr index rebuilt from the database"):
        ckan_cli(ini, *SEARCH_REBUILD, show=True)
        click.echo()

    with steps("Satu Peta: CSW records and WMS/WFS mapfiles"):
        ckan_cli(ini, "tangerang", "satupeta", "csw-sync", show=True)
        ckan_cli(ini, "tangerang", "satupeta", "ows-write")

    steps.summary(f"Restored from {source}")


if __name__ == "__main__":
    cli()
