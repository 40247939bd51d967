"""Throwaway services of the operations tests and benchmarks: each runs on free loopback ports
(Solr nodes, a SolrCloud behind HAProxy, redis-server, a PostgreSQL cluster, a portal under
gunicorn), so that stopping or killing it never touches the shared services other tests use."""
from __future__ import annotations

import os
import pathlib
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

from live_portal import (LOG_DIR, Portal, ServiceError, free_port, http_ok,  # noqa: F401
                         stop, wait_until, write_ini)

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent


SOLR = ROOT / "solr"
CONFIGSET = ROOT / "config" / "solr" / "ckan" / "conf"


def fail(message: str):
    raise ServiceError(message)


# ---------------------------------------------------------------- Solr (the project's launcher)

def solr_command(*args: str, heap: str = "512m") -> list[str]:
    classpath = SOLR / "target" / "classpath.txt"
    if not classpath.exists():
        fail("the Solr launcher is not built; run `make test` (scripts/stack.sh builds it)")
    cp = f"{SOLR / 'target' / 'classes'}:{classpath.read_text().strip()}"
    return ["java", "-Xms128m", f"-Xmx{heap}", f"-Dlog4j.configurationFile={SOLR / 'log4j2.xml'}",
            "-cp", cp, "id.go.tangerangkota.solr.SolrLauncher", *args]


class SolrNode:
    """One Solr node (the first core's URL in .url), as scripts/stack.sh runs it; stop() and
    start() keep the index."""

    def __init__(self, home: pathlib.Path, core: str = "ckan", *more_cores: str, heap: str = "512m"):
        self.home, self.cores, self.port, self.heap = home, (core, *more_cores), free_port(), heap
        self.url = f"http://127.0.0.1:{self.port}/solr/{core}"
        self.log_path = LOG_DIR / f"ops-solr-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            solr_command(str(self.home), str(self.port), str(CONFIGSET), *self.cores, heap=self.heap),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_until(lambda: http_ok(f"{self.url}/admin/ping?wt=json"), 120,
                   f"own Solr on :{self.port}", self.proc, self.log_path)

    def stop(self) -> None:
        """A crash, not a polite shutdown: SIGKILL."""
        if self.proc:
            stop(self.proc, signal.SIGKILL)


HAPROXY_CFG = """\
global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # a request that meets a node going down is sent again to another node: also when the node
    # answers 500 itself, as a node whose replica is closing or not yet active does when it
    # fails to pass the request on ("Error trying to proxy request ... _forwardCount: 1")
    option http-buffer-request
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 500 502 503 504
frontend solr
    bind 127.0.0.1:{port}
    default_backend solr_nodes
backend solr_nodes
    balance roundrobin
    option httpchk GET /solr/{collection}/admin/ping
    http-check expect status 200
    default-server inter 500ms fall 1 rise 2
{servers}
"""


class SolrCloud:
    """A two-node SolrCloud (the launcher's cloud mode) behind HAProxy with health checks."""

    def __init__(self, base: pathlib.Path, collection: str = "ckan", nodes: int = 2):
        self.base, self.collection = base, collection
        self.ports = [free_port() for _ in range(nodes)]
        self.lb_port = free_port()
        self.url = f"http://127.0.0.1:{self.lb_port}/solr/{collection}"
        self.log_path = LOG_DIR / f"ops-solrcloud-{self.lb_port}.log"

    def start(self) -> None:
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            solr_command("cloud", str(self.base / "cloud"), str(CONFIGSET), self.collection,
                         *map(str, self.ports), heap="768m"),
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.PIPE, text=True, bufsize=1)
        self._expect("SolrCloud ready", 180)
        cfg = self.base / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(
            port=self.lb_port, collection=self.collection,
            servers="\n".join(f"    server node{p} 127.0.0.1:{p} check" for p in self.ports)))
        self.lb = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)],
                                   stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: http_ok(f"{self.url}/admin/ping?wt=json"), 30,
                   "HAProxy in front of SolrCloud", self.lb, self.log_path)

    def _expect(self, prefix: str, timeout: float) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                fail(f"the SolrCloud launcher exited; see {self.log_path}")
            self.log.write(line)
            if line.startswith(prefix):
                return line
        fail(f"SolrCloud: no '{prefix}' after {timeout}s; see {self.log_path}")

    def command(self, verb: str, port: int) -> None:
        """Sends `stop PORT` / `start PORT` to the launcher without waiting for it."""
        self.proc.stdin.write(f"{verb} {port}\n")
        self.proc.stdin.flush()

    def wait(self, verb: str, port: int, timeout: float = 120) -> None:
        self._expect(f"{verb} {port}", timeout)

    def node_up(self, port: int) -> bool:
        try:
            return http_ok(f"http://127.0.0.1:{port}/solr/{self.collection}/admin/ping?wt=json")
        except requests.RequestException:
            return False

    def close(self) -> None:
        stop(self.lb)
        self.proc.stdin.close()
        stop(self.proc, timeout=60)
        self.log.close()


# ---------------------------------------------------------------- Redis

class RedisServer:
    """redis-server with an append-only file, as scripts/stack.sh runs it."""

    def __init__(self, data_dir: pathlib.Path):
        self.dir, self.port = data_dir, free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = LOG_DIR / f"ops-redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile",
             str(self.log_path)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                                          capture_output=True, text=True).stdout.strip() == "PONG",
                   30, f"own Redis on :{self.port}", self.proc, self.log_path)

    def stop(self) -> None:
        """A crash: SIGKILL, so only what the append-only file holds survives."""
        if self.proc:
            stop(self.proc, signal.SIGKILL)


# ---------------------------------------------------------------- PostgreSQL

def _pg_bin(name: str) -> str:
    for candidate in (pathlib.Path("/usr/lib/postgresql/15/bin") / name, shutil.which(name)):
        if candidate and pathlib.Path(candidate).exists():
            return str(candidate)
    fail(f"{name} not found (postgresql-15 is in the Makefile's APT_PACKAGES)")


class PostgresCluster:
    """A throwaway PostgreSQL 15 cluster (initdb into a temp dir, run as the postgres user)."""

    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="ops-pg-"))
        self.data, self.port = self.dir / "data", free_port()
        # in its own folder: the postgres user may not reach a checkout under a private temp dir
        self.log_path = self.dir / "postgres.log"
        self.url = f"postgresql://ckan:ckan@127.0.0.1:{self.port}/ckan"
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        open(self.log_path, "w").close()
        os.chown(self.log_path, pw.pw_uid, pw.pw_gid)

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                       capture_output=True, cwd=self.dir)

    def pg_ctl(self, action: str) -> None:
        self._as_postgres(_pg_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-m", "fast",
                          "-l", str(self.log_path),
                          "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 "
                                f"-c unix_socket_directories={self.dir}")

    def start_new(self) -> None:
        self._as_postgres(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8")
        self.pg_ctl("start")
        psql = [_pg_bin("psql"), "-X", "-q", "-h", str(self.dir), "-p", str(self.port),
                "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
        self._as_postgres(*psql, "CREATE ROLE ckan LOGIN PASSWORD 'ckan'")
        self._as_postgres(*psql, "CREATE DATABASE ckan OWNER ckan TEMPLATE template0")

    def destroy(self) -> None:
        try:
            self.pg_ctl("stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- a portal on its own services

def ckan_cli(ini: pathlib.Path, *args: str, check: bool = True, timeout: float = 300):
    return subprocess.run([str(VENV_BIN / "ckan"), "-c", str(ini), *args], capture_output=True,
                          text=True, check=check, timeout=timeout)


