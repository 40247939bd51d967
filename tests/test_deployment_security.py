"""Security of the production deployment in docker/: CKAN is no database superuser, Solr and Redis
need a password, only the proxy publishes a port, cookies are Secure, the proxy sends HSTS.

Checked on the files as Docker Compose resolves them and, where this machine has the same piece, by
running it: the initdb script and CKAN's and Satu Peta's migrations against the real PostgreSQL 15,
Solr's own password check on the generated security.json, redis-server, haproxy."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import os
import pathlib
import secrets
import shutil
import socket
import string
import stat
import subprocess
import sys
import threading
import time

import pytest
import yaml

from test_deployment import COMPOSE, ROOT, SECRETS, compose_config

DOCKER = ROOT / "docker"
INITDB = DOCKER / "initdb" / "10-ckan-peta.sh"
SOLR_SECURITY = DOCKER / "solr" / "security.sh"
HAPROXY_CFG = DOCKER / "haproxy" / "haproxy.cfg"
VENV_BIN = pathlib.Path(sys.executable).parent
INTERNAL = ("db", "solr", "redis")

needs_compose = pytest.mark.skipif(shutil.which("docker-compose") is None,
                                   reason="Debian's docker-compose missing")


@pytest.fixture(scope="module")
def resolved(tmp_path_factory):
    """The compose file as Docker Compose resolves it with the secrets of SECRETS."""
    proc = compose_config(SECRETS, tmp_path_factory.mktemp("compose"), quiet=False)
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@contextlib.contextmanager
def running(cmd: list[str], port: int):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- secrets and network

@needs_compose
@pytest.mark.parametrize("name", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(name, tmp_path):
    proc = compose_config({k: v for k, v in SECRETS.items() if k != name}, tmp_path)
    assert proc.returncode != 0
    assert f"set {name}" in proc.stderr, proc.stderr


def test_no_solr_password_hash_is_committed():
    # security.json is written at Solr's start from the secret; none may sit in the repository
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    assert not [p for p in tracked.splitlines() if p.endswith("security.json")]


def test_only_the_proxy_publishes_a_port_and_internal_services_stay_internal():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {name for name, s in services.items() if s.get("ports")} == {"lb"}
    assert compose["networks"]["internal"]["internal"] is True
    for name in INTERNAL:
        assert services[name]["networks"] == ["internal"], name
    assert "internal" not in services["lb"]["networks"]
    for name in ("web", "worker"):
        assert "internal" in services[name]["networks"], name
    # the proxy's port is on the loopback unless WEB_BIND says otherwise
    assert services["lb"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-5000}:5000"]


# ---------------------------------------------------------------- PostgreSQL: no superuser

@needs_compose
def test_ckan_connects_as_the_owner_role_not_the_superuser(resolved):
    from sqlalchemy.engine import make_url

    db = resolved["services"]["db"]["environment"]
    assert db["POSTGRES_USER"] == "postgres"
    assert db["CKAN_DB_PASSWORD"] == SECRETS["CKAN_DB_PASSWORD"]
    for service in ("web", "worker"):
        env = resolved["services"][service]["environment"]
        for key in ("CKAN_SQLALCHEMY_URL", "CKAN_SATUPETA_SQLALCHEMY_URL", "CKAN_DATASTORE_WRITE_URL"):
            url = make_url(env[key])
            assert url.username == "ckan" != db["POSTGRES_USER"], (service, key)
            assert url.password == SECRETS["CKAN_DB_PASSWORD"] != SECRETS["POSTGRES_PASSWORD"]
        assert {make_url(env["CKAN_SQLALCHEMY_URL"]).database,
                make_url(env["CKAN_SATUPETA_SQLALCHEMY_URL"]).database,
                make_url(env["CKAN_DATASTORE_WRITE_URL"]).database} == {"ckan", "ckan_peta", "ckan_datastore"}
        # the Data API reads the DataStore as its own role, with its own password
        read = make_url(env["CKAN_DATASTORE_READ_URL"])
        assert (read.username, read.database) == ("datastore_ro", "ckan_datastore")
        assert read.password == SECRETS["CKAN_DATASTORE_RO_PASSWORD"] == db["CKAN_DATASTORE_RO_PASSWORD"]


# ---------------------------------------------------------------- Redis

@needs_compose
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server missing")
def test_redis_as_composed_refuses_clients_without_the_password(resolved, tmp_path):
    import redis

    command = resolved["services"]["redis"]["command"]
    assert command[0] == "redis-server"  # the image's entrypoint drops root only for redis-server
    ckan_url = resolved["services"]["web"]["environment"]["CKAN_REDIS_URL"]
    assert ckan_url == resolved["services"]["worker"]["environment"]["CKAN_REDIS_URL"]
    port = free_port()
    # the compose's own arguments, on a private port and folder of this machine
    cmd = [*command, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
           "--save", ""]
    with running(cmd, port):
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=port).ping()
        local_url = ckan_url.replace("@redis:6379/", f"@127.0.0.1:{port}/")
        assert redis.Redis.from_url(local_url).ping()


# ---------------------------------------------------------------- Solr

def solr_hash(password: str, salt_b64: str) -> str:
    """What Solr's Sha256AuthenticationProvider stores: sha256(sha256(salt + password))."""
    digest = hashlib.sha256(base64.b64decode(salt_b64) + password.encode()).digest()
    return base64.b64encode(hashlib.sha256(digest).digest()).decode()


