"""WMS 1.3.0 and WFS 2.0 by MapServer: the mapfiles written from the layer registry, and the
requests handed to MapServer's CGI program.

Two mapfiles: PUBLIC (the layers anyone may see; the only one the capabilities describe) and ALL
(every layer). The portal names the mapfile (MapServer's config file maps these names to paths
and refuses any other, MS_MAP_NO_PATH); a request reaches ALL only when the viewer may see every
private layer it names. MapServer runs as a child process: a crash or a leak in it never takes a
web worker down, and it sees nothing but the query string.
"""
from __future__ import annotations

import dataclasses
import functools
import html
import json
import os
import pathlib
import re
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlalchemy as sa
from pyproj import CRS, Transformer

from ckanext.tangerang.satupeta import style as styles
from ckanext.tangerang.satupeta.messages import N_, both

PREFIX = "layer_"
MAPS = ("PUBLIC", "ALL")
# KVP keys (case-insensitive, OGC 06-121r9 11.5.2) that name layers
LAYER_KEYS = ("layers", "query_layers", "layer", "typename", "typenames")
SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
RESERVED = {"fid", "geom"}
FAMILY_TYPES = {"point": "POINT", "line": "LINE", "polygon": "POLYGON"}
PUBLIC_NAMES = "public.json"


def layer_name(resource_id: str) -> str:
    """The WMS/WFS name of a layer: an XML NCName (a UUID may start with a digit)."""
    return PREFIX + resource_id.replace("-", "_")


def resource_id(name: str) -> str | None:
    """The resource id of a layer name (with or without WFS's `ms:` prefix), None if not one."""
    name = name.strip().rsplit(":", 1)[-1]
    if not name.startswith(PREFIX):
        return None
    try:
        return str(uuid.UUID(name[len(PREFIX):].replace("_", "-")))
    except ValueError:
        return None


def named_layers(params: Mapping[str, str]) -> list[str]:
    """Every layer a request names (WMS LAYERS/QUERY_LAYERS/LAYER, WFS TYPENAME(S))."""
    names: list[str] = []
    for key, value in params.items():
        if key.lower() in LAYER_KEYS and value:
            # TYPENAMES may group names in parentheses (joins): any separator is split on
            names += [n for n in re.split(r"[,()\s]+", value) if n]
    return names


# --- mapfile ---------------------------------------------------------------------------------------

def q(value: Any) -> str:
    """A mapfile string: control characters dropped, backslash and quote escaped."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(value))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def columns(fields: Iterable[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(attribute name, property key, type) of each field MapServer serves. A key that is no
    plain identifier gets one (spaces and punctuation to `_`), deduplicated."""
    out: list[tuple[str, str, str]] = []
    seen = set(RESERVED)
    for field in fields:
        key = str(field["name"])
        if re.search(r"[\x00-\x1f\x7f]", key):
            continue
        name = key if SAFE_NAME.fullmatch(key) else re.sub(r"\W", "_", key, flags=re.ASCII).strip("_")
        if not name or not SAFE_NAME.fullmatch(name):
            name = f"field_{len(out) + 1}"
        base, n = name[:60], 2
        while name.lower() in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name.lower())
        out.append((name, key, field.get("type", "str")))
    return out


def _select(column: tuple[str, str, str]) -> str:
    name, key, kind = column
    value, text = f"properties->{sql_literal(key)}", f"properties->>{sql_literal(key)}"
    if kind == "int64":
        expr = f"CASE WHEN jsonb_typeof({value}) = 'number' THEN ({text})::numeric::bigint END"
    elif kind == "float64":
        expr = f"CASE WHEN jsonb_typeof({value}) = 'number' THEN ({text})::double precision END"
    elif kind == "bool":
        expr = f"CASE WHEN jsonb_typeof({value}) = 'boolean' THEN ({text})::boolean END"
    else:
        expr = text
    return f'{expr} AS "{name}"'


def connection(url: str) -> str:
    """libpq's connection string from the store's SQLAlchemy URL."""
    u = sa.engine.make_url(url)
    parts = {"host": u.host, "port": u.port, "dbname": u.database, "user": u.username,
             "password": u.password}
    return " ".join(f"{k}='" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
                    for k, v in parts.items() if v not in (None, ""))


