"""Reading a geospatial file into clean EPSG:4326 batches (no CKAN, no database here).

pyogrio streams the file as Arrow batches (nothing is loaded whole); shapely 2 repairs and checks the
geometries, pyproj reprojects them. Every problem is a `LayerError` whose message (a msgid marked
with N_) names what is wrong; it is translated where it is shown.
"""
from __future__ import annotations

import collections
import logging
import contextlib
import dataclasses
import math
import pathlib
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import os
import re
import xml.parsers.expat

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer

from ckanext.tangerang.satupeta.gdal import READ_DRIVERS, UnsafeGDAL, library, open_path
from ckanext.tangerang.satupeta.messages import N_


log = logging.getLogger(__name__)


class LayerError(Exception):
    """A problem with the file the officer can act on: `message` is a msgid, `params` its values."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = {k: str(v) for k, v in params.items()}

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "params": self.params}


# fields naming a feature in the import report, by preference (config: feature_id_fields)
ID_FIELDS = ("id", "fid", "objectid", "object_id", "ogc_fid", "gid", "kode", "uid", "uuid")
ID_MAX_CHARS = 100  # of an id value in the report (a text field may hold anything)


@dataclasses.dataclass
class Limits:
    batch_size: int = 10000
    max_vertices: int = 1_000_000
    zip_max_bytes: int = 4 * 1024 ** 3
    zip_max_entries: int = 200
    zip_max_ratio: int = 200
    report_max_features: int = 1000  # dropped/repaired features the report names; the rest are counted
    id_fields: tuple[str, ...] = ID_FIELDS  # lower case, by preference


FORMAT_NAMES = {"geojson": "GeoJSON", "shp": "Shapefile (zip)", "gpkg": "GeoPackage",
                "kml": "KML", "csv": "CSV"}
# the labels a resource's format (or file name's extension) may carry, per kind of content
LABELS = {
    "geojson": {"geojson", "json"},
    "shp": {"shp", "zip", "shapefile", "zipped shapefile", "esri shapefile"},
    "gpkg": {"gpkg", "geopackage"},
    "kml": {"kml"},
    "csv": {"csv"},
}
# CSV columns taken as longitude / latitude (their names say the CRS: geographic WGS 84)
LON_NAMES = "lon,long,lng,longitude,bujur,x_lon"
LAT_NAMES = "lat,latitude,lintang,y_lat"
# Arrow's type names -> the few kinds the downloads keep
ARROW_NAMES = {"int64": "int64", "int32": "int64", "int16": "int64", "int8": "int64",
               "double": "float64", "float": "float64", "bool": "bool"}
FAMILIES = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
              5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
# a layer's stored geometry type per family: the single one, or Multi* once any feature is multi
SINGLE_TYPES = {"point": "Point", "line": "LineString", "polygon": "Polygon"}
MULTI_TYPES = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}
MULTI_TYPE_IDS = (4, 5, 6)
# a single geometry's type id -> the shapely function making it a one-part Multi*
PROMOTE = {0: shapely.multipoints, 1: shapely.multilinestrings, 3: shapely.multipolygons}
# what the report says happened to a feature (Report.problems' "problem")
PROBLEM_EMPTY = "empty"        # no geometry (missing or empty): dropped
PROBLEM_REPAIRED = "repaired"  # invalid, repaired by make_valid
PROBLEM_DROPPED = "dropped"    # invalid, and the repair left nothing: dropped


@dataclasses.dataclass
class Source:
    kind: str          # one of FORMAT_NAMES
    path: str          # what pyogrio opens: a local file named for its format
    open_options: dict[str, str] = dataclasses.field(default_factory=dict)
    layers: list[str] = dataclasses.field(default_factory=list)  # all layers of a GeoPackage or KML


def sniff(path: pathlib.Path) -> str | None:
    """The kind of content, from the file's first bytes (not from its name)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        return "kml" if _xml_root(path) == "kml" else None
    if text[:1] and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            try:
                head.decode("latin-1")
            except UnicodeDecodeError:
                return None
        first = text.split(b"\n", 1)[0]
        if b"," in first or b";" in first or b"\t" in first:
            return "csv"
    return None


class _Root(Exception):
    pass


