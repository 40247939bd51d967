"""Flask views: OGC API - Features and tiles under /ogc, the map page, a layer's import page.

The OGC rules are in ogc.py, the queries in model; here only access (a layer follows its
resource's dataset) and HTTP.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, send_file

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta import downloads, helpers, ogc
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta.logic.validators import crs_choices

log = logging.getLogger(__name__)
ogc_api = Blueprint("satupeta_ogc", __name__, url_prefix="/ogc")
peta = Blueprint("satupeta", __name__)
__all__ = ["ogc_api", "peta"]


# --- access ------------------------------------------------------------------------------------

def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _can_see(layer: dict[str, Any], cache: dict[str, bool] | None = None) -> bool:
    key = layer["package_id"]
    if cache is not None and key in cache:
        return cache[key]
    try:
        tk.check_access("tangerang_satupeta_layer_show", _context(), {"id": layer["id"]})
        allowed = True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        allowed = False
    if cache is not None:
        cache[key] = allowed
    return allowed


def _visible_layers() -> list[dict[str, Any]]:
    cache: dict[str, bool] = {}
    return [layer for layer in store.layers() if _can_see(layer, cache)]


def _layer(cid: str) -> dict[str, Any]:
    layer = store.get_layer(cid)
    # a private layer answers like a missing one: its existence is not revealed either
    if layer is None or not _can_see(layer):
        raise ogc.OgcError(404, "NotFound", f"collection {cid} not found")
    return layer


def _is_public(layer: dict[str, Any]) -> bool:
    try:
        tk.check_access("tangerang_satupeta_layer_show", {"user": ""}, {"id": layer["id"]})
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False


# --- HTTP helpers ------------------------------------------------------------------------------

def _base() -> str:
    # the configured site URL, never the request's Host header (a forged Host would end up in
    # the links of responses that proxies cache for everyone)
    return tk.config["ckan.site_url"].rstrip("/") + tk.request.script_root + "/ogc"


def _wants_html() -> bool:
    f = tk.request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson", "jsonld"):
            raise ogc.OgcError(400, "InvalidParameterValue", "f: use json or html")
        return f == "html"
    accept = tk.request.accept_mimetypes
    best = accept.best_match([ogc.JSON, ogc.GEOJSON, ogc.HTML], default=ogc.JSON)
    return best == ogc.HTML and accept[ogc.HTML] > accept[ogc.JSON]


def _json(doc: Any, mimetype: str = ogc.JSON, status: int = 200, **headers: str) -> Response:
    body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return Response(body, status=status, mimetype=mimetype, headers=headers)


def _html(kind: str, doc: Any, **extra: Any) -> str:
    return tk.render("satupeta/ogc_page.html", extra_vars={"kind": kind, "doc": doc, **extra})


def _html_client() -> bool:
    try:
        return _wants_html()
    except ogc.OgcError:  # an unknown f: the API's default, JSON
        return False


@ogc_api.errorhandler(ogc.OgcError)
def _ogc_error(e: ogc.OgcError):
    if _html_client():
        # a browser gets the portal's error page; the standard's description is English and
        # technical, so only a bad parameter's is shown (it names the parameter)
        detail = e.description if e.status == 400 else None
        return tk.render("error_document_template.html",
                         extra_vars={"code": e.status, "content": detail}), e.status
    return _json(e.document(), status=e.status)


@ogc_api.errorhandler(Exception)
def _unexpected_error(e: Exception):
    """A JSON client gets the standard's exception document with a reference that is logged
    with the trace; a browser gets the portal's error page (the app's handler, re-raised)."""
    app = current_app
    if app.debug or app.testing or _html_client():
        raise e
    ref = secrets.token_hex(5).upper()
    log.error("Error reference %s: %s %s", ref, tk.request.method, tk.request.path, exc_info=e)
    return _json({"code": "ServerError", "description": "Internal server error",
                  "reference": ref}, status=500)


def _crs_list() -> list[str]:
    return ogc.supported_crs(city.current().meta.get("crs", []))


def _title() -> str:
    return tk._("{portal} - Satu Peta").format(portal=city.current().meta["portal_title"])


# --- OGC API - Features ------------------------------------------------------------------------

@ogc_api.route("", strict_slashes=False)
def landing():
    doc = ogc.landing(_base(), _title(), tk._("Map layers of the city as OGC API - Features"))
    return _html("landing", doc) if _wants_html() else _json(doc)


@ogc_api.route("/conformance")
def conformance():
    doc = {"conformsTo": ogc.CONFORMANCE}
    return _html("conformance", doc) if _wants_html() else _json(doc)


@ogc_api.route("/api")
def api():
    doc = ogc.openapi(_base(), _title(), _visible_layers())
    if _wants_html():
        return _html("api", doc)
    return _json(doc, ogc.OPENAPI)


@ogc_api.route("/collections")
def collections():
    doc = ogc.collections(_base(), _visible_layers(), _crs_list())
    return _html("collections", doc) if _wants_html() else _json(doc)


@ogc_api.route("/collections/<cid>")
def collection(cid):
    doc = ogc.collection(_base(), _layer(cid), _crs_list())
    return _html("collection", doc) if _wants_html() else _json(doc)


def _out_crs() -> str:
    return ogc.parse_crs(tk.request.args.get("crs"), _crs_list())


@ogc_api.route("/collections/<cid>/items")
def items(cid):
    layer = _layer(cid)
    args = tk.request.args
    out_crs = _out_crs()
    bbox = ogc.parse_bbox(args.get("bbox"), ogc.parse_crs(args.get("bbox-crs"), _crs_list(), "bbox-crs"))
    limit = ogc.parse_int(args.get("limit"), "limit",
                          tk.config.get("ckanext.tangerang.satupeta.items_limit_default"), 1,
                          tk.config.get("ckanext.tangerang.satupeta.items_limit_max"))
    offset = ogc.parse_int(args.get("offset"), "offset", 0, 0)
    filters = ogc.property_filters(args, [f["name"] for f in layer["fields"]])
    as_text = out_crs == ogc.CRS84
    matched, rows = store.query_features(layer, bbox=bbox, filters=filters, limit=limit,
                                         offset=offset, as_geojson=as_text)
    feats = ogc.features(rows, out_crs, as_text)
    body = ogc.items(_base(), cid, feats, matched, limit, offset,
                     {k: v for k, v in args.items()})
    if _wants_html():
        return _html("items", orjson.loads(body), layer=layer, limit=limit, offset=offset)
    return _json(body, ogc.GEOJSON, **{"Content-Crs": f"<{out_crs}>"})


@ogc_api.route("/collections/<cid>/items/<fid>")
def item(cid, fid):
    layer = _layer(cid)
    out_crs = _out_crs()
    try:
        number = int(fid)
    except ValueError:
        raise ogc.OgcError(404, "NotFound", f"feature {fid} not found")
    as_text = out_crs == ogc.CRS84
    _, rows = store.query_features(layer, fid=number, limit=1, as_geojson=as_text, count=False)
    if not rows:
        raise ogc.OgcError(404, "NotFound", f"feature {fid} not found")
    body = ogc.feature(_base(), cid, ogc.features(rows, out_crs, as_text)[0])
    if _wants_html():
        return _html("feature", orjson.loads(body), layer=layer)
    return _json(body, ogc.GEOJSON, **{"Content-Crs": f"<{out_crs}>"})


@ogc_api.route("/collections/<cid>/tiles/WebMercatorQuad/<int:z>/<int:y>/<int:x>")
def tile(cid, z, y, x):
    """A Mapbox vector tile (tileMatrix/tileRow/tileCol, i.e. z/y/x as in OGC API - Tiles)."""
    layer = _layer(cid)
    if not (0 <= z <= 24 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ogc.OgcError(404, "NotFound", "no such tile")
    etag = hashlib.sha1(f"{layer['table_name']}/{z}/{x}/{y}".encode()).hexdigest()
    public = _is_public(layer)
    cache = (f"public, max-age={tk.config.get('ckanext.tangerang.satupeta.tile_max_age')}"
             if public else "private, no-cache")
    # plugin.TileCacheControl puts this back as Cache-Control after CKAN's own hook
    headers = {"ETag": f'"{etag}"', "X-Satupeta-Cache-Control": cache, "Vary": "Authorization, Cookie"}
    if tk.request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    data = store.tile(layer, z, x, y, "features")
    return Response(data, mimetype=ogc.MVT, headers=headers)


@ogc_api.route("/collections/<cid>/download")
def download(cid):
    layer = _layer(cid)
    fmt = tk.request.args.get("f", "geojson")
    if fmt not in ogc.DOWNLOADS:
        raise ogc.OgcError(400, "InvalidParameterValue", f"f: use one of {', '.join(ogc.DOWNLOADS)}")
    name = downloads.file_name(layer)
    # from the cache of this import's downloads: built on the first request only
    stream = downloads.open_cached(layer, fmt, name)
    return send_file(stream, mimetype=ogc.DOWNLOADS[fmt], as_attachment=True,
                     download_name=name + downloads.SUFFIXES[fmt])


# --- pages -------------------------------------------------------------------------------------

@peta.route("/peta")
def map_page():
    """All public layers, grouped by theme (the datasets' CKAN groups)."""
    themes: dict[str, dict[str, Any]] = {}
    public = {}
    for layer in store.layers():
        if _is_public(layer):
            public.setdefault(layer["package_id"], []).append(layer)
    for package_id, pkg_layers in public.items():
        pkg = tk.get_action("package_show")({"user": ""}, {"id": package_id})
        groups = pkg.get("groups") or [{"name": "", "display_name": tk._("Other layers")}]
        for group in groups[:1]:
            theme = themes.setdefault(group["name"], {"title": group["display_name"], "layers": []})
            for layer in pkg_layers:
                theme["layers"].append({"id": layer["id"], "title": layer["title"],
                                        "dataset": pkg["title"], "family": layer["geometry_family"],
                                        "bbox": layer["bbox"], "count": layer["feature_count"]})
    config = helpers.tangerang_satupeta_map_config()
    return tk.render("satupeta/map.html", extra_vars={
        "themes": sorted(themes.values(), key=lambda t: t["title"]), "map_config": config})


@peta.route("/dataset/<id>/resource/<resource_id>/layer", methods=["GET", "POST"])
def layer_page(id, resource_id):
    context = _context()
    try:
        pkg = tk.get_action("package_show")(context, {"id": id})
        resource = tk.get_action("resource_show")(context, {"id": resource_id})
        tk.check_access("tangerang_satupeta_layer_show", context, {"id": resource_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Resource not found"))
    errors = {}
    if tk.request.method == "POST":
        try:
            tk.get_action("tangerang_satupeta_layer_import")(
                context, {"id": resource_id, "crs": tk.request.form.get("crs") or None,
                          "layer": tk.request.form.get("layer") or None})
            return tk.redirect_to("satupeta.layer_page", id=id, resource_id=resource_id)
        except tk.ValidationError as e:
            errors = e.error_dict
        except tk.NotAuthorized:
            return tk.abort(403, tk._("You may not import this resource."))
    state = tk.get_action("tangerang_satupeta_layer_show")(context, {"id": resource_id})
    try:
        tk.check_access("tangerang_satupeta_layer_import", context, {"id": resource_id})
        can_import = True
    except tk.NotAuthorized:
        can_import = False
    choices, chosen = _layer_choices(state)
    return tk.render("satupeta/layer.html", extra_vars={
        "pkg": pkg, "pkg_dict": pkg, "resource": resource, "state": state, "errors": errors,
        "can_import": can_import, "crs_choices": crs_choices(),
        "layer_choices": choices, "chosen_layer": chosen})


def _layer_choices(state: dict) -> tuple[list[str], str | None]:
    """The layers of a GeoPackage or KML that holds several: from the last report, or from the
    error of an import that did not say which one to read."""
    run, layer = state.get("import") or {}, state.get("layer") or {}
    report = run.get("report") or layer.get("report") or {}
    names = report.get("layers") or []
    if not names and (run.get("error") or {}).get("params", {}).get("layers"):
        names = run["error"]["params"]["layers"].split(", ")
    return (names if len(names) > 1 else []), report.get("source_layer")


@peta.route("/dataset/<id>/resource/<resource_id>/layer/status")
def layer_status(id, resource_id):
    """The import's progress as JSON, polled by the layer page while the job runs."""
    try:
        state = tk.get_action("tangerang_satupeta_layer_show")(_context(), {"id": resource_id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Resource not found"))
    return _json(state)