@dataclasses.dataclass
class Service:
    """What the mapfiles say about the service: from the city profile and CKAN's configuration."""
    title: str
    abstract: str
    srs: list[int]
    extent: tuple[float, float, float, float]
    contact: dict[str, str]
    organization: str
    max_size: int
    connection: str
    font: str
    keywords: list[str] = dataclasses.field(default_factory=list)


SYMBOLS = """
  SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END
  SYMBOL NAME "square" TYPE VECTOR FILLED TRUE POINTS 0 0 0 1 1 1 1 0 0 0 END END
  SYMBOL NAME "triangle" TYPE VECTOR FILLED TRUE POINTS 0 1 0.5 0 1 1 0 1 END END
"""


def _colour(value: str) -> str:
    return "%d %d %d" % styles.rgb(value)


def _style_block(style: dict[str, Any], family: str, fill: str) -> str:
    if family == "point":
        return (f"STYLE SYMBOL {q(style['symbol'])} SIZE {style['size']} COLOR {_colour(fill)} "
                f"OUTLINECOLOR {_colour(style['stroke'])} WIDTH {style['stroke_width']} END")
    if family == "line":
        return f"STYLE COLOR {_colour(fill)} WIDTH {max(style['stroke_width'], 0.5)} END"
    return (f"STYLE COLOR {_colour(fill)} OPACITY {style.get('opacity', 100)} END "
            f"STYLE OUTLINECOLOR {_colour(style['stroke'])} WIDTH {style['stroke_width']} END")


def _label_block(style: dict[str, Any]) -> str:
    if not style.get("label_field"):
        return ""
    return ('LABEL TYPE TRUETYPE FONT "sans" SIZE 9 COLOR 20 20 20 OUTLINECOLOR 255 255 255 '
            "OUTLINEWIDTH 2 POSITION AUTO PARTIALS FALSE END")


def classes(style: dict[str, Any], family: str, names: dict[str, str], other_label: str) -> str:
    """CLASS blocks: one per class of the classification, then the rest in the base style."""
    label = _label_block(style)
    classify = style.get("classify") or {}
    out = []
    field = names.get(classify.get("field") or "")
    for c in classify.get("classes") or [] if field else []:
        if classify["method"] == "categories":
            # with CLASSITEM set, a quoted EXPRESSION is an exact string comparison
            expression = q(c["value"])
        else:
            expression = f"([{field}] >= {c['min']!r} AND [{field}] <= {c['max']!r})"
        out.append(f"    CLASS NAME {q(c['label'])} EXPRESSION {expression} "
                   f"{_style_block(style, family, c['color'])} {label} END")
    base_name = other_label if out else ""
    out.append(f"    CLASS NAME {q(base_name)} {_style_block(style, family, style['fill'])} {label} END")
    return "\n".join(out)


def layer_block(layer: dict[str, Any], service: Service, template_dir: pathlib.Path,
                other_label: str) -> str:
    cols = columns(layer.get("fields") or [])
    names = {key: name for name, key, _ in cols}
    select = ", ".join(["fid", "geom", *(_select(c) for c in cols)])
    table = layer["table_name"]
    if not re.fullmatch(r"[a-z0-9_]+", table):  # written by the store itself; checked all the same
        raise ValueError(f"table name {table!r}")
    data = f'geom FROM (SELECT {select} FROM "{table}") AS t USING UNIQUE fid USING SRID=4326'
    style = styles.of(layer)
    family = layer["geometry_family"]
    name = layer_name(layer["id"])
    meta = {
        "ows_title": layer["title"],
        "ows_abstract": layer.get("description") or "",
        "ows_keywordlist": ",".join(layer.get("keywords") or []),
        "ows_srs": " ".join(f"EPSG:{c}" for c in service.srs),
        "ows_extent": " ".join(str(v) for v in layer["bbox"]) if layer.get("bbox") else "",
        "ows_metadataurl_href": layer.get("page_url") or "",
        "ows_metadataurl_format": "text/html",
        "ows_metadataurl_type": "TC211",
        "gml_include_items": "all",
        "gml_featureid": "fid",
        "gml_types": "auto",
        "gml_geometries": "geom",
        "gml_geom_type": {"point": "multipoint", "line": "multiline"}.get(family, "multipolygon"),
        "wms_include_items": "all",
        "wfs_getfeature_formatlist": "geojson,gml32",
        "wfs_use_default_extent_for_getfeature": "false",
    }
    classitem = ""
    classify = style.get("classify") or {}
    if classify.get("method") == "categories" and names.get(classify.get("field") or ""):
        classitem = f"CLASSITEM {q(names[classify['field']])}"
    labelitem = f"LABELITEM {q(names[style['label_field']])}" if names.get(style.get("label_field") or "") else ""
    template = template_dir / f"{name}.html"
    rows = "".join(f"<tr><th scope=\"row\">{html.escape(key)}</th>"
                   f"<td>[item name=\"{col}\" escape=\"html\"]</td></tr>" for col, key, _ in cols)
    _replace(template, "<!-- MapServer Template -->\n"
             f"<table><caption>{html.escape(layer['title'])} ([fid])</caption>{rows}</table>\n")
    metadata = "\n".join(f"      {q(k)} {q(v)}" for k, v in meta.items() if v != "")
    extent = f"EXTENT {' '.join(str(v) for v in layer['bbox'])}" if layer.get("bbox") else ""
    return f"""
  LAYER
    NAME {q(name)}
    TYPE {FAMILY_TYPES.get(family, "POLYGON")}
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION {q(service.connection)}
    DATA {q(data)}
    PROCESSING "CLOSE_CONNECTION=DEFER"
    {extent}
    PROJECTION "init=epsg:4326" END
    TEMPLATE {q(str(template))}
    TOLERANCE 6 TOLERANCEUNITS PIXELS
    {classitem}
    {labelitem}
    METADATA
{metadata}
    END
{classes(style, family, names, other_label)}
  END"""