def test_solr_hash_matches_the_example_of_solrs_documentation():
    assert solr_hash("SolrRocks", "Ndd7LKvVBAaZIF0QAVi1ekCfAJXr1GGfLtRUXhgrF8c=") == \
        "IV0EHq1OnNrj6gvRCwvFwTrZ1+z1oBbnQdiVC3otuq0="


def source_solr_security(home: pathlib.Path, env: dict) -> subprocess.CompletedProcess:
    """Sources security.sh as the Solr image's run-initdb does, then prints the environment."""
    return subprocess.run(["bash", "-c", f'set -e; . "{SOLR_SECURITY}"; env'],
                          capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "SOLR_HOME": str(home), **env})


@pytest.fixture
def solr_security(resolved, tmp_path):
    """security.json as the solr container writes it from the composed environment."""
    env = resolved["services"]["solr"]["environment"]
    proc = source_solr_security(tmp_path, {k: v for k, v in env.items() if k.startswith("CKAN_")})
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "security.json"
    return {"path": path, "json": json.loads(path.read_text()), "env_after": proc.stdout,
            "user": env["CKAN_SOLR_USER"], "password": env["CKAN_SOLR_PASSWORD"]}


@needs_compose
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl missing")
def test_solr_requires_ckans_password_from_the_secret(resolved, solr_security, tmp_path):
    sec = solr_security["json"]
    authn, authz = sec["authentication"], sec["authorization"]
    assert authn["class"] == "solr.BasicAuthPlugin"
    assert authn["blockUnknown"] is True  # no anonymous request at all
    assert authz["class"] == "solr.RuleBasedAuthorizationPlugin"
    assert authz["permissions"] == [{"name": "all", "role": "admin"}]
    user, password = solr_security["user"], solr_security["password"]
    assert password == SECRETS["SOLR_PASSWORD"]
    assert authz["user-role"] == {user: ["admin"]}
    stored, salt = authn["credentials"][user].split(" ")
    assert stored == solr_hash(password, salt)
    assert stored != solr_hash(password + "x", salt)
    assert stat.S_IMODE(solr_security["path"].stat().st_mode) == 0o600
    # Solr's JVM does not inherit the clear password
    assert "CKAN_SOLR_PASSWORD" not in solr_security["env_after"]
    # a new salt at every start
    again = source_solr_security(tmp_path, {"CKAN_SOLR_USER": user, "CKAN_SOLR_PASSWORD": password})
    assert json.loads((tmp_path / "security.json").read_text())["authentication"][
        "credentials"][user].split(" ")[1] != salt, again.stderr
    # no password, no Solr
    missing = source_solr_security(tmp_path / "none", {"CKAN_SOLR_USER": user})
    assert missing.returncode != 0 and "set CKAN_SOLR_PASSWORD" in missing.stderr
    # CKAN sends the same user and password (its solr_user / solr_password)
    for service in ("web", "worker"):
        env = resolved["services"][service]["environment"]
        assert (env["CKAN_SOLR_USER"], env["CKAN_SOLR_PASSWORD"]) == (user, password)
    dockerfile = (DOCKER / "solr" / "Dockerfile").read_text()
    assert "COPY docker/solr/security.sh /docker-entrypoint-initdb.d/" in dockerfile
    # solr-precreate is the command that sources /docker-entrypoint-initdb.d
    assert 'CMD ["solr-precreate"' in dockerfile


