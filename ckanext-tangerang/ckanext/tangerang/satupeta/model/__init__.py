"""The feature store: Satu Peta's PostGIS database (registry, import runs, one table per layer).

Geometries are kept in EPSG:4326 in a `geometry` column with a GiST index, properties in `jsonb`.
A new import builds a fresh table and swaps it in with the registry row in one transaction.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import io
import logging
import math
import os
import select
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import cachetools
import orjson
import psycopg2
import sqlalchemy as sa

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

LAYER = "tangerang_satupeta_layer"
IMPORT = "tangerang_satupeta_import"
FEATURE_PREFIX = "tangerang_satupeta_f_"
# the types a layer's geometry column may get (ingest.SINGLE_TYPES, MULTI_TYPES)
GEOMETRY_TYPES = frozenset({"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                            "MultiPolygon"})
# Vector tiles read Web Mercator copies of the geometry that PostgreSQL computes while COPY writes
# (no transform per tile request); a feature of many vertices also gets a copy simplified to half
# a pixel of zoom LOW_ZOOM, drawn up to that zoom. Migration 0005 added them to older tables.
LOW_ZOOM = 12
TILE_COLUMNS = (
    "geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED",
    "geom_3857_low geometry(Geometry, 3857) GENERATED ALWAYS AS (CASE WHEN ST_NPoints(geom) > 32 "
    f"THEN ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), {40075016.68557849 / 2 ** LOW_ZOOM / 4096 / 2:.4f}) "
    "END) STORED")


@functools.lru_cache(maxsize=4)
def _engine(url: str) -> sa.engine.Engine:
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def engine() -> sa.engine.Engine:
    return _engine(tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"])


@functools.lru_cache(maxsize=4)
def _reader(url: str) -> sa.engine.Engine:
    # the layer states' reads (_read_states: with the cache off or while it cannot listen) in one
    # round trip instead of three (no ping before the checkout, no transaction to roll back after
    # it), retried once on a fresh connection when the database dropped the old one, as the ping
    # would have found it; the cache's listener is taken from this pool too
    return sa.create_engine(url, future=True, isolation_level="AUTOCOMMIT")


def _row(row) -> dict[str, Any] | None:
    return dict(row._mapping) if row is not None else None


# --- import runs -------------------------------------------------------------------------------

def create_import(layer_id: str, package_id: str, crs: str | None,
                  source_layer: str | None = None) -> dict[str, Any]:
    import_id = str(uuid.uuid4())
    with engine().begin() as conn:
        conn.execute(sa.text(
            f"INSERT INTO {IMPORT} (id, layer_id, package_id, status, crs, source_layer) "
            "VALUES (:id, :layer, :pkg, 'queued', :crs, :source_layer)"),
            {"id": import_id, "layer": layer_id, "pkg": package_id, "crs": crs,
             "source_layer": source_layer})
    _changed(layer_id)
    return get_import(import_id)


def get_import(import_id: str) -> dict[str, Any] | None:
    with engine().connect() as conn:
        return _row(conn.execute(sa.text(f"SELECT * FROM {IMPORT} WHERE id = :id"),
                                 {"id": import_id}).first())


def last_import(layer_id: str) -> dict[str, Any] | None:
    with engine().connect() as conn:
        return _row(conn.execute(sa.text(
            f"SELECT * FROM {IMPORT} WHERE layer_id = :id ORDER BY created DESC LIMIT 1"),
            {"id": layer_id}).first())


# One query for the states of some resources (unnest of their ids) or of all that have any.
_STATES_SQL = (f"SELECT r.id, EXISTS (SELECT 1 FROM {LAYER} l WHERE l.id = r.id) AS served, "
               f"(SELECT i.status FROM {IMPORT} i WHERE i.layer_id = r.id "
               " ORDER BY i.created DESC LIMIT 1) AS status FROM {} AS r(id)")
_SOME = _STATES_SQL.format("unnest(CAST(%(ids)s AS text[]))")
_ALL = _STATES_SQL.format(f"(SELECT id FROM {LAYER} UNION SELECT layer_id FROM {IMPORT})")
# the store's triggers (storemigration 0006) name here each resource whose state may have changed
STATE_CHANNEL = "tangerang_satupeta_layer_state"
_MOVING = ("queued", "running")


def layer_states(resource_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """Each resource's layer state and last import's status. The state is "active" (a layer is
    served: maybe a previous version while a new import runs or after it failed), "pending" (no
    layer yet, an import is queued or running) or "failed" (no layer, the last import failed). A
    resource that was never imported is left out.

    Every package_show asks, so a web worker keeps the states in memory (_StateCache) and reads
    the store only for those that changed; without the cache (option layer_state_cache off, or
    the store unreachable a moment ago) it asks the store."""
    ids = list(resource_ids)
    if not ids:
        return {}
    raw = None
    cache = _state_cache()
    if cache is not None:
        try:
            raw = cache.lookup(ids)
        except (psycopg2.Error, sa.exc.SQLAlchemyError) as e:
            log.warning("layer states read from the store, not kept: %s", e)
            cache.drop()
    if raw is None:
        raw = _read_states(ids)
    states = {}
    for rid, (served, status) in raw.items():
        if served:
            states[rid] = ("active", status)
        elif status in _MOVING:
            states[rid] = ("pending", status)
        elif status == "failed":
            states[rid] = ("failed", status)
    return states


def _read_states(ids: list[str]) -> dict[str, tuple[bool, str | None]]:
    reader = _reader(tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"])
    try:
        with reader.connect() as conn:  # the driver's own SQL: no statement to compile
            rows = conn.exec_driver_sql(_SOME, {"ids": ids}).all()
    except sa.exc.DBAPIError as e:
        if not e.connection_invalidated:
            raise
        with reader.connect() as conn:  # the pool was emptied of the lost connections
            rows = conn.exec_driver_sql(_SOME, {"ids": ids}).all()
    return {rid: (served, status) for rid, served, status in rows}


class _StateCache:
    """A process's copy of every layer state, kept current by the store's notifications.

    It LISTENs first, then reads all states: a change committed after the LISTEN is announced,
    one before it is in the read. A notification marks its resource stale and the next lookup
    re-reads the stale ones in one query (a lookup with nothing stale makes no round trip).
    A thread takes the notifications as they come, so that an idle worker never lets the
    store's notification queue fill. States of an import under way are always read afresh: they
    are the ones a person waits to see change. This process's own writes mark their resources
    stale at once (`changed`), without waiting for the announcement; another process's change
    is seen once its notification arrived (a few milliseconds after that commit)."""

    def __init__(self, url: str):
        self.url = url
        self.lock = threading.Lock()
        self.listener = None  # a psycopg2 connection of its own, outside the reader's pool
        self.states: dict[str, tuple[bool, str | None]] = {}
        self.stale: set[str] = set()
        self.reload = False
        self.silent_until = 0.0

    def lookup(self, ids: list[str]) -> dict[str, tuple[bool, str | None]] | None:
        """The states of these resources, or None while the store announces no changes."""
        with self.lock:
            if self.listener is not None:
                self._take()
            if self.listener is None:
                if time.monotonic() < self.silent_until:
                    return None
                self._listen()
                if self.listener is None:
                    return None
            if self.reload:
                self._read(None)
            elif self.stale:
                self._read(list(self.stale))
            found = {i: self.states[i] for i in ids if i in self.states}
            moving = [i for i, (_, status) in found.items() if status in _MOVING]
            if moving:
                self._read(moving)
                found = {i: self.states[i] for i in ids if i in self.states}
            return found

    def changed(self, ids: Iterable[str]) -> None:
        with self.lock:
            self.stale.update(ids)

    def drop(self) -> None:
        with self.lock:
            self._drop()

    def _listen(self) -> None:
        pooled = _reader(self.url).raw_connection()
        conn = pooled.driver_connection
        pooled.detach()  # this connection is the cache's: it never goes back to the pool
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT to_regproc('tangerang_satupeta_state_changed') IS NOT NULL")
                if not cur.fetchone()[0]:
                    # a store not upgraded yet (storemigration 0006) announces nothing: ask it
                    # on every lookup, and look again in a minute
                    log.warning("feature store without layer state notifications: "
                                "ckan tangerang satupeta store-upgrade")
                    conn.close()
                    self.silent_until = time.monotonic() + 60
                    return
                cur.execute(f"LISTEN {STATE_CHANNEL}")
            self.listener = conn
            self._read(None)
        except Exception:
            self._drop()
            conn.close()
            raise
        threading.Thread(target=self._drain, args=(conn,), daemon=True,
                         name="satupeta-layer-states").start()

    def _read(self, ids: list[str] | None) -> None:
        with self.listener.cursor() as cur:
            if ids is None:
                cur.execute(_ALL)
                self.states.clear()
            else:
                cur.execute(_SOME, {"ids": ids})
                for rid in ids:
                    self.states.pop(rid, None)
            for rid, served, status in cur:
                if served or status:
                    self.states[rid] = (served, status)
        if ids is None:
            self.reload = False
            self.stale.clear()
        else:
            self.stale.difference_update(ids)

    def _take(self) -> None:
        """Marks stale what the notifications that arrived name; a lost listener is dropped."""
        try:
            self.listener.poll()
        except psycopg2.Error:
            self._drop()
            return
        for note in self.listener.notifies:
            if note.payload == "*":
                self.reload = True
            else:
                self.stale.add(note.payload)
        self.listener.notifies.clear()
        if len(self.stale) > 10000:  # many changes at once (a bulk delete): one full read
            self.reload = True
            self.stale.clear()

    def _drop(self) -> None:
        conn, self.listener = self.listener, None
        self.states.clear()
        self.stale.clear()
        if conn is not None:
            try:
                conn.close()
            except psycopg2.Error:
                pass

    def _drain(self, conn) -> None:
        while True:
            try:
                select.select([conn], [], [], 60)
            except (OSError, ValueError):  # closed under us
                return
            with self.lock:
                if self.listener is not conn:
                    return
                self._take()


# One cache per process and store; a forked child (an rq job) makes its own and leaves its
# parent's alone (closing it would end the parent's session, which shares its socket).
_STATE_CACHES: dict[tuple[int, str], _StateCache] = {}


def _state_cache() -> _StateCache | None:
    if not tk.config.get("ckanext.tangerang.satupeta.layer_state_cache"):
        return None
    url = tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"]
    key = (os.getpid(), url)
    cache = _STATE_CACHES.get(key)
    if cache is None:
        cache = _STATE_CACHES.setdefault(key, _StateCache(url))
    return cache


def _changed(*layer_ids: str) -> None:
    """This process's own change of these layers' states: seen by its next lookup."""
    pid = os.getpid()
    for (owner, _), cache in list(_STATE_CACHES.items()):
        if owner == pid:
            cache.changed(layer_ids)


def update_import(import_id: str, **values: Any) -> None:
    """Progress and outcome, committed at once (the import's own transaction is still open)."""
    for key in ("error", "report"):
        if key in values and values[key] is not None:
            values[key] = orjson.dumps(values[key]).decode()
    if values.get("status") in ("done", "failed"):
        values["finished"] = dt.datetime.now(dt.timezone.utc)
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with engine().begin() as conn:
        layer_id = conn.execute(sa.text(f"UPDATE {IMPORT} SET {sets} WHERE id = :id RETURNING layer_id"),
                                {**values, "id": import_id}).scalar()
    if "status" in values and layer_id:
        _changed(layer_id)


# --- layers ------------------------------------------------------------------------------------

def get_layer(layer_id: str) -> dict[str, Any] | None:
    with engine().connect() as conn:
        return _row(conn.execute(sa.text(f"SELECT * FROM {LAYER} WHERE id = :id"),
                                 {"id": layer_id}).first())


def layers(package_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    query = f"SELECT * FROM {LAYER}"
    params: dict[str, Any] = {}
    if package_ids is not None:
        query += " WHERE package_id = ANY(:pkgs)"
        params["pkgs"] = list(package_ids)
    with engine().connect() as conn:
        return [_row(r) for r in conn.execute(sa.text(query + " ORDER BY title, id"), params)]


def package_bbox(package_id: str) -> tuple[float, float, float, float] | None:
    boxes = [r["bbox"] for r in layers([package_id]) if r["bbox"]]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def delete_layer(layer_id: str) -> bool:
    with engine().begin() as conn:
        row = conn.execute(sa.text(f"DELETE FROM {LAYER} WHERE id = :id RETURNING table_name"),
                           {"id": layer_id}).first()
        if row is None:
            return False
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{row.table_name}"'))
        conn.execute(sa.text(f"DELETE FROM {IMPORT} WHERE layer_id = :id"), {"id": layer_id})
    _changed(layer_id)
    return True


class LayerWriter:
    """Builds a layer's new table inside one transaction; `commit` swaps it in with the registry row,
    `abort` (or an exception) leaves the previous version untouched."""

    def __init__(self, layer_id: str, import_id: str):
        self.layer_id = layer_id
        self.table = FEATURE_PREFIX + uuid.UUID(import_id).hex
        self._conn = engine().raw_connection()
        self._cur = self._conn.cursor()
        # untyped until the first batch says its type (see write)
        self._cur.execute(
            f'CREATE TABLE "{self.table}" (fid bigint PRIMARY KEY, properties jsonb NOT NULL, '
            "geom geometry(Geometry, 4326) NOT NULL, " + ", ".join(TILE_COLUMNS) + ")")
        self.geometry_type: str | None = None
        self.written = 0
        # one COPY runs while the reader prepares the next batch: PostgreSQL and the reader
        # then work on two cores (psycopg2 lets go of the GIL while it sends)
        self._copier = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._pending: concurrent.futures.Future | None = None

    def _wait(self) -> None:
        """Waits for the COPY in flight; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _set_type(self, geometry_type: str) -> None:
        """Types the geometry column, so GDAL/QGIS read e.g. "Multi Polygon", not "Unknown (any)".
        The first batch types the still empty table; a later change is single -> Multi* only
        (ingest switches a layer once it meets a multi part), and ST_Multi converts the rows
        written before it (a rewrite of those, at most once per import)."""
        if geometry_type not in GEOMETRY_TYPES:
            raise ValueError(f"geometry type {geometry_type!r}")
        self._wait()
        using = "ST_Multi(geom)" if geometry_type.startswith("Multi") else "geom"
        # the tile columns are computed from geom: PostgreSQL wants them dropped while its type
        # changes, and added again in the same rewrite
        self._cur.execute(f'ALTER TABLE "{self.table}" DROP COLUMN geom_3857, DROP COLUMN geom_3857_low, '
                          f"ALTER COLUMN geom TYPE geometry({geometry_type}, 4326) USING {using}, "
                          + ", ".join(f"ADD COLUMN {c}" for c in TILE_COLUMNS))
        self.geometry_type = geometry_type

    def write(self, fids: Iterable[int], properties: Iterable[bytes], ewkb_hex: Iterable[str],
              geometry_type: str | None = None) -> int:
        """Copies a batch in; `geometry_type` (ingest.Batch's) is the type of all its geometries."""
        if geometry_type and geometry_type != self.geometry_type:
            self._set_type(geometry_type)
        buf = io.StringIO()
        n = 0
        for fid, props, geom in zip(fids, properties, ewkb_hex):
            # COPY's text format: only the backslash needs escaping in orjson's output
            buf.write(f"{fid}\t{props.decode().replace(chr(92), chr(92) * 2)}\t{geom}\n")
            n += 1
        buf.seek(0)
        self._wait()
        # FREEZE (the table is this transaction's own): rows written frozen and marked all-visible,
        # so no reader sets hint bits and no autovacuum rewrites pages after the import, and
        # items pages find their start by an index-only scan from the first request
        self._pending = self._copier.submit(
            self._cur.copy_expert, f'COPY "{self.table}" (fid, properties, geom) FROM STDIN WITH (FREEZE)', buf)
        self.written += n
        return n

    def commit(self, package_id: str, title: str, source_crs: str, family: str,
               bbox: list[float] | None, fields: list[dict], report: dict) -> None:
        self._wait()
        self._copier.shutdown()
        cur = self._cur
        cur.execute(f'CREATE INDEX ON "{self.table}" USING gist (geom)')
        cur.execute(f'CREATE INDEX ON "{self.table}" USING gist (geom_3857)')
        cur.execute(f'ANALYZE "{self.table}"')
        # the row lock serialises two imports of one layer; the loser's table is dropped below
        cur.execute(f"SELECT table_name FROM {LAYER} WHERE id = %s FOR UPDATE", (self.layer_id,))
        old = cur.fetchone()
        values = (package_id, self.table, title, source_crs, self.written, family, bbox,
                  orjson.dumps(fields).decode(), orjson.dumps(report).decode())
        if old:
            cur.execute(
                f"UPDATE {LAYER} SET package_id=%s, table_name=%s, title=%s, source_crs=%s, "
                "feature_count=%s, geometry_family=%s, bbox=%s, fields=%s, report=%s, imported=now(), "
                "version = version + 1 WHERE id = %s", (*values, self.layer_id))
            cur.execute(f'DROP TABLE IF EXISTS "{old[0]}"')
        else:
            cur.execute(
                f"INSERT INTO {LAYER} (package_id, table_name, title, source_crs, feature_count, "
                "geometry_family, bbox, fields, report, id) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (*values, self.layer_id))
        self._conn.commit()
        self._conn.close()
        _changed(self.layer_id)

    def abort(self) -> None:
        try:
            try:
                self._wait()
            except Exception:  # the COPY failed: the rollback below is all that is left to do
                pass
            self._copier.shutdown()
            self._conn.rollback()
        finally:
            self._conn.close()


# --- reading -----------------------------------------------------------------------------------

def _swap_safe(func):
    """A re-import may drop the table a reader looked up a moment before: read the new one."""
    @functools.wraps(func)
    def wrapper(layer, *args, **kwargs):
        try:
            return func(layer, *args, **kwargs)
        except sa.exc.ProgrammingError as e:
            fresh = get_layer(layer["id"])
            if "does not exist" not in str(e) or not fresh or fresh["table_name"] == layer["table_name"]:
                raise
            layer.update(fresh)
            return func(layer, *args, **kwargs)
    return wrapper


# A feature table is written once, by one import (a re-import builds a new table), so the areas
# of the search page, read on every view of it, are kept per table.
_EXTENTS: cachetools.LRUCache = cachetools.LRUCache(maxsize=32)


@_swap_safe
def extents_by_name(layer: dict[str, Any], name_field: str) -> list[tuple[str, list[float]]]:
    """Each distinct value of a property with the bounding box of its features (an area split
    over several features, e.g. a kecamatan with islands, gets one box)."""
    key = (layer["table_name"], name_field)
    if key not in _EXTENTS:
        with engine().connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT name, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
                f'  SELECT properties ->> :field AS name, ST_Extent(geom) AS e FROM "{layer["table_name"]}"'
                "   WHERE properties ->> :field IS NOT NULL GROUP BY 1) AS areas ORDER BY name"),
                {"field": name_field}).all()
        _EXTENTS[key] = [(name, [float(v) for v in box]) for name, *box in rows]
    return _EXTENTS[key]


@_swap_safe
def has_multi_points(layer: dict[str, Any]) -> bool:
    """Whether the layer holds a MultiPoint (a Shapefile holds points or multipoints, not both)."""
    with engine().connect() as conn:
        return bool(conn.execute(sa.text(
            f'SELECT EXISTS (SELECT 1 FROM "{layer["table_name"]}" '
            "WHERE ST_GeometryType(geom) = 'ST_MultiPoint')")).scalar())


@_swap_safe
def query_features(layer: dict[str, Any], *, bbox: tuple[float, float, float, float] | None = None,
                   filters: dict[str, str] | None = None, limit: int = 100, offset: int = 0,
                   fid: int | None = None, as_geojson: bool = True, count: bool = True,
                   filter_sql: tuple[str, dict[str, Any]] | None = None) -> tuple[int | None, list[tuple]]:
    """Rows (fid, properties json text, geometry as GeoJSON text or WKB) and the number matched.

    `filter_sql` is a WHERE fragment on `properties` and `geom` with its bound parameters
    (cql.to_sql's, named cql0, cql1, ...)."""
    where, params = ["true"], {"limit": limit, "offset": offset}
    if bbox:
        where.append("geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
    for i, (name, value) in enumerate((filters or {}).items()):
        where.append(f"properties ->> :k{i} = :v{i}")
        params.update({f"k{i}": name, f"v{i}": value})
    if fid is not None:
        where.append("fid = :fid")
        params["fid"] = fid
    if filter_sql:
        where.append(f"({filter_sql[0]})")
        params.update(filter_sql[1])
    cond = " AND ".join(where)
    geom = "ST_AsGeoJSON(geom, 7)" if as_geojson else "ST_AsBinary(geom)"
    table = layer["table_name"]
    # a deep page starts at the fid found by an index-only scan: with OFFSET in the main query
    # PostgreSQL would build the GeoJSON of every skipped row too (5x slower half-way through
    # 100,000 features)
    start = (f' AND fid >= (SELECT fid FROM "{table}" WHERE {cond} ORDER BY fid OFFSET :offset LIMIT 1)'
             if offset else "")
    try:
        with engine().connect() as conn:
            rows = conn.execute(sa.text(
                f'SELECT fid, properties::text, {geom} FROM "{table}" WHERE {cond}{start} '
                "ORDER BY fid LIMIT :limit"), params).all()
            matched = None
            if count:
                if cond == "true":
                    matched = layer["feature_count"]
                else:
                    matched = conn.execute(sa.text(f'SELECT count(*) FROM "{table}" WHERE {cond}'),
                                           params).scalar()
    except (sa.exc.DataError, sa.exc.InternalError) as e:
        if not filter_sql:
            raise
        raise FilterFailed(str(e.orig).split("\n", 1)[0]) from e
    return matched, rows


class FilterFailed(ValueError):
    """The database could not evaluate a client's filter (e.g. GEOS on a feature's invalid geometry)."""


def iter_features(layer: dict[str, Any], batch: int = 5000) -> Iterator[list[tuple]]:
    """All features in fid order, as (fid, properties json text, WKB), a batch at a time."""
    last = 0
    with engine().connect() as conn:
        while True:
            rows = conn.execute(sa.text(
                f'SELECT fid, properties::text, ST_AsBinary(geom) FROM "{layer["table_name"]}" '
                "WHERE fid > :last ORDER BY fid LIMIT :n"), {"last": last, "n": batch}).all()
            if not rows:
                return
            yield rows
            last = rows[-1][0]


@_swap_safe
def tile(layer: dict[str, Any], z: int, x: int, y: int, name: str, max_features: int = 0) -> bytes:
    """A Mapbox vector tile (extent 4096, buffer 64) from the Web Mercator columns (TILE_COLUMNS).
    ST_AsMVTGeom snaps every vertex to the tile's grid and drops what is smaller than a grid
    cell, so no simplification is done per request; up to LOW_ZOOM the pre-simplified copy of a
    feature of many vertices is drawn, and a tile of more than `max_features` features (0: no
    limit) holds an even sample of them (thinning), from LOW_ZOOM + 1 on every feature."""
    geom = "COALESCE(geom_3857_low, geom_3857)" if z <= LOW_ZOOM else "geom_3857"
    table = layer["table_name"]
    params = {"z": z, "x": x, "y": y, "name": name}
    within = "geom_3857 && ST_TileEnvelope(:z, :x, :y, margin => 0.015625)"
    with engine().begin() as conn:
        thin = ""
        if max_features and z <= LOW_ZOOM and layer.get("feature_count", max_features + 1) > max_features:
            found = conn.execute(sa.text(f'SELECT count(*) FROM "{table}" WHERE {within}'), params).scalar()
            if found > max_features:
                # keep the features whose hashed fid ends in as many zero bits as the halvings
                # needed: a feature shown at one zoom stays at every zoom above, whatever the fids
                params["mask"] = (1 << math.ceil(math.log2(found / max_features))) - 1
                thin = " AND (hashint8(fid) & :mask) = 0"
        # ST_AsMVT skips the rows whose geometry ST_AsMVTGeom dropped (NULL): a WHERE on it would
        # run ST_AsMVTGeom twice. No parallel workers: starting them costs more than most tiles
        # (34 ms against 7 ms for 1,400 polygons), and the web workers already keep the cores busy.
        data = conn.execute(sa.text(f"""
            SET LOCAL max_parallel_workers_per_gather = 0;
            SELECT ST_AsMVT(mvt, :name, 4096, 'geom', 'fid') FROM (
                SELECT fid, properties, ST_AsMVTGeom({geom}, ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom
                FROM "{table}" WHERE {within}{thin}) AS mvt"""), params).scalar()
    return bytes(data or b"")


# --- styles ------------------------------------------------------------------------------------

def set_style(layer_id: str, style: dict[str, Any]) -> int | None:
    """Stores a layer's style; the new version (caches key on it), None for no such layer."""
    with engine().begin() as conn:
        return conn.execute(sa.text(
            f"UPDATE {LAYER} SET style = CAST(:style AS jsonb), version = version + 1 "
            "WHERE id = :id RETURNING version"),
            {"id": layer_id, "style": orjson.dumps(style).decode()}).scalar()


@_swap_safe
def frequent_values(layer: dict[str, Any], key: str, n: int) -> list[str]:
    """A property's most frequent values, most frequent first (the categories of a style)."""
    with engine().connect() as conn:
        return [r[0] for r in conn.execute(sa.text(
            f'SELECT properties ->> :key AS v FROM "{layer["table_name"]}" '
            "WHERE properties ->> :key IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT :n"),
            {"key": key, "n": n})]


@_swap_safe
def quantiles(layer: dict[str, Any], key: str, n: int) -> list[float]:
    """n + 1 breaks (minimum, quantiles, maximum) of a numeric property (the ranges of a style)."""
    with engine().connect() as conn:
        row = conn.execute(sa.text(
            "SELECT percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY v) FROM ("
            f'  SELECT (properties ->> :key)::float8 AS v FROM "{layer["table_name"]}" '
            "   WHERE jsonb_typeof(properties -> :key) = 'number') AS t"),
            {"key": key, "fractions": [i / n for i in range(n + 1)]}).scalar()
    return [float(v) for v in row] if row and row[0] is not None else []
