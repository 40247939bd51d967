"""The rules of OGC API - Features Part 1 (core, geojson, html, oas30) and Part 2 (crs).

This module turns requests' parameters into queries and query results into the documents the
standard describes; views.py only wires it to Flask and CKAN's access checks.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CONFORMANCE = [
    CORE,
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
MVT = "application/vnd.mapbox-vector-tile"
# query parameters that are not property filters
RESERVED = {"f", "bbox", "bbox-crs", "limit", "offset", "crs", "datetime", "lang", "properties",
            "sortby", "filter", "filter-lang", "skipGeometry"}


class OgcError(Exception):
    """A client error, reported as the standard's exception document."""

    def __init__(self, status: int, code: str, description: str):
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
        raise OgcError(400, "InvalidParameterValue",
                       f"{name}: {value} is not supported; use one of {', '.join(allowed)}")
    return value


def parse_bbox(value: str | None, bbox_crs: str) -> tuple[float, float, float, float] | None:
    """The bbox parameter as lon/lat (CRS84) bounds."""
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", "bbox: four numbers separated by commas expected")
    if len(numbers) == 6:  # 3D box: drop the heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not np.isfinite(numbers).all():
        raise OgcError(400, "InvalidParameterValue", "bbox: four numbers separated by commas expected")
    if bbox_crs != CRS84:
        t = Transformer.from_crs(_crs(bbox_crs), _crs(CRS84), always_xy=False)
        numbers = list(t.transform_bounds(*numbers))
    x0, y0, x1, y1 = numbers
    if x0 > x1 or y0 > y1:
        raise OgcError(400, "InvalidParameterValue", "bbox: the lower corner must come first")
    return x0, y0, x1, y1


def parse_int(value: str | None, name: str, default: int, lowest: int, highest: int | None = None) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", f"{name}: an integer expected")
    if number < lowest:
        raise OgcError(400, "InvalidParameterValue", f"{name}: at least {lowest}")
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
                           f"{key}: unknown parameter; property filters: {', '.join(sorted(names))}")
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
            link(url(base, "", f="json"), "self", JSON, "This document"),
            link(url(base, "", f="html"), "alternate", HTML, "This document as HTML"),
            link(url(base, "/api", f="json"), "service-desc", OPENAPI, "The API definition"),
            link(url(base, "/api", f="html"), "service-doc", HTML, "The API documentation"),
            link(url(base, "/conformance", f="json"), "conformance", JSON, "Conformance classes"),
            link(url(base, "/conformance", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformance classes"),
            link(url(base, "/collections", f="json"), "data", JSON, "The layers"),
            link(url(base, "/collections", f="json"),
                 "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, "The layers"),
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
            link(url(base, path, f="json"), "self", JSON, "This collection"),
            link(url(base, path, f="html"), "alternate", HTML, "This collection as HTML"),
            link(url(base, path + "/items", f="json"), "items", GEOJSON, "Features as GeoJSON"),
            link(url(base, path + "/items", f="html"), "items", HTML, "Features as HTML"),
            link(f"{base}{path}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                 "item", MVT, "Vector tiles (z/x/y)", templated=True),
        ],
    }
    if layer.get("bbox"):
        doc["extent"] = {"spatial": {"bbox": [list(layer["bbox"])], "crs": CRS84}}
    for fmt, mime in DOWNLOADS.items():
        doc["links"].append(link(url(base, path + "/download", f=fmt), "enclosure", mime,
                                 f"Download ({fmt})"))
    return doc


DOWNLOADS = {"geojson": GEOJSON, "csv": "text/csv", "gpkg": "application/geopackage+sqlite3",
             "shp": "application/zip"}


def collections(base: str, layers: list[dict[str, Any]], crs_list: list[str]) -> dict[str, Any]:
    return {
        "links": [
            link(url(base, "/collections", f="json"), "self", JSON, "This document"),
            link(url(base, "/collections", f="html"), "alternate", HTML, "This document as HTML"),
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
        link(url(base, path, f="json", limit=limit, offset=offset, **keep), "self", GEOJSON, "This page"),
        link(url(base, path, f="html", limit=limit, offset=offset, **keep), "alternate", HTML,
             "This page as HTML"),
        link(url(base, f"/collections/{cid}", f="json"), "collection", JSON, "The collection"),
    ]
    if matched is None or offset + len(feats) < matched:
        if len(feats) == limit:
            links.append(link(url(base, path, f="json", limit=limit, offset=offset + limit, **keep),
                              "next", GEOJSON, "Next page"))
    if offset > 0:
        links.append(link(url(base, path, f="json", limit=limit, offset=max(0, offset - limit), **keep),
                          "prev", GEOJSON, "Previous page"))
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
        link(url(base, path, f="json"), "self", GEOJSON, "This feature"),
        link(url(base, path, f="html"), "alternate", HTML, "This feature as HTML"),
        link(url(base, f"/collections/{cid}", f="json"), "collection", JSON, "The collection"),
    ]
    return orjson.dumps(doc)


def openapi(base: str, title: str, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenAPI 3.0 description of this service (the oas30 class)."""
    def param(name, where, schema, description="", required=False, **extra):
        return {"name": name, "in": where, "required": required, "description": description,
                "schema": schema, **extra}

    f_param = param("f", "query", {"type": "string", "enum": ["json", "html"]}, "Output format")
    coll = param("collectionId", "path", {"type": "string", "enum": [layer["id"] for layer in layers]},
                 "The layer's id", True)
    ok = {"200": {"description": "OK"}}
    items_params = [
        coll, f_param,
        param("bbox", "query", {"type": "array", "items": {"type": "number"}, "minItems": 4,
                                "maxItems": 6}, "Bounding box", style="form", explode=False),
        param("bbox-crs", "query", {"type": "string", "format": "uri"}, "CRS of bbox"),
        param("crs", "query", {"type": "string", "format": "uri"}, "CRS of the response"),
        param("limit", "query", {"type": "integer", "minimum": 1, "default": 100}, "Page size"),
        param("offset", "query", {"type": "integer", "minimum": 0, "default": 0}, "Start"),
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage",
                          "parameters": [f_param], "responses": ok}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance",
                                     "parameters": [f_param], "responses": ok}},
            "/collections": {"get": {"summary": "Layers", "operationId": "getCollections",
                                     "parameters": [f_param], "responses": ok}},
            "/collections/{collectionId}": {"get": {"summary": "A layer", "operationId": "describeCollection",
                                                    "parameters": [coll, f_param], "responses": ok}},
            "/collections/{collectionId}/items": {"get": {
                "summary": "A layer's features", "operationId": "getFeatures",
                "parameters": items_params, "responses": ok}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "summary": "One feature", "operationId": "getFeature",
                "parameters": [coll, param("featureId", "path", {"type": "string"}, "", True), f_param,
                               param("crs", "query", {"type": "string", "format": "uri"})],
                "responses": ok}},
        },
    }