def mapfile(layers: list[dict[str, Any]], service: Service, folder: pathlib.Path,
            other_label: str = "Other") -> str:
    templates = folder / "templates"
    templates.mkdir(exist_ok=True)
    # every file replaced whole: MapServer may be reading them while a change is written
    _replace(templates / "header.html",
             '<!-- MapServer Template -->\n<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
             f"<title>{html.escape(service.title)}</title></head><body>\n")
    _replace(templates / "footer.html", "<!-- MapServer Template -->\n</body></html>\n")
    _replace(folder / "fonts.txt", f"sans {service.font}\n")
    meta = {
        "ows_title": service.title,
        "ows_abstract": service.abstract,
        "ows_keywordlist": ",".join(service.keywords),
        "ows_srs": " ".join(f"EPSG:{c}" for c in service.srs),
        "ows_enable_request": "*",
        "ows_contactorganization": service.organization,
        "ows_contactelectronicmailaddress": service.contact.get("email", ""),
        "ows_contactvoicetelephone": service.contact.get("phone", ""),
        "ows_address": service.contact.get("address", ""),
        "ows_fees": "none",
        "ows_accessconstraints": "none",
        "wms_getfeatureinfo_formatlist": "text/html,application/json",
        "wms_feature_info_mime_type": "text/html",
        "wfs_getfeature_formatlist": "geojson,gml32",
        "wfs_maxfeatures": "10000",
        "wfs_features_cache_count": "10000",
        "ows_http_max_age": "60",
    }
    metadata = "\n".join(f"      {q(k)} {q(v)}" for k, v in meta.items() if v != "")
    extent = " ".join(str(v) for v in service.extent)
    body = "\n".join(layer_block(layer, service, templates, other_label) for layer in layers)
    return f"""# Written by the portal from its layer registry (ckan tangerang satupeta ows-write): do not edit.
MAP
  NAME "satupeta"
  EXTENT {extent}
  SIZE 512 512
  MAXSIZE {service.max_size}
  UNITS DD
  IMAGECOLOR 255 255 255
  FONTSET {q(str(folder / "fonts.txt"))}
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT NAME "png" DRIVER "AGG/PNG" MIMETYPE "image/png" IMAGEMODE RGBA TRANSPARENT ON EXTENSION "png" END
  OUTPUTFORMAT NAME "jpeg" DRIVER "AGG/JPEG" MIMETYPE "image/jpeg" IMAGEMODE RGB EXTENSION "jpg" END
  OUTPUTFORMAT NAME "geojson" DRIVER "OGR/GEOJSON" MIMETYPE "application/json; subtype=geojson"
    FORMATOPTION "STORAGE=stream" FORMATOPTION "FORM=SIMPLE" FORMATOPTION "LCO:RFC7946=YES" END
  OUTPUTFORMAT NAME "application/json" DRIVER "OGR/GEOJSON" MIMETYPE "application/json"
    FORMATOPTION "STORAGE=stream" FORMATOPTION "FORM=SIMPLE" END
  LEGEND KEYSIZE 20 14 LABEL TYPE TRUETYPE FONT "sans" SIZE 9 COLOR 20 20 20 END END
  WEB
    HEADER {q(str(templates / "header.html"))}
    FOOTER {q(str(templates / "footer.html"))}
    METADATA
{metadata}
    END
  END
{SYMBOLS}
{body}
END
"""


