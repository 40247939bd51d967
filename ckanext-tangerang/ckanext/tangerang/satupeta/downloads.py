"""A stored layer written out again: GeoJSON streamed from the database, the others through pyogrio."""
from __future__ import annotations

import pathlib
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyogrio

from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta import ogc

DRIVERS = {"gpkg": ("GPKG", ".gpkg"), "csv": ("CSV", ".csv"), "shp": ("ESRI Shapefile", ".shp")}
ARROW_TYPES = {"int64": pa.int64(), "int32": pa.int64(), "int16": pa.int64(), "float64": pa.float64(),
               "float32": pa.float64(), "bool": pa.bool_()}
SHAPE_TYPES = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}


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
    fields = [pa.field(f["name"], ARROW_TYPES.get(f["type"], pa.string())) for f in layer["fields"]]
    return pa.schema(fields + [pa.field("geometry", pa.binary())])


def _batches(layer: dict[str, Any], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    names = [f.name for f in schema][:-1]
    for rows in store.iter_features(layer):
        props = [orjson.loads(r[1]) for r in rows]
        columns = {}
        for name in names:
            values = [p.get(name) for p in props]
            if pa.types.is_string(schema.field(name).type):
                values = [None if v is None else str(v) for v in values]
            columns[name] = values
        columns["geometry"] = [bytes(r[2]) for r in rows]
        yield pa.RecordBatch.from_pydict(columns, schema=schema)


def write(layer: dict[str, Any], fmt: str, folder: pathlib.Path, name: str) -> pathlib.Path:
    driver, suffix = DRIVERS[fmt]
    schema = _schema(layer)
    reader = pa.RecordBatchReader.from_batches(schema, _batches(layer, schema))
    target = folder / (name + suffix)
    options = {}
    geometry_type = "Unknown"
    if fmt == "csv":
        options["layer_options"] = {"GEOMETRY": "AS_WKT"}
    if fmt == "shp":
        geometry_type = SHAPE_TYPES.get(layer["geometry_family"], "Unknown")
        options["encoding"] = "UTF-8"
    pyogrio.write_arrow(reader, str(target), driver=driver, geometry_name="geometry",
                        geometry_type=geometry_type, crs="EPSG:4326", layer=name, **options)
    if fmt != "shp":
        return target
    archive = folder / (name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.glob(name + ".*"):
            if part != archive:
                zf.write(part, part.name)
    return archive
