"""Continuous archiving and point-in-time recovery (issue #18), on a throwaway PostgreSQL 15
cluster with the settings docs/operations.md gives: WAL archived by archive_command, a switch at
least every archive_timeout, a base backup by pg_basebackup. The cluster is destroyed after
writes on both sides of a moment T and recovered to T: what was committed before T is back,
what came after is not. Prints the two figures of the operations guide: the recovery point
(how long a commit waits before its WAL is in the archive, the work a total loss would lose) and
the recovery time (from an empty data folder to a cluster answering queries)."""
from __future__ import annotations

import subprocess
import time
import uuid

import sqlalchemy as sa

from ops_services import _pg_bin, ckan_cli, write_ini

ARCHIVE_TIMEOUT = 60


def test_point_in_time_recovery(postgres_cluster, base_ini, tmp_path):
    pg = postgres_cluster
    archive, base = pg.dir / "archive", pg.dir / "base"

    def as_postgres(*cmd):
        return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True,
                              capture_output=True, text=True, cwd=pg.dir).stdout

    def superuser(sql):
        return as_postgres(_pg_bin("psql"), "-X", "-At", "-h", str(pg.dir), "-p", str(pg.port),
                           "-U", "postgres", "-d", "ckan", "-v", "ON_ERROR_STOP=1", "-c", sql).strip()

    # the settings of docs/operations.md, then a restart (archive_mode needs one)
    as_postgres("mkdir", "-m", "700", str(archive))
    with open(pg.data / "postgresql.conf", "a") as conf:
        conf.write(f"wal_level = replica\narchive_mode = on\n"
                   f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
                   f"archive_timeout = {ARCHIVE_TIMEOUT}\n")
    pg.pg_ctl("restart")
    ini = write_ini(tmp_path / "pitr.ini", base_ini, **{"sqlalchemy.url": pg.url})
    ckan_cli(ini, "db", "init")

    started = time.monotonic()
    as_postgres(_pg_bin("pg_basebackup"), "-h", str(pg.dir), "-p", str(pg.port), "-U", "postgres",
                "-D", str(base), "-Ft", "-z", "-X", "stream", "--checkpoint=fast")
    base_backup_seconds = time.monotonic() - started

    engine = sa.create_engine(pg.url)

    def add_datasets(prefix, n):
        # one commit each, as datasets are created one at a time
        for i in range(n):
            with engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO package (id, name, title, type, state, private, metadata_created, "
                    "metadata_modified) VALUES (:id, :name, :name, 'dataset', 'active', false, "
                    "now(), now())"), {"id": str(uuid.uuid4()), "name": f"{prefix}-{i}"})

    add_datasets("sebelum", 50)
    time.sleep(1)
    target = superuser("SELECT clock_timestamp()")
    time.sleep(1)
    # the recovery point at its worst: a commit just after a WAL switch waits archive_timeout
    switched = superuser("SELECT pg_walfile_name(pg_switch_wal())")
    _wait_for(lambda: (archive / switched).exists(), 30)
    add_datasets("sesudah", 50)
    committed = time.monotonic()
    segment = superuser("SELECT pg_walfile_name(pg_current_wal_lsn())")
    _wait_for(lambda: (archive / segment).exists(), ARCHIVE_TIMEOUT + 30)
    archive_lag = time.monotonic() - committed
    engine.dispose()

    # the server is lost: crash, data folder gone
    as_postgres(_pg_bin("pg_ctl"), "stop", "-D", str(pg.data), "-m", "immediate")
    as_postgres("rm", "-rf", str(pg.data))

    started = time.monotonic()
    as_postgres("mkdir", "-m", "700", str(pg.data))
    as_postgres("tar", "-xzf", str(base / "base.tar.gz"), "-C", str(pg.data))
    as_postgres("tar", "-xzf", str(base / "pg_wal.tar.gz"), "-C", str(pg.data / "pg_wal"))
    with open(pg.data / "postgresql.auto.conf", "a") as conf:
        conf.write(f"restore_command = 'cp {archive}/%f %p'\n"
                   f"recovery_target_time = '{target}'\nrecovery_target_action = 'promote'\n")
    as_postgres("touch", str(pg.data / "recovery.signal"))
    pg.pg_ctl("start")
    _wait_for(lambda: superuser("SELECT pg_is_in_recovery()") == "f", 120)
    recovery_seconds = time.monotonic() - started

    names = superuser("SELECT string_agg(DISTINCT split_part(name, '-', 1), ',') FROM package "
                      "WHERE name LIKE 'sebelum-%' OR name LIKE 'sesudah-%'")
    assert superuser("SELECT count(*) FROM package WHERE name LIKE 'sebelum-%'") == "50"
    assert names == "sebelum"
    # promoted at T: it takes writes again, on a new timeline
    engine = sa.create_engine(pg.url)
    add_datasets("baru", 1)
    engine.dispose()
    print(f"\nPITR: base backup {base_backup_seconds:.1f} s; recovery point (archive lag of a commit "
          f"right after a WAL switch, archive_timeout={ARCHIVE_TIMEOUT}s) {archive_lag:.1f} s; "
          f"recovery time (empty data folder to queries, {_archived(archive)} WAL segments "
          f"archived) {recovery_seconds:.1f} s")


def _archived(archive) -> int:
    return sum(1 for p in archive.iterdir() if len(p.name) == 24)


def _wait_for(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except subprocess.CalledProcessError:
            pass  # still starting
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s")
        time.sleep(0.2)