def config_file(folder: pathlib.Path) -> str:
    maps = "\n".join(f"    {name} {q(str(folder / (name.lower() + '.map')))}" for name in MAPS)
    return f"""CONFIG
  ENV
    # only the names below, never a path from the request
    MS_MAP_NO_PATH "1"
    PROJ_NETWORK "OFF"
    CPL_VSIL_CURL_ALLOWED_EXTENSIONS "none"
    GDAL_HTTP_TIMEOUT "1"
  END
  MAPS
{maps}
  END
END
"""


def write(folder: pathlib.Path, public: list[dict[str, Any]], every: list[dict[str, Any]],
          service: Service, other_label: str = "Other") -> None:
    """Writes both mapfiles and the config file, each replaced whole (a reader sees the old or
    the new one). The folder is the web process's own (the mapfiles hold the database password)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name, layers in (("public", public), ("all", every)):
        _replace(folder / f"{name}.map", mapfile(layers, service, folder, other_label))
    _replace(folder / "mapserver.conf", config_file(folder))
    # for PublicOws: the names a request may use without CKAN being asked who the viewer is
    _replace(folder / PUBLIC_NAMES, json.dumps(sorted(layer_name(layer["id"]) for layer in public)))
    # the GetFeatureInfo templates of layers that are gone
    kept = {f"{layer_name(layer['id'])}.html" for layer in every} | {"header.html", "footer.html"}
    for path in (folder / "templates").glob("*.html"):
        if path.name not in kept:
            path.unlink(missing_ok=True)


def _replace(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# --- requests ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


def exception(message: str, code: str = "InvalidParameterValue", locator: str = "",
              service: str = "WMS") -> Answer:
    """An OGC exception report of the portal's own (before MapServer is asked)."""
    text = html.escape(message)
    loc = f' locator="{html.escape(locator)}"' if locator else ""
    if service.upper() == "WFS":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ows:ExceptionReport '
                'xmlns:ows="http://www.opengis.net/ows/1.1" version="2.0.0">'
                f'<ows:Exception exceptionCode="{code}"{loc}><ows:ExceptionText>{text}'
                "</ows:ExceptionText></ows:Exception></ows:ExceptionReport>")
        return Answer(400, "text/xml; charset=UTF-8", body.encode())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.3.0" '
            'xmlns="http://www.opengis.net/ogc">'
            f'<ServiceException code="{code}"{loc}>{text}</ServiceException></ServiceExceptionReport>')
    return Answer(200, "text/xml; charset=UTF-8", body.encode())


