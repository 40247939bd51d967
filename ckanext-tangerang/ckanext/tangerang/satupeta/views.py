"""Flask views: OGC API - Features and tiles under /ogc, the map page, a layer's import page.

The OGC rules are in ogc.py, the queries in model; here only access (a layer follows its
resource's dataset) and HTTP.
"""
from __future__ import annotations

import logging
import secrets
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, send_file

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta import downloads, helpers, ogc, ows, tiles
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta import style as styles
from ckanext.tangerang.satupeta.logic import action as peta_logic
from ckanext.tangerang.satupeta.logic.validators import crs_choices
from ckanext.tangerang.satupeta.messages import N_
from ckanext.tangerang.satupeta.csw_views import csw_service

log = logging.getLogger(__name__)
ogc_api = Blueprint("satupeta_ogc", __name__, url_prefix="/ogc")
peta = Blueprint("satupeta", __name__)
__all__ = ["ogc_api", "peta", "csw_service"]


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
        raise ogc.OgcError(404, "NotFound", N_("collection {id} not found"), id=cid[:100])
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
            raise ogc.OgcError(400, "InvalidParameterValue", N_("f: use json or html"))
        return f == "html"
    accept = tk.request.accept_mimetypes
    best = accept.best_match([ogc.JSON, ogc.GEOJSON, ogc.HTML], default=ogc.JSON)
    return best == ogc.HTML and accept[ogc.HTML] > accept[ogc.JSON]


def _json(doc: Any, mimetype: str = ogc.JSON, status: int = 200, **headers: str) -> Response:
    body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return Response(body, status=status, mimetype=mimetype, headers=headers)


def _html(kind: str, doc: Any, **extra: Any) -> str:
    _translate_titles(doc)
    return tk.render("satupeta/ogc_page.html", extra_vars={"kind": kind, "doc": doc, **extra})


def _translate_titles(doc: Any) -> None:
    """Links' titles in the page's language (ogc.py's are English, marked with N_, as JSON keeps them)."""
    download_titles = {ogc.DOWNLOAD_TITLE.format(fmt=fmt): tk._(ogc.DOWNLOAD_TITLE).format(fmt=fmt)
                 for fmt in ogc.DOWNLOADS}
    for key in ("collections", "tilesets", "tileMatrixSets"):
        for sub in doc.get(key) or []:
            _translate_titles(sub)
    for link in doc.get("links") or []:
        if link.get("title"):
            link["title"] = download_titles.get(link["title"]) or tk._(link["title"])


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
    filter_sql = ogc.parse_filter(args, layer["fields"], _crs_list())
    as_text = out_crs == ogc.CRS84
    try:
        matched, rows = store.query_features(layer, bbox=bbox, filters=filters, limit=limit,
                                             offset=offset, as_geojson=as_text, filter_sql=filter_sql)
    except store.FilterFailed as e:
        raise ogc.OgcError(400, "InvalidParameterValue", N_("filter: {error}"), error=e)
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
        raise ogc.OgcError(404, "NotFound", N_("feature {id} not found"), id=fid[:100])
    as_text = out_crs == ogc.CRS84
    _, rows = store.query_features(layer, fid=number, limit=1, as_geojson=as_text, count=False)
    if not rows:
        raise ogc.OgcError(404, "NotFound", N_("feature {id} not found"), id=fid[:100])
    body = ogc.feature(_base(), cid, ogc.features(rows, out_crs, as_text)[0])
    if _wants_html():
        return _html("feature", orjson.loads(body), layer=layer)
    return _json(body, ogc.GEOJSON, **{"Content-Crs": f"<{out_crs}>"})