SOLR_CHECK = """
import java.nio.file.*;
import java.util.*;
import org.apache.solr.common.util.Utils;
import org.apache.solr.security.Sha256AuthenticationProvider;
public class SolrCheck {
  @SuppressWarnings("unchecked")
  public static void main(String[] a) throws Exception {
    Map<String, Object> sec =
        (Map<String, Object>) Utils.fromJSON(Files.readAllBytes(Path.of(a[0])));
    Sha256AuthenticationProvider p = new Sha256AuthenticationProvider();
    p.init((Map<String, Object>) sec.get("authentication"));
    System.out.println(p.authenticate(a[1], a[2]) + " " + p.authenticate(a[1], a[2] + "x"));
  }
}
"""


@needs_compose
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl missing")
def test_solrs_own_password_check_accepts_ckans_password(solr_security, tmp_path):
    classpath = ROOT / "solr" / "target" / "classpath.txt"
    if shutil.which("java") is None or not classpath.is_file():
        pytest.skip("needs java and the Solr jars of solr/ (scripts/stack.sh start solr)")
    source = tmp_path / "SolrCheck.java"
    source.write_text(SOLR_CHECK)
    proc = subprocess.run(["java", "-cp", classpath.read_text().strip(), str(source),
                           str(solr_security["path"]), solr_security["user"],
                           solr_security["password"]],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["true", "false"], proc.stderr


# ---------------------------------------------------------------- HSTS at the proxy

class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy missing")
def test_proxy_sends_hsts_on_every_answer(tmp_path):
    import urllib.request

    check = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY_CFG)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    backend = http.server.HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = free_port()
    # the same file, with its listener on a free loopback port and the web replicas (found through
    # Docker's DNS in production) replaced by the local backend
    cfg = HAPROXY_CFG.read_text().replace("bind :5000", f"bind 127.0.0.1:{port}")
    cfg = "\n".join(line for line in cfg.splitlines()
                    if not line.strip().startswith(("server-template", "default-server")))
    cfg += f"\n    server local 127.0.0.1:{backend.server_address[1]}\n"
    (tmp_path / "haproxy.cfg").write_text(cfg)
    try:
        with running(["haproxy", "-db", "-f", str(tmp_path / "haproxy.cfg")], port):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/dataset", timeout=10) as resp:
                assert resp.status == 200
                assert resp.headers["Strict-Transport-Security"] == \
                    "max-age=31536000; includeSubDomains"
    finally:
        backend.shutdown()
        backend.server_close()


# ---------------------------------------------------------------- owner role, real PostgreSQL