def run(mapserv: str, folder: pathlib.Path, map_name: str, params: Mapping[str, str],
        timeout: float, endpoint: str) -> Answer:
    """Hands the request to MapServer's CGI program; its answer, headers parsed.

    `endpoint` is the service's URL from the portal's configuration (never the request's Host
    header): MapServer builds the capabilities' links from these CGI variables. (It adds the
    `map` name to them, which the portal ignores like any `map` a client sends.)"""
    query = {k: v for k, v in params.items() if k.lower() != "map"}
    url = urlsplit(endpoint)
    env = {"MAPSERVER_CONFIG_FILE": str(folder / "mapserver.conf"), "REQUEST_METHOD": "GET",
           "QUERY_STRING": urlencode({"map": map_name, **query}), "PATH": "/usr/bin:/bin",
           "PGCONNECT_TIMEOUT": "5", "LANG": "C.UTF-8", "SERVER_NAME": url.hostname or "localhost",
           "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
           "SCRIPT_NAME": url.path or "/ows"}
    if url.scheme == "https":
        env["HTTPS"] = "on"
    service = params.get("SERVICE") or params.get("service") or "WMS"
    try:
        done = subprocess.run([mapserv], env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return exception(both(N_("The request took longer than {seconds} seconds; ask for a smaller "
                                 "area or fewer features."), seconds=f"{timeout:g}"),
                         "OperationProcessingFailed", service=service)
    out = done.stdout
    head, sep, body = _split(out)
    # an error after MapServer began an answer: a second header block follows the first
    if body[:8] in (b"Status: ", b"Content-"):
        head, sep, body = _split(body)
    if not sep or done.returncode not in (0,):
        raise RuntimeError(f"mapserv exited {done.returncode}: {done.stderr[-500:]!r}")
    status, content_type = 200, "application/octet-stream"
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-type":
            content_type = value.strip()
        elif key.strip().lower() == "status":
            status = int(value.strip()[:3] or 200)
    if content_type.startswith("text/html") and b"MapServer Message" in body[:400]:
        # MapServer's own error page (its CGI "browse" mode): an exception report instead
        text = re.sub(rb"<[^>]+>", b" ", body.split(b"-->", 1)[-1]).decode("utf-8", "replace")
        return exception(" ".join(text.split()) or "the request could not be answered",
                         "NoApplicableCode", service=service)
    if "ExceptionReport" in body[:1000].decode("latin-1") and service.upper() == "WFS" and status == 200:
        status = 400  # OWS Common: an exception report comes with a client error status
    return Answer(status, content_type, body)


def _split(out: bytes) -> tuple[bytes, bytes, bytes]:
    crlf, lf = out.find(b"\r\n\r\n"), out.find(b"\n\n")
    if crlf != -1 and (lf == -1 or crlf < lf):
        return out[:crlf], b"\r\n\r\n", out[crlf + 4:]
    return out.partition(b"\n\n")


def param(params: Mapping[str, str], key: str, default: str = "") -> str:
    """A KVP parameter, its name compared case-insensitively."""
    key = key.lower()
    return next((v for k, v in params.items() if k.lower() == key), default)


COUNTS = ("count", "maxfeatures", "startindex", "width", "height", "i", "j", "x", "y", "feature_count")


def check(params: Mapping[str, str]) -> Answer | None:
    """The portal's own checks before MapServer runs (MapServer takes `COUNT=x` for no count)."""
    service = param(params, "service")
    if service.upper() not in ("WMS", "WFS"):
        text = (both(N_("SERVICE is missing; use WMS or WFS, e.g. ?SERVICE=WMS&REQUEST=GetCapabilities."))
                if not service else
                both(N_("SERVICE {value} is not served; use WMS or WFS, e.g. "
                        "?SERVICE=WMS&REQUEST=GetCapabilities."), value=repr(service[:40])))
        return exception(text, "MissingParameterValue" if not service else "InvalidParameterValue",
                         locator="SERVICE")
    if not param(params, "request"):
        return exception(both(N_("REQUEST is missing; use GetCapabilities first (then GetMap, "
                                 "GetFeatureInfo, GetLegendGraphic for WMS; DescribeFeatureType, "
                                 "GetFeature for WFS).")),
                         "MissingParameterValue", locator="REQUEST", service=service)
    for key in COUNTS:
        value = param(params, key)
        if value and not (value.isascii() and value.isdigit()):
            return exception(both(N_("{name} must be a whole number of 0 or more, not {value}."),
                                  name=key.upper(), value=repr(value[:40])),
                             locator=key.upper(), service=service)
    return check_bbox(params)


def check_bbox(params: Mapping[str, str]) -> Answer | None:
    """A GetMap/GetFeatureInfo BBOX that lies wholly outside its CRS's area of use gets an
    exception naming both (MapServer would draw an empty map or fail inside PROJ)."""
    if param(params, "request").lower() not in ("getmap", "getfeatureinfo") or not param(params, "bbox"):
        return None
    code = param(params, "crs") or param(params, "srs")
    try:
        numbers = [float(v) for v in param(params, "bbox").split(",")[:4]]
    except ValueError:
        return exception(both(N_("BBOX must be four numbers separated by commas.")), locator="BBOX")
    if len(numbers) != 4 or not all(map(_finite, numbers)):
        return exception(both(N_("BBOX must be four numbers separated by commas.")), locator="BBOX")
    try:
        crs = _crs(code.strip().upper())
    except Exception:
        return None  # MapServer answers an unknown CRS with InvalidCRS itself
    area = crs.area_of_use
    if area is None:
        return None
    x0, y0, x1, y1 = numbers
    # WMS 1.3.0 gives EPSG:4326's BBOX as lat,lon (the CRS's own axis order)
    if param(params, "version", "1.3.0") >= "1.3" and crs.is_geographic and \
            crs.axis_info and crs.axis_info[0].direction in ("north", "south"):
        x0, y0, x1, y1 = y0, x0, y1, x1
    if crs.is_geographic:
        west, south, east, north = area.west, area.south, area.east, area.north
    else:
        west, south, east, north = _projected_bounds(code)
    if x1 < west or x0 > east or y1 < south or y0 > north:
        return exception(both(N_("BBOX {bbox} lies outside the area of {crs} ({area} in its units)."),
                              bbox=param(params, "bbox")[:200], crs=code[:40],
                              area=f"{west:.6g}, {south:.6g}, {east:.6g}, {north:.6g}"),
                         locator="BBOX")
    return None


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


@functools.lru_cache(maxsize=32)
def _crs(code: str) -> CRS:
    return CRS.from_user_input(code)


@functools.lru_cache(maxsize=32)
def _projected_bounds(code: str) -> tuple[float, float, float, float]:
    crs = _crs(code.strip().upper())
    a = crs.area_of_use
    t = Transformer.from_crs("OGC:CRS84", crs, always_xy=True)
    return t.transform_bounds(a.west, a.south, a.east, a.north)


# --- the fast path: requests that name only public layers, answered before CKAN -------------------

OWS_PATH = re.compile(r"^(?:/[a-z]{2}(?:_[A-Z]{2})?)?/ows$")


class PublicOws:
    """WSGI middleware: an anonymous WMS/WFS request that names only public layers (or none, as
    GetCapabilities) gets the PUBLIC mapfile's answer here, as the view would give it, without
    CKAN's request work (its session, a layer lookup and an access check per named layer): about
    10 to 20 ms of a GetMap. Anything else (a login or a token, a name not in the list of public
    layers written with the mapfiles, a POST) goes on to CKAN's view, which decides."""

    def __init__(self, app, folder: Callable[[], pathlib.Path], config: Mapping[str, Any]):
        self.app = app
        self.folder = folder  # read per request: the configuration may change (tests do)
        self.config = config
        self._names: dict[pathlib.Path, tuple[int, frozenset[str]]] = {}

    def _public(self, folder: pathlib.Path) -> frozenset[str] | None:
        try:
            stamp = (folder / PUBLIC_NAMES).stat().st_mtime_ns
            if self._names.get(folder, (None,))[0] != stamp:
                self._names[folder] = (stamp, frozenset(json.loads((folder / PUBLIC_NAMES).read_bytes())))
        except (OSError, ValueError):
            return None
        return self._names[folder][1]

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not OWS_PATH.match(environ.get("PATH_INFO", "")) \
                or environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_COOKIE"):
            return self.app(environ, start_response)
        try:
            folder = self.folder()
        except (TypeError, KeyError):  # no storage path configured: the view says what is wrong
            return self.app(environ, start_response)
        public = self._public(folder)
        if public is None:  # no mapfiles yet: the view writes them
            return self.app(environ, start_response)
        params: dict[str, str] = {}
        for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            params.setdefault(key, value)  # the first of a repeated key, as the view reads it
        answer = check(params)
        if answer is None:
            ids = [resource_id(name) for name in named_layers(params)]
            # a name that is no layer's gets MapServer's own "no such layer"
            if any(rid is not None and layer_name(rid) not in public for rid in ids):
                return self.app(environ, start_response)
            try:
                answer = run(self.config.get("ckanext.tangerang.satupeta.mapserv"), folder, "PUBLIC", params,
                             self.config.get("ckanext.tangerang.satupeta.ows_timeout"),
                             self.config["ckan.site_url"].rstrip("/") + environ.get("SCRIPT_NAME", "") + "/ows")
            except RuntimeError:  # the view answers and logs it
                return self.app(environ, start_response)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [
            ("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body))),
            ("Cache-Control", "public, max-age=60"), ("Vary", "Authorization, Cookie"),
            ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "SAMEORIGIN"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            # GetFeatureInfo's HTML: MapServer's templates, no script, no outside resource
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                        "frame-ancestors 'self'")])
        return [answer.body]