@ogc_api.route("/collections/<cid>/tiles/WebMercatorQuad/<int:z>/<int:y>/<int:x>")
def tile(cid, z, y, x):
    """A Mapbox vector tile (tileMatrix/tileRow/tileCol, i.e. z/y/x as in OGC API - Tiles)."""
    layer = _layer(cid)
    if not (0 <= z <= 24 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ogc.OgcError(404, "NotFound", N_("no such tile"))
    etag = tiles.etag(layer, z, x, y)  # changes with the layer's version
    # an anonymous reader got past _layer: the layer is public, no second access check
    public = not tk.current_user.is_authenticated or _is_public(layer)
    cache = (f"public, max-age={tk.config.get('ckanext.tangerang.satupeta.tile_max_age')}"
             if public else "private, no-cache")
    # plugin.TileCacheControl puts this back as Cache-Control after CKAN's own hook
    headers = {"ETag": f'"{etag}"', "X-Satupeta-Cache-Control": cache, "Vary": "Authorization, Cookie"}
    if tk.request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    # access was checked above (_layer): a private layer's cached tiles are kept behind it
    most = tk.config.get("ckanext.tangerang.satupeta.tile_max_features")
    data = tiles.get(layer, z, x, y, lambda: store.tile(layer, z, x, y, "features", most))
    return Response(data, mimetype=ogc.MVT, headers=headers)


@ogc_api.route("/collections/<cid>/queryables")
def queryables(cid):
    layer = _layer(cid)
    doc = ogc.queryables(_base(), layer)
    return _html("queryables", doc, layer=layer) if _wants_html() else _json(doc, ogc.SCHEMA_JSON)


# --- OGC API - Tiles (the tiles themselves: tile() above) ----------------------------------------

@ogc_api.route("/tileMatrixSets")
def tile_matrix_sets():
    doc = ogc.tile_matrix_sets(_base())
    return _html("tileMatrixSets", doc) if _wants_html() else _json(doc)


@ogc_api.route("/tileMatrixSets/<tms>")
def tile_matrix_set(tms):
    doc = ogc.tile_matrix_set(tms)
    return _html("tileMatrixSet", doc) if _wants_html() else _json(doc)


@ogc_api.route("/collections/<cid>/tiles")
def tilesets(cid):
    layer = _layer(cid)
    doc = ogc.tilesets(_base(), layer)
    return _html("tilesets", doc, layer=layer) if _wants_html() else _json(doc)


@ogc_api.route("/collections/<cid>/tiles/<tms>")
def tileset(cid, tms):
    layer = _layer(cid)
    doc = ogc.tileset(_base(), layer, tms)
    return _html("tileset", doc, layer=layer) if _wants_html() else _json(doc)


@ogc_api.route("/collections/<cid>/tiles/<tms>/<z>/<y>/<x>")
def other_tile(cid, tms, z, y, x):
    """What tile() does not match: another tile matrix set, or not a tile's numbers."""
    _layer(cid)
    ogc.check_tile_matrix_set(tms)
    raise ogc.OgcError(404, "NotFound", N_("no such tile"))


@ogc_api.route("/<path:rest>")
def not_found(rest):
    """Any other path under /ogc: the standard's 404 document, not the portal's HTML page (a
    browser still gets that page, from _ogc_error)."""
    raise ogc.OgcError(404, "NotFound", N_("/ogc/{path} not found; the API: {api}"), path=rest[:200],
                       api=_base() + "/api")


@ogc_api.route("/collections/<cid>/download")
def download(cid):
    layer = _layer(cid)
    fmt = tk.request.args.get("f", "geojson")
    if fmt not in ogc.DOWNLOADS:
        raise ogc.OgcError(400, "InvalidParameterValue", N_("f: use one of {formats}"),
                       formats=", ".join(ogc.DOWNLOADS))
    name = downloads.file_name(layer)
    # from the cache of this import's downloads: built on the first request only
    stream = downloads.open_cached(layer, fmt, name)
    return send_file(stream, mimetype=ogc.DOWNLOADS[fmt], as_attachment=True,
                     download_name=name + downloads.SUFFIXES[fmt])


# --- WMS and WFS (MapServer) ---------------------------------------------------------------------

@peta.route("/ows")
def ows_service():
    """WMS 1.3.0 and WFS 2.0: the portal picks the mapfile the viewer may reach, MapServer answers.

    A request naming a private layer reaches the mapfile of every layer only when the viewer may
    see each layer it names; otherwise it goes to the public one, where MapServer answers as for a
    layer that does not exist (a private layer's existence is not revealed)."""
    params = {k: v for k, v in tk.request.args.items()}
    bad = ows.check(params)
    if bad is not None:
        return _ows_answer(bad, public=True)
    folder = peta_logic.ows_folder()
    if not (folder / "mapserver.conf").is_file():
        peta_logic.write_ows()  # a fresh portal, or a new ows_path
    private = []
    cache: dict[str, bool] = {}
    for name in ows.named_layers(params):
        rid = ows.resource_id(name)
        layer = store.get_layer(rid) if rid else None
        if layer is not None and not _is_public(layer):
            private.append(layer)
    map_name = "ALL" if private and all(_can_see(layer, cache) for layer in private) else "PUBLIC"
    answer = ows.run(tk.config.get("ckanext.tangerang.satupeta.mapserv"), folder, map_name, params,
                     tk.config.get("ckanext.tangerang.satupeta.ows_timeout"),
                     tk.config["ckan.site_url"].rstrip("/") + tk.request.script_root + "/ows")
    return _ows_answer(answer, public=map_name == "PUBLIC")


def _ows_answer(answer: ows.Answer, public: bool) -> Response:
    cache = "public, max-age=60" if public else "private, no-cache"
    return Response(answer.body, status=answer.status, content_type=answer.content_type,
                    headers={"X-Satupeta-Cache-Control": cache, "Vary": "Authorization, Cookie"})


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
                style = styles.of(layer)
                legend = styles.legend(style, layer["title"], tk._("Other"))
                theme["layers"].append({"id": layer["id"], "title": layer["title"],
                                        "dataset": pkg["title"], "family": layer["geometry_family"],
                                        "bbox": layer["bbox"], "count": layer["feature_count"],
                                        "style": style, "legend": legend})
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


@peta.route("/dataset/<id>/resource/<resource_id>/layer/style", methods=["POST"])
def layer_style(id, resource_id):
    """The officer's style form: saved through tangerang_satupeta_layer_style_update."""
    context = _context()
    form = tk.request.form
    data = {"id": resource_id, **{k: form.get(k, "") for k in peta_logic.STYLE_KEYS}}
    if form.get("reset"):
        data = {"id": resource_id, "reset": True}
    elif form.get("classify_field"):
        data.update(classify_field=form["classify_field"], classify_method=form.get("classify_method", ""),
                    classify_count=form.get("classify_count", ""))
        labels = form.getlist("class_label")
        if labels and form.get("keep_classes") and not form.get("recompute"):
            # the legend labels and colours of the classes shown in the form, edited
            data["classes"] = _form_classes(form)
    try:
        tk.get_action("tangerang_satupeta_layer_style_update")(context, data)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You may not change this layer's style."))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Resource not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(f"{_style_label(k)}: {' '.join(v)}" for k, v in e.error_dict.items()))
    else:
        tk.h.flash_success(tk._("The layer's style is saved; the map services draw with it now."))
    return tk.redirect_to("satupeta.layer_page", id=id, resource_id=resource_id, _anchor="style")


def _form_classes(form) -> list[dict[str, str]]:
    keys = ("class_value", "class_min", "class_max", "class_label", "class_color")
    rows = zip(*(form.getlist(k) for k in keys))
    out = []
    for value, low, high, label, colour in rows:
        row = {"label": label, "color": colour}
        if form.get("classify_method") == "ranges":
            row.update(min=low, max=high)
        else:
            row["value"] = value
        out.append(row)
    return out


def _style_label(key: str) -> str:
    return {"fill": tk._("Fill colour"), "stroke": tk._("Outline colour"),
            "stroke_width": tk._("Outline width"), "size": tk._("Point size"),
            "symbol": tk._("Point symbol"), "opacity": tk._("Fill opacity"),
            "label_field": tk._("Label field"), "classify_field": tk._("Colour by field"),
            "classify_method": tk._("Classes"), "classify_count": tk._("Number of classes"),
            "classes": tk._("Classes")}.get(key, key)


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