def _psql_as_superuser(port: int, sql: str) -> str:
    return subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-p",
                           str(port), "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def owner_cluster(ckan_config):
    """Databases and role made by docker/initdb/10-ckan-peta.sh on the local PostgreSQL, under
    throwaway names, dropped afterwards."""
    from sqlalchemy.engine import make_url

    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root to run the initdb script as the postgres superuser")
    port = make_url(ckan_config["sqlalchemy.url"]).port or 5432
    suffix = secrets.token_hex(4)
    names = {"CKAN_DB_USER": f"ckan_deploy_{suffix}", "CKAN_DB_NAME": f"ckan_deploy_{suffix}",
             "CKAN_PETA_DB_NAME": f"ckan_peta_deploy_{suffix}",
             "CKAN_DATASTORE_DB_NAME": f"ckan_datastore_deploy_{suffix}",
             "CKAN_DATASTORE_RO_USER": f"datastore_ro_deploy_{suffix}"}
    password, ro_password = secrets.token_hex(16), secrets.token_hex(16)
    try:
        proc = subprocess.run(
            ["runuser", "-u", "postgres", "--", "env", "POSTGRES_USER=postgres", f"PGPORT={port}",
             f"CKAN_DB_PASSWORD={password}", f"CKAN_DATASTORE_RO_PASSWORD={ro_password}",
             *[f"{k}={v}" for k, v in names.items()], "sh", str(INITDB)],
            capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        yield {"port": port, "user": names["CKAN_DB_USER"], "password": password,
               "ckan_db": names["CKAN_DB_NAME"], "peta_db": names["CKAN_PETA_DB_NAME"],
               "datastore_db": names["CKAN_DATASTORE_DB_NAME"],
               "reader": names["CKAN_DATASTORE_RO_USER"], "reader_password": ro_password}
    finally:
        for db in (names["CKAN_DB_NAME"], names["CKAN_PETA_DB_NAME"], names["CKAN_DATASTORE_DB_NAME"]):
            _psql_as_superuser(port, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (names["CKAN_DB_USER"], names["CKAN_DATASTORE_RO_USER"]):
            _psql_as_superuser(port, f'DROP ROLE IF EXISTS "{role}"')


def _web_start_commands() -> list[list[str]]:
    """The `ckan -c "$CKAN_INI" ...` commands entrypoint.sh runs before gunicorn starts."""
    text = (DOCKER / "entrypoint.sh").read_text()
    web = text[text.index("  web)"):text.index("exec gunicorn")]
    prefix = 'ckan -c "$CKAN_INI" '
    return [line.strip()[len(prefix):].split() for line in web.splitlines()
            if line.strip().startswith(prefix)]


def _run_web_start(command: list[str], ini: str, env: dict) -> None:
    """One start command as entrypoint.sh runs it; `... | psql "$URL"` pipes into psql."""
    if "|" in command:
        args, consumer = command[:command.index("|")], command[command.index("|") + 1:]
        consumer = [string.Template(a.strip('"')).safe_substitute(env) for a in consumer]
        made = subprocess.run([str(VENV_BIN / "ckan"), "-c", ini, *args], env=env,
                              capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, (args, made.stderr[-3000:])
        proc = subprocess.run(consumer, input=made.stdout, env=env, capture_output=True, text=True,
                              timeout=300)
    else:
        proc = subprocess.run([str(VENV_BIN / "ckan"), "-c", ini, *command], env=env,
                              capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (command, proc.stdout[-2000:], proc.stderr[-3000:])


COOKIE_CHECK = """
import json, sys
from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app
app = make_app(CKANConfigLoader(sys.argv[1]).get_config())._wsgi_app
resp = app.test_client().get("/user/login", base_url="https://localhost")
print(json.dumps({"status": resp.status_code, "cookies": resp.headers.getlist("Set-Cookie"),
                  "remember_secure": app.config["REMEMBER_COOKIE_SECURE"]}))
"""


@pytest.mark.services
def test_ckan_migrates_and_serves_as_the_non_superuser_owner(owner_cluster, ckan_config, tmp_path):
    import psycopg2
    import sqlalchemy as sa

    c = owner_cluster
    url = f"postgresql://{c['user']}:{c['password']}@127.0.0.1:{c['port']}/"
    roles = _psql_as_superuser(
        c["port"], "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication "
                   f"FROM pg_roles WHERE rolname = '{c['user']}'")
    assert roles.strip() == "f|f|f|f"

    # the production ini and environment (docker-compose.yml's x-ckan-env), pointed at this
    # machine: the throwaway databases, the test Solr core and Redis database
    env = {**os.environ, "CKAN_SQLALCHEMY_URL": url + c["ckan_db"],
           "CKAN_SATUPETA_SQLALCHEMY_URL": url + c["peta_db"],
           "CKAN_DATASTORE_WRITE_URL": url + c["datastore_db"],
           "CKAN_DATASTORE_READ_URL": f"postgresql://{c['reader']}:{c['reader_password']}@127.0.0.1:"
                                      f"{c['port']}/{c['datastore_db']}",
           "CKAN_SOLR_URL": ckan_config["solr_url"], "CKAN_SOLR_USER": "ckan",
           "CKAN_SOLR_PASSWORD": "unused-by-the-local-solr",
           "CKAN_REDIS_URL": ckan_config["ckan.redis.url"],
           "CKAN_STORAGE_PATH": str(tmp_path / "storage"), "CKAN_SITE_URL": "https://localhost",
           # a site id of its own: searches (sync-urusan) see none of the test core's datasets
           "CKAN_SITE_ID": c["ckan_db"], "CKAN_SECRET_KEY": "test", "CKAN_TRUSTED_PROXIES": "1"}
    (tmp_path / "storage").mkdir()
    ini = str(DOCKER / "ckan-docker.ini")
    commands = _web_start_commands()
    assert commands[:3] == [["db", "init"], ["tangerang", "satupeta", "store-upgrade"],
                            ["datastore", "set-permissions", "|", "psql", "-X", "-q", "-v",
                             "ON_ERROR_STOP=1", '"$CKAN_DATASTORE_WRITE_URL"']]
    for args in commands:
        _run_web_start(args, ini, env)

    # CKAN's, its plugins' and Satu Peta's tables exist, owned by the role
    for db, tables in ((c["ckan_db"], ("package", "alembic_version", "activity")),
                       (c["peta_db"], ("tangerang_satupeta_layer", "tangerang_satupeta_import",
                                       "tangerang_satupeta_alembic_version"))):
        engine = sa.create_engine(url + db)
        with engine.connect() as conn:
            owners = dict(conn.execute(sa.text(
                "SELECT tablename, tableowner FROM pg_tables WHERE tablename = ANY(:t)"),
                {"t": list(tables)}).all())
        engine.dispose()
        assert owners == {t: c["user"] for t in tables}, db

    # the role cannot run programs on the database host, nor make databases or roles
    conn = psycopg2.connect(url + c["ckan_db"])
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for sql in ("COPY (SELECT 1) TO PROGRAM 'id'",
                        "CREATE TEMP TABLE t (x text); COPY t FROM PROGRAM 'id'",
                        "CREATE DATABASE ckan_deploy_never", "CREATE ROLE ckan_deploy_never"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(sql)
    finally:
        conn.close()
    # no other role may even connect to the databases; the DataStore's reader reads its own only
    other = sa.engine.make_url(ckan_config["sqlalchemy.url"]).set(database=c["ckan_db"])
    with pytest.raises(sa.exc.OperationalError, match="permission denied"):
        sa.create_engine(other).connect()
    reader = sa.engine.make_url(env["CKAN_DATASTORE_READ_URL"])
    for db in (c["ckan_db"], c["peta_db"]):
        with pytest.raises(sa.exc.OperationalError, match="permission denied"):
            sa.create_engine(reader.set(database=db)).connect()
    engine = sa.create_engine(reader)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM _table_metadata")).scalar() == 0
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "15s"
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.execute(sa.text("CREATE TABLE never (x int)"))
    engine.dispose()

    # the portal built from the production ini sends its session cookie with Secure (HTTPS only)
    proc = subprocess.run([sys.executable, "-c", COOKIE_CHECK, ini], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    session = [h for h in result["cookies"] if h.startswith("ckan=")]
    assert session, result
    attributes = {a.strip().split("=")[0].lower() for a in session[0].split(";")[1:]}
    assert {"secure", "httponly"} <= attributes, session[0]
    assert result["remember_secure"] is True