def _xml_root(path: pathlib.Path) -> str | None:
    """The local name of the XML file's root element, or None when the file declares a DOCTYPE or
    entities (KML needs neither; a "KML" that is really an OGR VRT, with `<kml` in a comment,
    has another root). Only the file's start is parsed."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    found: list[str] = []

    def refuse(*_args):
        raise _Root()

    def start(name, _attrs):
        found.append(name.rsplit(" ", 1)[-1])
        raise _Root()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 16):
                parser.Parse(chunk, False)
    except (_Root, xml.parsers.expat.ExpatError):
        pass
    return found[0] if found else None


KML_TYPES = {"int": int, "uint": int, "short": int, "ushort": int, "float": float, "double": float}


def kml_attributes(path: pathlib.Path) -> dict[str, list[dict[str, Any]]]:
    """Each Placemark's ExtendedData (SchemaData/SimpleData typed by its Schema, Data/value as
    text), per layer as GDAL's KML driver names its layers (the Placemark's Folder, else the
    Document), in file order. That driver reads only Name and Description, and LIBKML, which
    reads these, stays off (gdal.py): QGIS, ogr2ogr and Google Earth write attributes here."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    layers: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    schemas: dict[str, dict[str, Any]] = {}
    stack: list[str] = []
    containers: list[list[str]] = []  # [element, name] of each open Document and Folder
    state: dict[str, Any] = {"placemark": None, "field": None, "text": [], "schema": None,
                             "types": {}}

    def refuse(*_args):
        raise LayerError(N_("The KML file declares a DOCTYPE or entities, which KML never needs."))

    def start(name, attrs):
        local = name.rsplit(" ", 1)[-1]
        stack.append(local)
        if local in ("Document", "Folder"):
            containers.append([local, ""])
        elif local == "Schema":
            state["schema"] = schemas.setdefault("#" + (attrs.get("id") or attrs.get("name") or ""), {})
        elif local == "SimpleField" and state["schema"] is not None:
            state["schema"][attrs.get("name", "")] = KML_TYPES.get((attrs.get("type") or "").lower(), str)
        elif local == "Placemark":
            state["placemark"] = {}
        elif local == "SchemaData":
            state["types"] = schemas.get(attrs.get("schemaUrl") or "", {})
        elif local in ("SimpleData", "Data") and state["placemark"] is not None:
            state["field"], state["text"] = attrs.get("name"), []
        elif local == "value":
            state["text"] = []

    def text(data):
        state["text"].append(data)

    def end(name):
        local = stack.pop()
        value = "".join(state["text"]).strip()
        if local == "name" and stack and stack[-1] in ("Document", "Folder") and containers:
            containers[-1][1] = value
        elif local == "Schema":
            state["schema"] = None
        elif local in ("SimpleData", "Data") and state["placemark"] is not None and state["field"]:
            cast = state["types"].get(state["field"], str) if local == "SimpleData" else str
            try:
                state["placemark"][state["field"]] = cast(value) if value != "" else None
            except ValueError:
                state["placemark"][state["field"]] = value
            state["field"] = None
        elif local == "Placemark" and state["placemark"] is not None:
            folder = next((c[1] for c in reversed(containers) if c[0] == "Folder"), None)
            layer = folder if folder is not None else (containers[0][1] if containers else "")
            layers[layer].append(state["placemark"])
            state["placemark"] = None
        elif local in ("Document", "Folder") and containers:
            containers.pop()
        if local != "value":
            state["text"] = []

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with open(path, "rb") as f:
        while chunk := f.read(1 << 16):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return layers


