"""The rules of OGC API - Features Part 1 (core, geojson, html, oas30), Part 2 (crs) and Part 3
(queryables, CQL2 filters: cql.py), and of OGC API - Tiles (vector tiles in WebMercatorQuad).

This module turns requests' parameters into queries and query results into the documents the
standard describes; views.py only wires it to Flask and CKAN's access checks.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer

from ckanext.tangerang.satupeta import cql
# N_ also marks the links' titles: JSON keeps the English, HTML pages translate them
from ckanext.tangerang.satupeta.messages import N_, both

if TYPE_CHECKING:
    import morecantile

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CONFORMANCE = [
    CORE,
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 3 (filtering) with CQL2 (cql.py)
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    # OGC API - Tiles: vector tiles of each layer in WebMercatorQuad
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"
SCHEMA_JSON = "application/schema+json"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
# query parameters that are not property filters
RESERVED = {"f", "bbox", "bbox-crs", "limit", "offset", "crs", "datetime", "lang", "properties",
            "sortby", "filter", "filter-lang", "filter-crs", "skipGeometry"}


class OgcError(Exception):
    """A client error, reported as the standard's exception document; `message` is a msgid with
    {named} fields, described in Indonesian and English (messages.both)."""

    def __init__(self, status: int, code: str, message: str, **params: Any):
        description = both(message, **params)
        super().__init__(description)
        self.status, self.code, self.description = status, code, description

    def document(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description}


def crs_uri(code: str | int) -> str:
    code = str(code).upper().removeprefix("EPSG:")
    return CRS84 if code == "CRS84" else f"http://www.opengis.net/def/crs/EPSG/0/{code}"


def supported_crs(epsg_codes: Iterable[int]) -> list[str]:
    """CRS84 first (the default), then the city's list (4326 always among them)."""
    uris = [CRS84, crs_uri(4326)]
    for code in epsg_codes:
        if crs_uri(code) not in uris:
            uris.append(crs_uri(code))
    return uris


@functools.lru_cache(maxsize=32)
def _crs(uri: str) -> CRS:
    if uri == CRS84:
        return CRS.from_user_input("OGC:CRS84")
    return CRS.from_epsg(int(uri.rsplit("/", 1)[1]))


@functools.lru_cache(maxsize=32)
def to_output(uri: str) -> Transformer | None:
    """lon/lat -> the requested CRS in its own axis order (latitude first for EPSG:4326)."""
    if uri == CRS84:
        return None
    return Transformer.from_crs(_crs(CRS84), _crs(uri), always_xy=False)


def parse_crs(value: str | None, allowed: list[str], name: str = "crs") -> str:
    if not value:
        return CRS84
    value = value.strip().strip("[]")
    if value.upper() in ("CRS84", "OGC:CRS84"):
        value = CRS84
    elif value.upper().startswith("EPSG:"):
        value = crs_uri(value)
    if value not in allowed:
        raise OgcError(400, "InvalidParameterValue", N_("{name}: {value} is not supported; use one of {allowed}"),
                       name=name, value=value[:200], allowed=", ".join(allowed))
    return value


def parse_bbox(value: str | None, bbox_crs: str) -> tuple[float, float, float, float] | None:
    """The bbox parameter as lon/lat (CRS84) bounds."""
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", N_("bbox: four numbers separated by commas expected"))
    if len(numbers) == 6:  # 3D box: drop the heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not np.isfinite(numbers).all():
        raise OgcError(400, "InvalidParameterValue", N_("bbox: four numbers separated by commas expected"))
    if bbox_crs != CRS84:
        t = Transformer.from_crs(_crs(bbox_crs), _crs(CRS84), always_xy=False)
        numbers = list(t.transform_bounds(*numbers))
    x0, y0, x1, y1 = numbers
    if x0 > x1 or y0 > y1:
        raise OgcError(400, "InvalidParameterValue", N_("bbox: the lower corner must come first"))
    return x0, y0, x1, y1


def parse_int(value: str | None, name: str, default: int, lowest: int, highest: int | None = None) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", N_("{name}: an integer expected"), name=name)
    if number < lowest:
        raise OgcError(400, "InvalidParameterValue", N_("{name}: at least {lowest}"), name=name, lowest=lowest)
    return min(number, highest) if highest else number


