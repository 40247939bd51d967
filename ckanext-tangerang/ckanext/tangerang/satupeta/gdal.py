"""The only door from Satu Peta to GDAL: pyogrio with nothing but the drivers we read and write.

A hostile upload chooses its GDAL driver by its bytes, and some drivers open other files or URLs
named inside the file (OGR_VRT, GDALG pipelines, LIBKML's network links, WFS/OAPIF/HTTP, GPSBabel
runs a program). GDAL reads GDAL_SKIP once, when pyogrio registers the drivers on import, so
`library()` sets it before that import; `check()` refuses to open anything if another driver got in
(pyogrio imported earlier by someone else), and `open_path()` refuses /vsi and remote paths.
"""
from __future__ import annotations

import os
import pathlib
import threading

# the one driver each kind of upload is opened with, and the writers of the downloads
READ_DRIVERS = {"geojson": "GeoJSON", "shp": "ESRI Shapefile", "gpkg": "GPKG", "kml": "KML",
                "csv": "CSV"}
ALLOWED = frozenset(READ_DRIVERS.values())

# Every other vector driver of pyogrio's GDAL (3.12, pyogrio 0.13). A driver added by a newer
# GDAL is not skipped by this list, but check() then stops every open until it is added here.
SKIPPED = (
    "ADBC", "AIVector", "AVCBin", "AVCE00", "AmigoCloud", "CSW", "Carto", "DGN", "DXF", "EDIGEO",
    "EEDA", "ESRIJSON", "Elasticsearch", "FlatGeobuf", "GDALG", "GML", "GPSBabel", "GPX", "GTFS",
    "GeoJSONSeq", "GeoRSS", "HTTP", "Idrisi", "JML", "JSONFG", "LIBKML", "LVBAG", "MBTiles", "MEM",
    "MVT", "MapInfo File", "MapML", "MiraMonVector", "NGW", "OAPIF", "OGCAPI", "OGR_GMT",
    "OGR_PDS", "OGR_VRT", "OSM", "ODS", "OpenFileGDB", "PCIDSK", "PDF", "PDS4", "PGDUMP",
    "PLSCENES", "PMTiles", "S57", "SQLite", "SXF", "Selafin", "TopoJSON", "VDV", "VFK", "VICAR",
    "WAsP", "WFS", "XLSX", "VRT",
)

_lock = threading.Lock()
_library = None


def library():
    """pyogrio, confined as above. Imported on first use: GDAL's libraries (about 80 MB) are
    needed by the imports and downloads, not by every web worker that never reads a file."""
    global _library
    with _lock:
        if _library is None:
            _library = _load()
    return _library


def _load():
    before = os.environ.get("GDAL_SKIP")
    os.environ["GDAL_SKIP"] = ",".join(SKIPPED)  # commas: "MapInfo File" has a space
    try:
        import pyogrio  # registers the drivers, reading GDAL_SKIP (unless imported before: check())
        import pyogrio.errors
        import pyogrio.raw  # noqa: F401
    finally:
        # read only at registration: subprocesses (ogr2ogr in benchmarks) keep their own GDAL
        if before is None:
            os.environ.pop("GDAL_SKIP", None)
        else:
            os.environ["GDAL_SKIP"] = before

    # GDAL's own HTTP client is never used by an import: /vsicurl/ finds no file of any extension
    # and every request would go to a closed port (the discard port of the loopback).
    pyogrio.set_gdal_config_options({
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".satupeta-no-remote-files",
        "GDAL_HTTP_PROXY": "127.0.0.1:9",
        "GDAL_HTTP_MAX_RETRY": "0",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    })
    return pyogrio


class UnsafeGDAL(RuntimeError):
    """GDAL is not confined as this module expects: a deployment problem, not the officer's."""


def extra_drivers() -> set[str]:
    return set(library().list_drivers()) - ALLOWED


def check() -> None:
    extra = extra_drivers()
    if extra:
        raise UnsafeGDAL("GDAL drivers registered that Satu Peta does not allow: "
                         + ", ".join(sorted(extra)))


def open_path(path: str | os.PathLike) -> str:
    """The local file's path as GDAL must see it: absolute, a regular file, no GDAL prefix."""
    text = os.fspath(path)
    if "/vsi" in text or ":" in text.split("/", 1)[0] or not os.path.isabs(text):
        raise UnsafeGDAL(f"refused path for GDAL: {text!r}")
    real = pathlib.Path(text).resolve()
    if not real.is_file():
        raise UnsafeGDAL(f"not a regular file: {text!r}")
    check()
    return text
