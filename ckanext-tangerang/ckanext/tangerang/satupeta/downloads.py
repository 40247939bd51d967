"""A stored layer written out again: GeoJSON from the database, the others through pyogrio.

Each download is written once per import and format into a cache folder and served from there:
the key holds the layer's table name, which every import makes anew, so a re-import is never
answered with the old file. Files are built aside and renamed into place (atomic), so a reader
sees a whole file or none, also with several web containers on one shared folder.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import orjson
import shapely

import ckan.plugins.toolkit as tk

from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta import ogc
from ckanext.tangerang.satupeta.gdal import library

if TYPE_CHECKING:
    import pyarrow as pa

DRIVERS = {"gpkg": ("GPKG", ".gpkg"), "csv": ("CSV", ".csv"), "shp": ("ESRI Shapefile", ".shp")}
# the Arrow type (pyarrow's factory) of each stored field type; others are written as text
ARROW_TYPES = {"int64": "int64", "int32": "int64", "int16": "int64", "float64": "float64",
               "float32": "float64", "bool": "bool_"}
SHAPE_TYPES = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}
SUFFIXES = {"geojson": ".geojson", "csv": ".csv", "gpkg": ".gpkg", "shp": ".zip"}
# a spreadsheet runs a cell starting with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would run as a formula, as text (a leading apostrophe);
    a plain signed number such as -12.5 stays as it is."""
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def file_name(layer: dict[str, Any]) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", layer["title"]).strip("-").lower()[:60] or layer["id"]


def geojson(layer: dict[str, Any]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for rows in store.iter_features(layer):
        chunk = b",".join(ogc.features(rows, ogc.CRS84, False))
        yield chunk if first else b"," + chunk
        first = False
    yield b"]}"


def _schema(layer: dict[str, Any]) -> pa.Schema:
    import pyarrow as pa  # (see write)

    fields = [pa.field(f["name"], getattr(pa, ARROW_TYPES.get(f["type"], "string"))())
              for f in layer["fields"]]
    return pa.schema(fields + [pa.field("geometry", pa.binary())])


def _multi(wkbs: list[bytes]) -> list[bytes]:
    geoms = shapely.from_wkb(wkbs)
    single = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    geoms[single] = [shapely.MultiPoint([g]) for g in geoms[single]]
    return list(shapely.to_wkb(geoms))


def _batches(layer: dict[str, Any], schema: pa.Schema, out: pa.Schema,
             spreadsheet: bool, promote_points: bool = False) -> Iterator[pa.RecordBatch]:
    """Batches of `schema`'s columns, labelled as `out` (its names neutralised for a spreadsheet)."""
    import pyarrow as pa  # (see write)

    names = [f.name for f in schema][:-1]
    for rows in store.iter_features(layer):
        props = [orjson.loads(r[1]) for r in rows]
        columns = []
        for name in names:
            values = [p.get(name) for p in props]
            if pa.types.is_string(schema.field(name).type):
                values = [None if v is None else str(v) for v in values]
                if spreadsheet:
                    values = [None if v is None else neutralise(v) for v in values]
            columns.append(pa.array(values, type=schema.field(name).type))
        wkbs = [bytes(r[2]) for r in rows]
        columns.append(pa.array(_multi(wkbs) if promote_points else wkbs, type=pa.binary()))
        yield pa.RecordBatch.from_arrays(columns, schema=out)


def write(layer: dict[str, Any], fmt: str, folder: pathlib.Path, name: str) -> pathlib.Path:
    # Arrow (about 35 MB) and GDAL are loaded by the first download built, not by every worker
    import pyarrow as pa

    driver, suffix = DRIVERS[fmt]
    schema = _schema(layer)
    spreadsheet = fmt == "csv"  # opened by double-click in Excel or LibreOffice Calc
    out = schema
    if spreadsheet:
        out = pa.schema([f.with_name(neutralise(f.name)) if f.name != "geometry" else f
                         for f in schema])
    target = folder / (name + suffix)
    options = {}
    geometry_type = "Unknown"
    promote_points = False
    if fmt == "csv":
        options["layer_options"] = {"GEOMETRY": "AS_WKT"}
    if fmt == "gpkg":
        # the stored type (typed column since issue #12), so QGIS reads a typed layer; a layer
        # imported before has none and stays GEOMETRY
        geometry_type = (layer.get("report") or {}).get("geometry_type") or "Unknown"
    if fmt == "shp":
        geometry_type = SHAPE_TYPES.get(layer["geometry_family"], "Unknown")
        if geometry_type == "MultiPoint":
            # a Shapefile refuses a Point in a MultiPoint file: points stay points unless
            # the layer mixes both, then every point becomes a one-point MultiPoint
            promote_points = store.has_multi_points(layer)
            geometry_type = "MultiPoint" if promote_points else "Point"
        options["encoding"] = "UTF-8"
    reader = pa.RecordBatchReader.from_batches(
        out, _batches(layer, schema, out, spreadsheet, promote_points))
    library().write_arrow(reader, str(target), driver=driver, geometry_name="geometry",
                        geometry_type=geometry_type, crs="EPSG:4326", layer=name, **options)
    if fmt != "shp":
        return target
    archive = folder / (name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.glob(name + ".*"):
            if part != archive:
                zf.write(part, part.name)
    return archive


# --- the cache ---------------------------------------------------------------------------------

def cache_folder() -> pathlib.Path:
    configured = tk.config.get("ckanext.tangerang.satupeta.download_cache_path")
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path(tk.config.get("ckan.storage_path")) / "satupeta" / "downloads"


def cache_path(layer: dict[str, Any], fmt: str) -> pathlib.Path:
    """<folder>/<layer id>/<version><suffix>; the version is the table of the layer's last import."""
    layer_dir = re.sub(r"[^A-Za-z0-9_-]", "_", str(layer["id"]))
    version = layer["table_name"].removeprefix(store.FEATURE_PREFIX)
    return cache_folder() / layer_dir / f"{version}{SUFFIXES[fmt]}"


def _build(layer: dict[str, Any], fmt: str, name: str, target: pathlib.Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # built beside the target (same file system), then renamed into place in one step
    work = pathlib.Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        if fmt == "geojson":
            built = work / (name + ".geojson")
            with open(built, "wb") as f:
                for chunk in geojson(layer):
                    f.write(chunk)
        else:
            built = write(layer, fmt, work, name)
        os.replace(built, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # earlier imports' files are no longer served
    for old in target.parent.iterdir():
        if old.is_file() and old.name.split(".")[0] != target.name.split(".")[0]:
            old.unlink(missing_ok=True)


def open_cached(layer: dict[str, Any], fmt: str, name: str) -> IO[bytes]:
    """The layer's download in `fmt`, opened for reading; built first if this import has none."""
    target = cache_path(layer, fmt)
    try:
        return open(target, "rb")
    except FileNotFoundError:
        pass
    _build(layer, fmt, name, target)
    return open(target, "rb")