def property_filters(args: Mapping[str, str], fields: Iterable[str]) -> dict[str, str]:
    """`name=value` parameters for the layer's properties; unknown parameters are an error."""
    names = set(fields)
    filters = {}
    for key, value in args.items():
        if key in RESERVED:
            continue
        if key not in names:
            raise OgcError(400, "InvalidParameterValue",
                           N_("{name}: unknown parameter; property filters: {fields}"),
                           name=key[:100], fields=", ".join(sorted(names)))
        if "\x00" in value:  # PostgreSQL takes no NUL in a string
            raise OgcError(400, "InvalidParameterValue", N_("{name}: NUL characters are not allowed"),
                           name=key[:100])
        filters[key] = value
    return filters


def link(href: str, rel: str, type_: str, title: str = "", **extra: Any) -> dict[str, Any]:
    doc = {"href": href, "rel": rel, "type": type_}
    if title:
        doc["title"] = title
    doc.update(extra)
    return doc


def url(base: str, path: str, **params: Any) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}{path}" + (f"?{urlencode(params)}" if params else "")


def landing(base: str, title: str, description: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "links": [
            link(url(base, "", f="json"), "self", JSON, N_("This document")),
            link(url(base, "", f="html"), "alternate", HTML, N_("This document as HTML")),
            link(url(base, "/api", f="json"), "service-desc", OPENAPI, N_("The API definition")),
            link(url(base, "/api", f="html"), "service-doc", HTML, N_("The API documentation")),
            link(url(base, "/conformance", f="json"), "conformance", JSON, N_("Conformance classes")),
            link(url(base, "/conformance", f="json"), REL + "conformance", JSON,
                 N_("Conformance classes")),
            link(url(base, "/collections", f="json"), "data", JSON, N_("The layers")),
            link(url(base, "/collections", f="json"), REL + "data", JSON, N_("The layers")),
            link(url(base, "/tileMatrixSets", f="json"), REL + "tiling-schemes", JSON,
                 N_("Tile matrix sets")),
        ],
    }


def collection(base: str, layer: dict[str, Any], crs_list: list[str]) -> dict[str, Any]:
    cid = layer["id"]
    path = f"/collections/{cid}"
    doc = {
        "id": cid,
        "title": layer["title"],
        "description": layer.get("description") or "",
        "itemType": "feature",
        "crs": crs_list,
        "storageCrs": CRS84,
        "links": [
            link(url(base, path, f="json"), "self", JSON, N_("This collection")),
            link(url(base, path, f="html"), "alternate", HTML, N_("This collection as HTML")),
            link(url(base, path + "/items", f="json"), "items", GEOJSON, N_("Features as GeoJSON")),
            link(url(base, path + "/items", f="html"), "items", HTML, N_("Features as HTML")),
            link(f"{base}{path}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                 "item", MVT, N_("Vector tiles (z/x/y)"), templated=True),
            link(url(base, path + "/tiles", f="json"), REL + "tilesets-vector", JSON,
                 N_("Vector tile sets")),
            link(url(base, path + "/queryables", f="json"), REL + "queryables", SCHEMA_JSON,
                 N_("Queryables (properties to filter by)")),
        ],
    }
    if layer.get("bbox"):
        doc["extent"] = {"spatial": {"bbox": [list(layer["bbox"])], "crs": CRS84}}
    for fmt, mime in DOWNLOADS.items():
        doc["links"].append(link(url(base, path + "/download", f=fmt), "enclosure", mime,
                                 DOWNLOAD_TITLE.format(fmt=fmt)))
    return doc


DOWNLOADS = {"geojson": GEOJSON, "csv": "text/csv", "gpkg": "application/geopackage+sqlite3",
             "shp": "application/zip"}
DOWNLOAD_TITLE = N_("Download ({fmt})")


def collections(base: str, layers: list[dict[str, Any]], crs_list: list[str]) -> dict[str, Any]:
    return {
        "links": [
            link(url(base, "/collections", f="json"), "self", JSON, N_("This document")),
            link(url(base, "/collections", f="html"), "alternate", HTML, N_("This document as HTML")),
        ],
        "crs": crs_list,
        "collections": [collection(base, layer, ["#/crs"]) for layer in layers],
    }


def features(rows: list[tuple], out_crs: str, geojson_text: bool) -> list[bytes]:
    """Each row (fid, properties json, geometry) as a GeoJSON Feature's bytes.

    For CRS84 the database already wrote the geometry as GeoJSON text; for another CRS the
    geometry comes as WKB and pyproj reprojects it (in that CRS's axis order).
    """
    if geojson_text:
        return [b'{"type":"Feature","id":%d,"geometry":%s,"properties":%s}'
                % (fid, geom.encode(), props.encode()) for fid, props, geom in rows]
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows])
    transformer = to_output(out_crs)
    if transformer is not None:
        geoms = shapely.transform(geoms, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))
    texts = shapely.to_geojson(geoms)
    return [b'{"type":"Feature","id":%d,"geometry":%s,"properties":%s}'
            % (r[0], t.encode(), r[1].encode()) for r, t in zip(rows, texts)]