# What a file that is no layer holds, named for the officer (msgids; error_text translates the
# `content` parameter). Magic numbers of the files officers upload by mistake.
CONTENT_NAMES = {
    "pdf": N_("a PDF document"),
    "image": N_("an image (PNG, JPEG, GIF or TIFF)"),
    "word": N_("a Word document"),
    "excel": N_("an Excel workbook"),
    "powerpoint": N_("a PowerPoint presentation"),
    "opendocument": N_("an OpenDocument file"),
    "office": N_("an old-format Office file (Word or Excel)"),
    "html": N_("a web page (HTML)"),
    "xml": N_("an XML file that is not KML"),
    "zip": N_("a zip file without a Shapefile (.shp)"),
    "rar": N_("a RAR or 7-Zip archive"),
    "sqlite": N_("an SQLite database that is not a GeoPackage"),
    "empty": N_("an empty file"),
    "other": N_("a file of another kind"),
}
_MAGIC = ((b"%PDF", "pdf"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image"),
          (b"II*\x00", "image"), (b"MM\x00*", "image"), (b"\xd0\xcf\x11\xe0", "office"),
          (b"Rar!", "rar"), (b"7z\xbc\xaf", "rar"))
# a GeoPackage's SQLite header carries its application id at byte 68 (GPKG; GP10/GP11 before 1.2)
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")
_GEOJSON_TYPE = re.compile(rb'"type"\s*:\s*"(FeatureCollection|Feature|Point|MultiPoint|LineString|'
                           rb'MultiLineString|Polygon|MultiPolygon|GeometryCollection)"')
# a resource format that says nothing about the layer's format: set to the real one when the
# content is a layer
GENERIC_LABELS = frozenset({"", "zip", "json", "xml", "txt", "text", "bin", "data", "octet-stream"})
FORMAT_LABELS = {"geojson": "GeoJSON", "shp": "SHP", "gpkg": "GPKG", "kml": "KML"}


def _zip_names(path: pathlib.Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return [n for n in zf.namelist() if not n.startswith("__MACOSX") and not n.endswith("/")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def describe(path: pathlib.Path) -> str:
    """What a file that is not a layer holds, as a key of CONTENT_NAMES."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.strip():
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        names = _zip_names(path) or []
        if "mimetype" in names and any(n.startswith("META-INF/") for n in names):
            return "opendocument"
        for prefix, kind in (("word/", "word"), ("xl/", "excel"), ("ppt/", "powerpoint")):
            if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                return kind
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512]:
        return "html"
    if text.startswith(b"<"):
        return "xml"
    return "other"


def _csv_has_coordinates(path: pathlib.Path) -> bool:
    """Whether the CSV's header names a longitude and a latitude column (as GDAL's CSV driver
    finds them with X/Y_POSSIBLE_NAMES, case-insensitively)."""
    with open(path, "rb") as f:
        first = f.readline(65536)
    text = first.decode("utf-8", "replace").lstrip("\ufeff").strip()
    separator = max((",", ";", "\t"), key=text.count)
    names = {n.strip().strip('"').strip().lower() for n in text.split(separator)}
    return bool(names & set(LON_NAMES.split(","))) and bool(names & set(LAT_NAMES.split(",")))


def layer_kind(path: pathlib.Path) -> str | None:
    """The layer format of a file by its content, cheaply (the first bytes, a zip's listing, a
    CSV's header), for the web process to decide on an import: None when the file is no layer,
    e.g. a CSV table without longitude/latitude columns, a JSON that is not GeoJSON, a zip of
    other files. The import itself checks the whole file."""
    found = sniff(path)
    if found == "zip":
        names = _zip_names(path)
        return "shp" if names and any(n.lower().endswith(".shp") for n in names) else None
    if found == "gpkg":
        with open(path, "rb") as f:
            return "gpkg" if f.read(72)[68:72] in _GPKG_IDS else None
    if found == "geojson":
        with open(path, "rb") as f:
            return "geojson" if _GEOJSON_TYPE.search(f.read(1 << 16)) else None
    if found == "csv":
        return "csv" if _csv_has_coordinates(path) else None
    return found  # kml or None


def _label_name(label: str) -> str:
    """A resource format as the portal writes it (GeoJSON, not GEOJSON)."""
    return {**FORMAT_LABELS, "geopackage": "GeoPackage", "shapefile": "Shapefile"}.get(label, label.upper())


def not_a_layer(path: pathlib.Path, label: str, name: str, content: str | None = None) -> LayerError:
    """The file is no layer: says what it is and which formats a layer may have."""
    content = CONTENT_NAMES[content or describe(path)]
    if label:
        return LayerError(N_("The resource's format is {label}, but the file {name} is not a GeoJSON, "
                             "zipped Shapefile, GeoPackage, KML or CSV file with longitude/latitude "
                             "columns: it is {content}. It cannot become a map layer: upload the layer "
                             "in one of these formats, or change the resource's format if this file is "
                             "not a map layer."), label=_label_name(label), name=name, content=content)
    return LayerError(N_("The file {name} is not a GeoJSON, zipped Shapefile, GeoPackage, KML or CSV "
                         "file with longitude/latitude columns: it is {content}. It cannot become a map "
                         "layer: upload the layer in one of these formats."), name=name, content=content)


SUFFIXES = {"geojson": ".geojson", "gpkg": ".gpkg", "kml": ".kml", "csv": ".csv"}
_ABSOLUTE = re.compile(r"(?:/[^/\s'\":,]+){2,}/?")


# GDAL's advice to programmers, meaningless to an officer
_HINTS = re.compile(r"(?:;\s*|(?<=\.)\s+)(?:It might help|Consider|You may want to|Try)\b[^;]*")
# GDAL's ways of saying "this is not the format it was opened as"
_NOT_THE_FORMAT = ("not recognized as being in a supported file format",
                   "not recognised as being in a supported file format",
                   "specify the correct driver", "file is not a database",
                   "database disk image is malformed", "bad application_id")


def detail(error: BaseException, *paths: str | os.PathLike, name: str | None = None) -> str:
    """GDAL's first line of an error, without the server's paths (shown to the officer): a path
    becomes the file's name as uploaded (`name`) or, without one, its last part."""
    text = str(error).split("\n")[0]
    for path in sorted({os.fspath(p) for p in paths if p}, key=len, reverse=True):
        text = text.replace(path, name or pathlib.PurePath(path).name)
    text = _HINTS.sub("", text).strip(" ;")
    return _ABSOLUTE.sub("…", text)[:300]


def unreadable(error: BaseException, kind: str, name: str, *paths: str | os.PathLike) -> LayerError:
    """The officer's message for a file GDAL could not open as `kind`: a file that is not that
    format at all gets a plain sentence, not GDAL's words."""
    fmt = FORMAT_NAMES.get(kind, kind)
    text = str(error)
    if any(marker in text for marker in _NOT_THE_FORMAT):
        return LayerError(N_("The file {name} could not be read as {format}: it is damaged or not a "
                             "{format} file. Export the layer again as {format} from the GIS software, "
                             "or correct the resource's format."), name=name, format=fmt)
    return LayerError(N_("The file could not be read as {format}: {detail}"), format=fmt,
                      detail=detail(error, *paths, name=name))


def check_zip(path: pathlib.Path, limits: Limits) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as e:
        raise LayerError(N_("The zip file is damaged: {detail}"), detail=detail(e, path))
    if len(infos) > limits.zip_max_entries:
        raise LayerError(N_("The zip file holds {count} entries; at most {limit} are allowed."),
                         count=len(infos), limit=limits.zip_max_entries)
    total = sum(i.file_size for i in infos)
    if total > limits.zip_max_bytes:
        raise LayerError(N_("The zip file would unpack to {size} MB; at most {limit} MB are allowed."),
                         size=total // 2 ** 20, limit=limits.zip_max_bytes // 2 ** 20)
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > limits.zip_max_ratio * max(i.compress_size, 1):
            raise LayerError(N_("The zip entry {name} is compressed {ratio} times, more than the "
                                "{limit} allowed: it looks like a zip bomb."),
                             name=i.filename, ratio=i.file_size // max(i.compress_size, 1),
                             limit=limits.zip_max_ratio)
    return infos


def extract_shapefile(path: pathlib.Path, member: str, names: list[str], folder: pathlib.Path,
                      limits: Limits) -> pathlib.Path:
    """Unpacks the parts of one Shapefile into `folder`, counting the bytes really written: a zip
    can lie about its sizes, and Python's reader stops at the declared size and checks the
    CRC, so a lying entry fails here instead of filling the disk inside GDAL."""
    stem = member[:-4].lower()
    parts = [n for n in names if n.lower().rsplit(".", 1)[0] == stem]
    written = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for name in parts:
                # flattened: a name with ../ never leaves the folder
                target = folder / pathlib.PurePosixPath(name).name
                with zf.open(name) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > limits.zip_max_bytes:
                            raise LayerError(N_("The zip file would unpack to {size} MB; at most {limit} MB "
                                                "are allowed."), size=written // 2 ** 20,
                                             limit=limits.zip_max_bytes // 2 ** 20)
                        dst.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise LayerError(N_("The zip file is damaged: {detail}"), detail=detail(e, path, folder))
    return folder / pathlib.PurePosixPath(member).name


def open_source(path: pathlib.Path, label: str | None, limits: Limits,
                workdir: pathlib.Path | None = None, layer: str | None = None,
                name: str | None = None) -> Source:
    """Where the layer is in the file, after checking the content against its label. A zipped
    Shapefile is unpacked into `workdir`; a file of several layers (GeoPackage, KML) needs
    `layer`, the name of the one to read. `name` is the file's name as uploaded, for messages."""
    found = sniff(path)
    label = (label or "").strip().lower().lstrip(".")
    name = name or pathlib.PurePath(path).name
    if found is None:
        raise not_a_layer(path, label, name)
    if found == "zip":
        infos = check_zip(path, limits)
        names = [i.filename for i in infos if not i.is_dir() and not i.filename.startswith("__MACOSX")]
        shps = [n for n in names if n.lower().endswith(".shp")]
        if not shps:
            raise not_a_layer(path, label, name)
        if len(shps) != 1:
            raise LayerError(N_("The zip file must hold exactly one .shp file; it holds {count}."),
                             count=len(shps))
        stem = shps[0][:-4]
        missing = [ext for ext in (".shx", ".dbf")
                   if not any(n.lower() == (stem + ext).lower() for n in names)]
        if missing:
            raise LayerError(N_("The Shapefile {name} lacks its {missing} part."),
                             name=shps[0], missing=", ".join(missing))
        if label and label not in LABELS["shp"] and any(label in v for v in LABELS.values()):
            raise LayerError(N_("The resource is labelled {label} but the file holds {found}."),
                             label=label.upper(), found=FORMAT_NAMES["shp"])
        if workdir is None:
            raise ValueError("a zipped Shapefile needs a workdir to unpack into")
        return Source("shp", open_path(extract_shapefile(path, shps[0], names, workdir, limits)))
    if label and label not in LABELS[found] and any(label in v for v in LABELS.values()):
        raise LayerError(N_("The resource is labelled {label} but the file holds {found}."),
                         label=label.upper(), found=FORMAT_NAMES[found])
    # CKAN stores an upload without its extension; GDAL's CSV and KML drivers go by the name, so
    # the file is linked under the name of the one format its content was found to be
    opened = str(path)
    if workdir is not None:
        link = workdir / ("source" + SUFFIXES[found])
        link.symlink_to(pathlib.Path(path).resolve())
        opened = str(link)
    opened = open_path(opened)
    options: dict[str, str] = {}
    if found == "csv":
        options = {"X_POSSIBLE_NAMES": LON_NAMES, "Y_POSSIBLE_NAMES": LAT_NAMES,
                   "KEEP_GEOM_COLUMNS": "NO", "AUTODETECT_TYPE": "YES"}
    if found in ("gpkg", "kml"):
        layers = list_layers(opened, found, name)
        if layer:
            if layer not in layers:
                raise LayerError(N_("The file has no layer {layer}; its layers are: {layers}."),
                                 layer=layer, layers=", ".join(layers))
            options["layer"] = layer
        elif len(layers) > 1:
            raise LayerError(N_("The file holds {count} layers ({layers}); choose the one to import."),
                             count=len(layers), layers=", ".join(layers))
        return Source(found, opened, options, layers)
    return Source(found, opened, options)


def list_layers(path: str, kind: str | None = None, name: str | None = None) -> list[str]:
    """The names of the file's layers with a geometry (a GeoPackage may also hold plain tables)."""
    pyogrio = library()
    try:
        found = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
        raise unreadable(e, kind or "", name or pathlib.PurePath(path).name, path)
    return [str(name) for name, geometry in found if geometry]


def crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def resolve_crs(file_crs: str | None, kind: str, chosen: str | None) -> CRS:
    """The file's own CRS, or the officer's choice when the file has none; never a guess."""
    if kind == "csv" and not file_crs:
        # longitude/latitude columns are geographic WGS 84 by their names
        file_crs = "EPSG:4326"
    crs = CRS.from_user_input(file_crs) if file_crs else None
    picked = CRS.from_user_input(chosen) if chosen else None
    if crs is None and picked is None:
        raise LayerError(N_("The file does not say its coordinate reference system (for a Shapefile: "
                            "no .prj). Choose one from the list and import again."))
    if crs is not None and picked is not None and not crs.equals(picked, ignore_axis_order=True):
        raise LayerError(N_("The file says its coordinates are in {file_crs}, but {chosen} was chosen. "
                            "Leave the choice empty to use the file's, or correct the file."),
                         file_crs=crs_label(crs), chosen=crs_label(picked))
    return crs or picked


@dataclasses.dataclass
class Batch:
    fids: np.ndarray
    properties: list[bytes]
    ewkb_hex: list[str]
    geometry_type: str = ""  # every geometry of the batch has it (Report.geometry_type so far)


@dataclasses.dataclass
class Report:
    format: str = ""
    source_crs: str = ""
    source_crs_name: str = ""
    source_layer: str = ""  # the layer read from a GeoPackage or KML
    layers: list[str] = dataclasses.field(default_factory=list)  # all of the file's layers
    features_read: int = 0
    features_written: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    geometry_types: dict[str, int] = dataclasses.field(default_factory=dict)
    geometry_family: str = ""
    # the type of every stored geometry (e.g. MultiPolygon), so the table's column is typed
    geometry_type: str = ""
    id_field: str = ""  # the file's field that names a feature in `problems`; "" when it has none
    # dropped and repaired features in file order, at most Limits.report_max_features of them:
    # {"number": 1-based feature number as read, "id": the id field's value or None,
    #  "problem": PROBLEM_*, "reason": shapely's is_valid_reason for an invalid geometry}
    problems: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems_more: int = 0  # dropped or repaired features beyond the ones named
    bbox: list[float] | None = None
    fields: list[dict[str, str]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def id_field(names: list[str], preferred: tuple[str, ...]) -> str:
    """The field that identifies a feature: of the `preferred` names (lower case), the first one the
    file has, compared case-insensitively; "" when it has none."""
    by_name: dict[str, str] = {}
    for name in names:
        by_name.setdefault(name.lower(), name)
    return next((by_name[p] for p in preferred if p in by_name), "")


def _problems(batch: Any, id_name: str, first: int, named: np.ndarray, empty: np.ndarray,
              dropped: np.ndarray, reasons: dict[int, str]) -> list[dict[str, Any]]:
    """The report's entries of a batch's features at `named` (row indices), a few at most."""
    ids = batch.column(id_name).take(named).to_pylist() if id_name else [None] * len(named)
    found = []
    for row, value in zip(named.tolist(), ids):
        problem = PROBLEM_EMPTY if empty[row] else PROBLEM_DROPPED if dropped[row] else PROBLEM_REPAIRED
        found.append({"number": first + row, "id": None if value is None else str(value)[:ID_MAX_CHARS],
                      "problem": problem, "reason": reasons.get(row, "")})
    return found


def read(path: pathlib.Path, label: str | None, chosen_crs: str | None, limits: Limits,
         progress: Callable[[int, int, int | None], None] | None = None,
         report: Report | None = None, layer: str | None = None,
         name: str | None = None) -> Iterator[Batch]:
    """Clean batches of the file's features in EPSG:4326; fills `report` as it goes. `name` is
    the file's name as uploaded, the only name of it a message shows.

    Raises LayerError on the first problem; the caller then throws away what it wrote.
    """
    started = time.monotonic()
    pyogrio = library()
    report = report if report is not None else Report()
    name = name or path.name
    with contextlib.ExitStack() as stack:
        # beside the upload: a Shapefile unpacks to as much as the upload's folder must hold
        workdir = pathlib.Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix=".unpack-", dir=path.parent)))
        source = open_source(path, label, limits, workdir, layer, name)
        report.format = FORMAT_NAMES[source.kind]
        report.layers = source.layers
        report.source_layer = source.open_options.get("layer") or (source.layers[0] if source.layers else "")
        # one pass over the file: the reader's metadata gives the CRS and fields (for GeoJSON,
        # GDAL's open already scans the whole file; read_info would scan it once more)
        try:
            meta, reader = stack.enter_context(pyogrio.raw.open_arrow(
                source.path, batch_size=limits.batch_size, use_pyarrow=True, **source.open_options))
            total = None
            if source.kind != "geojson":
                info = pyogrio.read_info(source.path, **source.open_options)
                total = info.get("features")
                # only READ_DRIVERS are registered (gdal.py); of those, none but the GeoJSON
                # driver opens a file that starts with "{", so only the others are asked
                if info.get("driver") != READ_DRIVERS[source.kind]:
                    raise UnsafeGDAL(f"{source.kind} opened by {info.get('driver')}")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
            raise unreadable(e, source.kind, name, source.path, path)
        if not meta.get("geometry_type"):
            if source.kind == "csv":
                raise LayerError(N_("The CSV file has no longitude/latitude columns (allowed names: "
                                    "{lon} and {lat})."), lon=LON_NAMES, lat=LAT_NAMES)
            raise LayerError(N_("The file holds no geometry column."))
        crs = resolve_crs(meta.get("crs"), source.kind, chosen_crs)
        report.source_crs = crs_label(crs)
        report.source_crs_name = crs.name
        area = crs.area_of_use
        transformer = None if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) else \
            Transformer.from_crs(crs, 4326, always_xy=True)
        total = int(total) if total is not None and total >= 0 else None
        geom_col = meta["geometry_name"] or "wkb_geometry"
        report.fields = [{"name": f.name, "type": ARROW_NAMES.get(str(f.type), "str")}
                         for f in reader.schema if f.name != geom_col]
        extended: list[dict[str, Any]] = []
        if source.kind == "kml":
            try:
                extended = kml_attributes(source.path).get(report.source_layer, [])
            except xml.parsers.expat.ExpatError as e:
                raise unreadable(e, source.kind, name, source.path, path)
            # GDAL lists a layer's Placemarks in file order: matched by position, so only when
            # both count the same
            if total is not None and len(extended) != total:
                log.warning("KML layer %r: %s placemarks with ExtendedData vs %s features; "
                            "attributes not read", report.source_layer, len(extended), total)
                extended = []
            known = {f["name"] for f in report.fields}
            for attrs in extended:
                for key, value in attrs.items():
                    if key not in known:
                        known.add(key)
                        kind = {int: "int64", float: "float64"}.get(type(value), "str")
                        report.fields.append({"name": key, "type": kind})
        report.id_field = id_field([f["name"] for f in report.fields], limits.id_fields)
        # a file that declares the Multi* type (GeoPackage, GeoJSON of only multi parts) is stored
        # as Multi* from its first batch; otherwise the first multi part found switches the layer
        declared = (meta.get("geometry_type") or "").split(" ")[0]
        declared_multi = next((f for f, t in MULTI_TYPES.items() if t == declared), "")
        multi = False
        types: collections.Counter = collections.Counter()
        bounds = [math.inf, math.inf, -math.inf, -math.inf]
        next_fid = 1
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as e:
                raise LayerError(N_("The file is damaged after feature {count}: {detail}"),
                                 count=report.features_read,
                                 detail=detail(e, source.path, path, name=name))
            n = batch.num_rows
            if not n:
                continue
            first = report.features_read + 1
            report.features_read += n
            geoms = shapely.from_wkb(batch.column(geom_col).to_numpy(zero_copy_only=False),
                                     on_invalid="warn")
            if shapely.has_z(geoms).any():
                geoms = shapely.force_2d(geoms)
            keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            vertices = shapely.get_num_coordinates(geoms)
            if vertices.max(initial=0) > limits.max_vertices:
                at = int(np.argmax(vertices))
                raise LayerError(N_("Feature {number} has {count} vertices; at most {limit} are allowed."),
                                 number=first + at, count=int(vertices[at]), limit=limits.max_vertices)
            if keep.any():
                kept_bounds = shapely.bounds(geoms[keep])
                lo, hi = np.nanmin(kept_bounds[:, :2], axis=0), np.nanmax(kept_bounds[:, 2:], axis=0)
                if transformer is not None:
                    geoms[keep] = shapely.transform(
                        geoms[keep], lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))
                lonlat = shapely.bounds(geoms[keep])
                lon0, lat0 = np.nanmin(lonlat[:, :2], axis=0)
                lon1, lat1 = np.nanmax(lonlat[:, 2:], axis=0)
                if area is not None and not (
                        area.west - 0.5 <= lon0 and lon1 <= area.east + 0.5
                        and area.south - 0.5 <= lat0 and lat1 <= area.north + 0.5) \
                        or not np.isfinite([lon0, lat0, lon1, lat1]).all():
                    raise LayerError(N_("Coordinates from ({x0}, {y0}) to ({x1}, {y1}) lie outside the "
                                        "area where {crs} is used ({area}). Is the coordinate reference "
                                        "system right?"),
                                     x0=round(float(lo[0]), 3), y0=round(float(lo[1]), 3),
                                     x1=round(float(hi[0]), 3), y1=round(float(hi[1]), 3),
                                     crs=report.source_crs, area=area.name if area else "")
            empty = ~keep
            invalid = keep & ~shapely.is_valid(geoms)
            # the features the report names: per-feature work only for these few, never all rows
            problem = empty | invalid
            named = np.flatnonzero(problem)[:max(limits.report_max_features - len(report.problems), 0)]
            report.problems_more += int(problem.sum()) - len(named)
            dropped = np.zeros(n, dtype=bool)
            reasons: dict[int, str] = {}
            if invalid.any():
                report.repaired += int(invalid.sum())
                explained = named[invalid[named]]
                reasons = dict(zip(explained.tolist(), shapely.is_valid_reason(geoms[explained]).tolist()))
                geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure",
                                                    keep_collapsed=False)
                dropped = invalid & (shapely.is_missing(geoms) | shapely.is_empty(geoms))
                keep &= ~dropped
            if len(named):
                report.problems.extend(_problems(batch, report.id_field, first, named, empty,
                                                 dropped, reasons))
            report.dropped_empty += int(n - keep.sum())
            if not keep.any():
                continue
            kept = geoms[keep]
            type_ids = shapely.get_type_id(kept)
            for type_id, count in zip(*np.unique(type_ids, return_counts=True)):
                types[TYPE_NAMES[int(type_id)]] += int(count)
            families = {FAMILIES.get(int(t), "collection") for t in np.unique(type_ids)}
            if report.geometry_family:
                families.add(report.geometry_family)
            if len(families) > 1 or "collection" in families:
                raise LayerError(N_("The layer mixes geometry types ({types}); a layer holds points, "
                                    "lines or polygons only. Split it into one file per type."),
                                 types=", ".join(sorted(types)))
            report.geometry_family = families.pop()
            # one geometry type per layer, so the PostGIS column is typed and GDAL/QGIS read
            # e.g. "Multi Polygon", not "Unknown (any)": a family's single parts become one-part
            # Multi* once the layer has a multi part (a Shapefile declares Polygon yet holds
            # multipolygons; make_valid splits a bow-tie). Batches already written keep the
            # single type: LayerWriter converts them when the type changes (once per import)
            if not multi and (declared_multi == report.geometry_family
                              or np.isin(type_ids, MULTI_TYPE_IDS).any()):
                multi = True
            if multi:
                for type_id, make_multi in PROMOTE.items():
                    single = type_ids == type_id
                    if single.any():
                        kept[single] = make_multi(kept[single][:, None])
            report.geometry_type = (MULTI_TYPES if multi else SINGLE_TYPES)[report.geometry_family]
            b = shapely.total_bounds(kept)
            bounds = [min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3])]
            props = batch.drop_columns([geom_col]).to_pylist()
            if extended:
                for offset, p in enumerate(props):
                    for key, value in extended[first - 1 + offset].items():
                        p.setdefault(key, value)
            props = [orjson.dumps(p, default=_default, option=orjson.OPT_NON_STR_KEYS)
                     for p, k in zip(props, keep) if k]
            fids = np.arange(next_fid, next_fid + len(kept))
            next_fid += len(kept)
            kept = shapely.set_srid(kept, 4326)
            report.features_written += len(kept)
            # GEOS's hex writer is slow; binary WKB then bytes.hex is not
            yield Batch(fids, props, [w.hex() for w in shapely.to_wkb(kept, include_srid=True)],
                        report.geometry_type)
            if progress:
                progress(report.features_read, report.features_written, total)
    if not report.features_written:
        raise LayerError(N_("The file holds no features with a geometry."))
    report.geometry_types = dict(types)
    report.bbox = [round(float(v), 7) for v in bounds]
    report.seconds = round(time.monotonic() - started, 2)