def items(base: str, cid: str, feats: list[bytes], matched: int | None, limit: int, offset: int,
          args: Mapping[str, str]) -> bytes:
    """The FeatureCollection page, with self/alternate/next/prev links."""
    path = f"/collections/{cid}/items"
    keep = {k: v for k, v in args.items() if k not in ("f", "offset", "limit")}
    links = [
        link(url(base, path, f="json", limit=limit, offset=offset, **keep), "self", GEOJSON,
             N_("This page")),
        link(url(base, path, f="html", limit=limit, offset=offset, **keep), "alternate", HTML,
             N_("This page as HTML")),
        link(url(base, f"/collections/{cid}", f="json"), "collection", JSON, N_("The collection")),
    ]
    if matched is None or offset + len(feats) < matched:
        if len(feats) == limit:
            links.append(link(url(base, path, f="json", limit=limit, offset=offset + limit, **keep),
                              "next", GEOJSON, N_("Next page")))
    # past the end, prev leads to the last page that has features (none when nothing matched)
    prev = max(0, offset - limit) if matched is None or offset < matched else max(0, matched - limit)
    if offset > 0 and (matched is None or matched > 0):
        links.append(link(url(base, path, f="json", limit=limit, offset=prev, **keep),
                          "prev", GEOJSON, N_("Previous page")))
    head = {
        "type": "FeatureCollection",
        "numberReturned": len(feats),
        "timeStamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    if matched is not None:
        head["numberMatched"] = matched
    # the envelope through orjson, the features (already bytes) spliced in
    return orjson.dumps(head)[:-1] + b',"features":[' + b",".join(feats) + b"]}"


def feature(base: str, cid: str, feat: bytes) -> bytes:
    doc = orjson.loads(feat)
    path = f"/collections/{cid}/items/{doc['id']}"
    doc["links"] = [
        link(url(base, path, f="json"), "self", GEOJSON, N_("This feature")),
        link(url(base, path, f="html"), "alternate", HTML, N_("This feature as HTML")),
        link(url(base, f"/collections/{cid}", f="json"), "collection", JSON, N_("The collection")),
    ]
    return orjson.dumps(doc)


# --- Part 3: queryables and CQL2 filters ---------------------------------------------------------

# a field's type in the registry (ingest.ARROW_NAMES) as a JSON Schema type
JSON_TYPES = {"int64": "integer", "float64": "number", "bool": "boolean"}
# a geometry family as a queryable's format (OGC API - Features Part 5); a layer may mix single
# and multi parts
GEOMETRY_FORMATS = {"point": "geometry-point-or-multipoint",
                    "line": "geometry-linestring-or-multilinestring",
                    "polygon": "geometry-polygon-or-multipolygon"}


def property_schemas(fields: Iterable[Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    return {f["name"]: {"title": f["name"], "type": JSON_TYPES.get(f.get("type", ""), "string")}
            for f in fields}


def queryables(base: str, layer: dict[str, Any]) -> dict[str, Any]:
    """The layer's queryables as a JSON Schema (2020-12): its fields and the geometry."""
    props = property_schemas(layer["fields"])
    props[cql.GEOMETRY] = {"title": cql.GEOMETRY, "x-ogc-role": "primary-geometry",
                           "format": GEOMETRY_FORMATS.get(layer.get("geometry_family"), "geometry-any")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{layer['id']}/queryables",
        "type": "object",
        "title": layer["title"],
        "properties": props,
        "additionalProperties": False,
    }


def _reprojector(uri: str):
    """A geometry in the CRS `uri` (in its own axis order, as crs and bbox-crs) -> CRS84."""
    transformer = Transformer.from_crs(_crs(uri), _crs(CRS84), always_xy=False)
    return lambda geom: shapely.transform(
        geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))


def parse_filter(args: Mapping[str, str], fields: Iterable[Mapping[str, str]],
                 crs_list: list[str]) -> tuple[str, dict[str, Any]] | None:
    """`filter`, `filter-lang` and `filter-crs` as a WHERE fragment and its parameters."""
    lang = args.get("filter-lang") or "cql2-text"
    if lang not in cql.LANGS:
        raise OgcError(400, "InvalidParameterValue", N_("filter-lang: use one of {langs}"),
                       langs=", ".join(cql.LANGS))
    filter_crs = parse_crs(args.get("filter-crs"), crs_list, "filter-crs")
    text = args.get("filter")
    if not text:
        return None
    try:
        return cql.to_sql(text, lang, fields, None if filter_crs == CRS84 else _reprojector(filter_crs))
    except cql.FilterError as e:
        raise OgcError(400, "InvalidParameterValue", N_("filter: {error}"), error=e)


# --- OGC API - Tiles -----------------------------------------------------------------------------

TMS_ID = "WebMercatorQuad"
ZOOMS = range(0, 25)  # the tile route's (views.tile)
MVT_LAYER = "features"  # the layer name inside each tile (views.tile)
DIMENSIONS = {"point": 0, "line": 1, "polygon": 2}


@functools.lru_cache(maxsize=1)
def _tms() -> morecantile.TileMatrixSet:
    import morecantile  # with pydantic, about 20 MB: loaded by the first tile asked for

    return morecantile.tms.get(TMS_ID)


def check_tile_matrix_set(tms_id: str) -> None:
    if tms_id != TMS_ID:
        raise OgcError(404, "NotFound", N_("tileMatrixSet {name} not found; available: {available}"),
                       name=tms_id[:100], available=TMS_ID)


def tile_matrix_sets(base: str) -> dict[str, Any]:
    tms = _tms()
    path = f"/tileMatrixSets/{TMS_ID}"
    return {
        "tileMatrixSets": [{
            "id": TMS_ID, "title": tms.title, "uri": tms.uri, "crs": crs_uri(3857),
            "links": [link(url(base, path, f="json"), "self", JSON, N_("The tile matrix set")),
                      link(url(base, path, f="json"), REL + "tiling-scheme", JSON,
                           N_("The tile matrix set"))],
        }],
        "links": [
            link(url(base, "/tileMatrixSets", f="json"), "self", JSON, N_("This document")),
            link(url(base, "/tileMatrixSets", f="html"), "alternate", HTML, N_("This document as HTML")),
        ],
    }


def tile_matrix_set(tms_id: str) -> dict[str, Any]:
    """The definition in the OGC Two Dimensional Tile Matrix Set (2.0) JSON encoding."""
    check_tile_matrix_set(tms_id)
    return _tms().model_dump(mode="json", exclude_none=True)


def tile_matrix_limits(bbox: Iterable[float]) -> list[dict[str, Any]]:
    """The tiles covering a lon/lat box at each zoom."""
    tms = _tms()
    west, south, east, north = bbox
    south, north = max(south, -85.0511287798), min(north, 85.0511287798)
    limits = []
    for z in ZOOMS:
        top_left = tms.tile(west, north, z, truncate=True)
        bottom_right = tms.tile(east, south, z, truncate=True)
        last = 2 ** z - 1
        limits.append({"tileMatrix": str(z),
                       "minTileRow": min(max(top_left.y, 0), last), "maxTileRow": min(max(bottom_right.y, 0), last),
                       "minTileCol": min(max(top_left.x, 0), last), "maxTileCol": min(max(bottom_right.x, 0), last)})
    return limits


def _tileset_summary(base: str, layer: dict[str, Any]) -> dict[str, Any]:
    path = f"/collections/{layer['id']}/tiles/{TMS_ID}"
    return {
        "title": layer["title"],
        "dataType": "vector",
        "crs": crs_uri(3857),
        "tileMatrixSetURI": _tms().uri,
        "links": [
            link(url(base, path, f="json"), "self", JSON, N_("The tile set")),
            link(url(base, f"/tileMatrixSets/{TMS_ID}", f="json"), REL + "tiling-scheme", JSON,
                 N_("The tile matrix set")),
            link(f"{base}{path}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT,
                 N_("Vector tiles (z/x/y)"), templated=True),
        ],
    }


def tilesets(base: str, layer: dict[str, Any]) -> dict[str, Any]:
    path = f"/collections/{layer['id']}"
    return {
        "tilesets": [_tileset_summary(base, layer)],
        "links": [
            link(url(base, path + "/tiles", f="json"), "self", JSON, N_("This document")),
            link(url(base, path + "/tiles", f="html"), "alternate", HTML, N_("This document as HTML")),
            link(url(base, path, f="json"), "collection", JSON, N_("The collection")),
        ],
    }


def tileset(base: str, layer: dict[str, Any], tms_id: str) -> dict[str, Any]:
    """The tile set's metadata (Tiles 1.0 tileset class): where its tiles are and what they hold."""
    check_tile_matrix_set(tms_id)
    doc = _tileset_summary(base, layer)
    path = f"/collections/{layer['id']}"
    doc["links"] += [
        link(url(base, path + f"/tiles/{TMS_ID}", f="html"), "alternate", HTML, N_("This document as HTML")),
        link(url(base, path, f="json"), "collection", JSON, N_("The collection")),
        link(url(base, path, f="json"), REL + "geodata", JSON, N_("The collection")),
    ]
    doc["layers"] = [{
        "id": MVT_LAYER,
        "title": layer["title"],
        "dataType": "vector",
        "geometryDimension": DIMENSIONS.get(layer.get("geometry_family"), 2),
        "minTileMatrix": str(ZOOMS[0]),
        "maxTileMatrix": str(ZOOMS[-1]),
        "propertiesSchema": {"type": "object", "properties": property_schemas(layer["fields"])},
    }]
    if layer.get("bbox"):
        west, south, east, north = layer["bbox"]
        doc["boundingBox"] = {"lowerLeft": [west, south], "upperRight": [east, north], "crs": CRS84}
        doc["tileMatrixSetLimits"] = tile_matrix_limits(layer["bbox"])
    return doc


def openapi(base: str, title: str, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenAPI 3.0 description of this service (the oas30 classes of Features and Tiles): every
    path with its parameters and every response with its content types and schema."""
    def param(name, where, schema, description="", required=False, **extra):
        return {"name": name, "in": where, "required": required, "description": description,
                "schema": schema, **extra}

    def ref(kind, name):
        return {"$ref": f"#/components/{kind}/{name}"}

    def ok(schema: str | None, mime: str = JSON, html: bool = True, description: str = "OK"):
        content = {mime: {"schema": ref("schemas", schema) if schema else {"type": "object"}}}
        if html:
            content[HTML] = {"schema": {"type": "string"}}
        return {"description": description, "content": content}

    def get(summary, operation, params, response, errors=("400", "500"), tags=("Features",)):
        responses = {"200": response}
        responses.update({code: ref("responses", ERROR_NAMES[code]) for code in errors})
        return {"get": {"summary": summary, "operationId": operation, "tags": list(tags),
                        "parameters": [ref("parameters", p) if isinstance(p, str) else p for p in params],
                        "responses": responses}}

    string, uri = {"type": "string"}, {"type": "string", "format": "uri"}
    links = {"type": "array", "items": ref("schemas", "link")}
    parameters = {
        "f": param("f", "query", {"type": "string", "enum": ["json", "html"]},
                   "The response's format (otherwise the Accept header chooses)"),
        "collectionId": param("collectionId", "path",
                              {"type": "string", "enum": [layer["id"] for layer in layers]}
                              if layers else string, "The layer's id", True),
        "featureId": param("featureId", "path", {"type": "integer", "minimum": 1}, "The feature's id", True),
        "bbox": param("bbox", "query", {"type": "array", "items": {"type": "number"}, "minItems": 4,
                                        "maxItems": 6}, "Bounding box: lower corner, upper corner",
                      style="form", explode=False),
        "bbox-crs": param("bbox-crs", "query", uri, "CRS of bbox (default CRS84)"),
        "crs": param("crs", "query", uri, "CRS of the response's geometries (default CRS84)"),
        "limit": param("limit", "query", {"type": "integer", "minimum": 1, "default": 100}, "Page size"),
        "offset": param("offset", "query", {"type": "integer", "minimum": 0, "default": 0},
                        "Number of features to skip"),
        "filter": param("filter", "query", string,
                        "A CQL2 filter on the queryables (see /collections/{collectionId}/queryables)"),
        "filter-lang": param("filter-lang", "query",
                             {"type": "string", "enum": list(cql.LANGS), "default": "cql2-text"},
                             "The filter's encoding"),
        "filter-crs": param("filter-crs", "query", uri, "CRS of the filter's geometries (default CRS84)"),
        "tileMatrixSetId": param("tileMatrixSetId", "path", {"type": "string", "enum": [TMS_ID]},
                                 "The tile matrix set", True),
        "tileMatrix": param("tileMatrix", "path", {"type": "integer", "minimum": 0, "maximum": ZOOMS[-1]},
                            "Zoom level", True),
        "tileRow": param("tileRow", "path", {"type": "integer", "minimum": 0}, "Row (y)", True),
        "tileCol": param("tileCol", "path", {"type": "integer", "minimum": 0}, "Column (x)", True),
    }
    schemas = {
        "exception": {"type": "object", "required": ["code"], "properties": {
            "code": string, "description": string,
            "reference": {"type": "string", "description": "Of a server error, as logged"}}},
        "link": {"type": "object", "required": ["href", "rel"], "properties": {
            "href": string, "rel": string, "type": string, "title": string,
            "templated": {"type": "boolean"}}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": string, "description": string, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": string}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": string, "title": string, "description": string, "links": links,
            "itemType": string, "crs": {"type": "array", "items": string}, "storageCrs": string,
            "extent": {"type": "object"}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "crs": {"type": "array", "items": string},
            "collections": {"type": "array", "items": ref("schemas", "collection")}}},
        "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "integer"},
            "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object", "nullable": True},
            "links": links}},
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": ref("schemas", "featureGeoJSON")},
            "links": links, "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0}}},
        "queryables": {"type": "object", "description": "A JSON Schema (2020-12) of the queryables",
                       "required": ["type", "properties"], "properties": {
                           "$schema": string, "$id": string, "type": string, "title": string,
                           "properties": {"type": "object"}}},
        "tileMatrixSets": {"type": "object", "required": ["tileMatrixSets"], "properties": {
            "tileMatrixSets": {"type": "array", "items": {"type": "object", "required": ["id", "links"]}},
            "links": links}},
        "tileMatrixSet": {"type": "object", "required": ["crs", "tileMatrices"],
                          "description": "OGC Two Dimensional Tile Matrix Set (2.0), JSON encoding",
                          "properties": {"id": string, "uri": string, "crs": string,
                                         "tileMatrices": {"type": "array", "items": {"type": "object"}}}},
        "tileSet": {"type": "object", "required": ["dataType", "crs", "links"], "properties": {
            "title": string, "dataType": {"type": "string", "enum": ["vector"]}, "crs": string,
            "tileMatrixSetURI": string, "links": links,
            "tileMatrixSetLimits": {"type": "array", "items": {"type": "object"}},
            "layers": {"type": "array", "items": {"type": "object"}},
            "boundingBox": {"type": "object"}}},
        "tileSets": {"type": "object", "required": ["tilesets"], "properties": {
            "tilesets": {"type": "array", "items": ref("schemas", "tileSet")}, "links": links}},
    }
    error = {"content": {JSON: {"schema": ref("schemas", "exception")}, HTML: {"schema": string}}}
    responses = {
        "BadRequest": {"description": "A parameter's value is not allowed (the description names it)", **error},
        "NotFound": {"description": "No such resource (or not visible to this user)", **error},
        "ServerError": {"description": "Server error (its reference is in the server's log)", **error},
    }
    binary = {"schema": {"type": "string", "format": "binary"}}
    items_params = ["collectionId", "f", "bbox", "bbox-crs", "crs", "limit", "offset", "filter",
                    "filter-lang", "filter-crs"]
    tile = "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "servers": [{"url": base}],
        "tags": [{"name": "Features"}, {"name": "Tiles"}],
        "paths": {
            "/": get("Landing page", "getLandingPage", ["f"], ok("landingPage")),
            "/conformance": get("Conformance classes", "getConformance", ["f"], ok("confClasses")),
            "/api": get("This API definition", "getApi", ["f"], {"description": "OK", "content": {
                OPENAPI: {"schema": {"type": "object"}}, HTML: {"schema": string}}}),
            "/collections": get("Layers", "getCollections", ["f"], ok("collections")),
            "/collections/{collectionId}": get("A layer", "describeCollection", ["collectionId", "f"],
                                               ok("collection"), ("400", "404", "500")),
            "/collections/{collectionId}/queryables": get(
                "The properties a filter may use", "getQueryables", ["collectionId", "f"],
                ok("queryables", SCHEMA_JSON), ("400", "404", "500")),
            "/collections/{collectionId}/items": get(
                "A layer's features; a queryable's name as a parameter selects by its value",
                "getFeatures", items_params, ok("featureCollectionGeoJSON", GEOJSON), ("400", "404", "500")),
            "/collections/{collectionId}/items/{featureId}": get(
                "One feature", "getFeature", ["collectionId", "featureId", "f", "crs"],
                ok("featureGeoJSON", GEOJSON), ("400", "404", "500")),
            "/collections/{collectionId}/download": get(
                "The whole layer as a file", "downloadCollection",
                ["collectionId", param("f", "query", {"type": "string", "enum": list(DOWNLOADS),
                                                      "default": "geojson"}, "The file's format")],
                {"description": "The file (an attachment)",
                 "content": {mime: binary for mime in DOWNLOADS.values()}}, ("400", "404", "500")),
            "/tileMatrixSets": get("Tile matrix sets", "getTileMatrixSetsList", ["f"], ok("tileMatrixSets"),
                                   tags=("Tiles",)),
            "/tileMatrixSets/{tileMatrixSetId}": get(
                "A tile matrix set's definition", "getTileMatrixSet", ["tileMatrixSetId", "f"],
                ok("tileMatrixSet"), ("400", "404", "500"), ("Tiles",)),
            "/collections/{collectionId}/tiles": get(
                "A layer's vector tile sets", "getCollectionVectorTileSetsList", ["collectionId", "f"],
                ok("tileSets"), ("400", "404", "500"), ("Tiles",)),
            "/collections/{collectionId}/tiles/{tileMatrixSetId}": get(
                "A vector tile set's metadata", "getCollectionVectorTileSet",
                ["collectionId", "tileMatrixSetId", "f"], ok("tileSet"), ("400", "404", "500"), ("Tiles",)),
            tile: get("A Mapbox vector tile (empty where the layer has no features)",
                      "getCollectionVectorTile", ["collectionId", "tileMatrixSetId", "tileMatrix", "tileRow",
                                                  "tileCol"],
                      {"description": "The tile", "content": {MVT: binary}}, ("404", "500"), ("Tiles",)),
        },
        "components": {"parameters": parameters, "schemas": schemas, "responses": responses},
    }


ERROR_NAMES = {"400": "BadRequest", "404": "NotFound", "500": "ServerError"}
