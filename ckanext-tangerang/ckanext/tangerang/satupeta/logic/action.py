from __future__ import annotations

import logging
import pathlib
from typing import Any

import redis

import orjson

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta import csw, ingest, jobs, ows, tiles
from ckanext.tangerang.satupeta import style as styles
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta.logic import schema

__all__ = ["tangerang_satupeta_layer_import", "tangerang_satupeta_layer_show",
           "tangerang_satupeta_layer_delete", "tangerang_satupeta_area_list",
           "tangerang_satupeta_layer_style_update"]

log = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# parameters of a stored problem that are msgids themselves (ingest.CONTENT_NAMES)
TRANSLATED_PARAMS = ("content",)


def error_text(error: dict | None) -> str | None:
    """An import's stored problem, in the reader's language."""
    if not error:
        return None
    msgid = error["message"]
    params = dict(error.get("params") or {})
    for key in TRANSLATED_PARAMS:
        value = params.get(key)
        if value:
            params[key] = tk._(value)
    return tk._(msgid).format(**params)


def _run(run: dict | None) -> dict | None:
    if run is None:
        return None
    run = _clean(run)
    run["error_message"] = error_text(run.get("error"))
    return run


@tk.validate(schema.layer_import)
def tangerang_satupeta_layer_import(context, data_dict):
    """Queues the import of a resource (GeoJSON, zipped Shapefile, GeoPackage, KML, CSV) as a layer.

    :param id: the resource's id
    :param crs: the file's coordinate reference system (e.g. ``EPSG:23834``), only when the file
        does not say it; one of the city profile's list
    :param layer: the name of the layer to read from a GeoPackage or KML file that holds
        several (a failed import lists them)
    :returns: the import run (``status`` queued)
    """
    tk.check_access("tangerang_satupeta_layer_import", context, data_dict)
    resource = tk.get_action("resource_show")(context, {"id": data_dict["id"]})
    return _run(queue_import(resource, data_dict.get("crs"), data_dict.get("layer")))


def queue_import(resource: dict, crs: str | None = None, source_layer: str | None = None) -> dict:
    """Records an import run and hands it to the job queue.

    When the queue (Redis) cannot be reached, the run is marked failed with a message that says
    so: the upload that asked for it is still saved, and the officer starts the import again
    from the layer page once the queue is back."""
    run = store.create_import(resource["id"], resource["package_id"], crs, source_layer)
    try:
        tk.enqueue_job(jobs.import_layer, [run["id"]],
                       title=f"Satu Peta import of resource {resource['id']}",
                       rq_kwargs={"timeout": 6 * 3600})
    except redis.exceptions.RedisError as e:
        log.error("Satu Peta import %s of resource %s not queued: %r", run["id"], resource["id"], e)
        store.update_import(run["id"], status="failed", error={"message": ingest.N_(
            "The import could not start because the job queue is not reachable. The file is "
            "saved: start the import again on this page in a few minutes.")})
        return store.get_import(run["id"])
    return run


@tk.side_effect_free
@tk.validate(schema.layer_show)
def tangerang_satupeta_layer_show(context, data_dict):
    """A resource's layer (or null) and its last import run (status, progress, report, error).

    :param id: the resource's id
    """
    tk.check_access("tangerang_satupeta_layer_show", context, data_dict)
    layer = store.get_layer(data_dict["id"])
    if layer:
        layer = _clean({k: v for k, v in layer.items() if k != "table_name"})
        layer["style"] = styles.of(layer)
        layer["legend"] = styles.legend(layer["style"], layer["title"], tk._("Other"))
        layer["ows_name"] = ows.layer_name(layer["id"])
    return {"layer": layer, "import": _run(store.last_import(data_dict["id"]))}


@tk.side_effect_free
def tangerang_satupeta_area_list(context, data_dict):
    """The areas datasets can be searched by (e.g. the kecamatan), each with its bounding box
    ``[west, south, east, north]`` for package_search's ``ext_bbox``: the features of the layer
    named by ``ckanext.tangerang.satupeta.area_layer`` (default: the base map layer), by the
    property ``area_name_field``. Empty when none is configured or the caller may not see it.
    """
    tk.check_access("tangerang_satupeta_area_list", context, data_dict)
    layer_id = (tk.config.get("ckanext.tangerang.satupeta.area_layer")
                or tk.config.get("ckanext.tangerang.satupeta.basemap_layer"))
    if not layer_id:
        return []
    try:
        tk.check_access("tangerang_satupeta_layer_show", context, {"id": layer_id})
    except tk.NotAuthorized:
        return []
    layer = store.get_layer(layer_id)
    if not layer:
        return []
    field = tk.config.get("ckanext.tangerang.satupeta.area_name_field")
    return [{"name": name, "bbox": [round(v, 6) for v in box]}
            for name, box in store.extents_by_name(layer, field)]


@tk.validate(schema.layer_show)
def tangerang_satupeta_layer_delete(context, data_dict):
    """Removes a resource's layer (its features and import history).

    :param id: the resource's id
    """
    tk.check_access("tangerang_satupeta_layer_delete", context, data_dict)
    if not drop_layer(data_dict["id"]):
        raise tk.ObjectNotFound(tk._("This resource has no map layer."))
    return None


def drop_layer(resource_id: str) -> bool:
    pkg_id = (store.get_layer(resource_id) or {}).get("package_id")
    if not store.delete_layer(resource_id):
        return False
    tiles.drop(resource_id)
    jobs.update_dataset_extent(pkg_id)
    csw.dataset_changed(pkg_id)  # the dataset's last layer gone: off the catalogue
    return True


STYLE_KEYS = ("fill", "stroke", "stroke_width", "size", "symbol", "opacity", "label_field")


def tangerang_satupeta_layer_style_update(context, data_dict):
    """Sets a layer's style, which the WMS, its legend and the portal's map draw with.

    :param id: the resource's id
    :param fill: fill colour, ``#rrggbb`` (points and polygons; lines: the line's colour)
    :param stroke: outline colour, ``#rrggbb``
    :param stroke_width: outline (or line) width in pixels, 0-20
    :param size: point symbol size in pixels, 1-64
    :param symbol: point symbol: ``circle``, ``square`` or ``triangle``
    :param opacity: polygon fill opacity in percent, 10-100
    :param label_field: a field whose values label the features (empty: none)
    :param classify_field: a field to colour the features by (empty: one colour)
    :param classify_method: ``categories`` (the most frequent values) or ``ranges`` (quantiles of
        a numeric field)
    :param classify_count: how many classes to make when ``classes`` is not given (2-8, default 5)
    :param classes: the classes themselves, a list (or its JSON) of ``{"value", "label", "color"}``
        (categories) or ``{"min", "max", "label", "color"}`` (ranges); legend labels from ``label``
    :param reset: true to go back to the default style
    :returns: the layer as tangerang_satupeta_layer_show returns it
    """
    tk.check_access("tangerang_satupeta_layer_style_update", context, data_dict)
    layer = store.get_layer(data_dict.get("id") or "")
    if layer is None:
        raise tk.ObjectNotFound(tk._("This resource has no map layer."))
    family, fields = layer["geometry_family"], layer["fields"] or []
    if tk.asbool(data_dict.get("reset")):
        style = styles.default(family)
    else:
        given = {k: data_dict[k] for k in STYLE_KEYS if k in data_dict}
        field = data_dict.get("classify_field") or ""
        if field:
            given["classify"] = {"field": field, "method": data_dict.get("classify_method") or "categories",
                                 "classes": _classes(layer, data_dict, field)}
        try:
            style = styles.normalise(given, family, fields)
        except styles.StyleError as e:
            raise tk.ValidationError({key: [tk._(msg).format(**params) for msg, params in messages]
                                      for key, messages in e.errors.items()})
    store.set_style(layer["id"], style)
    write_ows()
    return tk.get_action("tangerang_satupeta_layer_show")(context, {"id": layer["id"]})


def _classes(layer: dict, data_dict: dict, field: str) -> list[dict]:
    given = data_dict.get("classes")
    if isinstance(given, str) and given.strip():
        try:
            given = orjson.loads(given)
        except orjson.JSONDecodeError:
            raise tk.ValidationError({"classes": [tk._("Give the classes as a JSON list.")]})
    if given:
        if not isinstance(given, list) or not all(isinstance(c, dict) for c in given):
            raise tk.ValidationError({"classes": [tk._("Give the classes as a JSON list.")]})
        return given
    try:
        count = int(data_dict.get("classify_count") or 5)
    except (TypeError, ValueError):
        count = 0
    if not 2 <= count <= styles.MAX_CLASSES:
        raise tk.ValidationError({"classify_count": [
            tk._("Use a number from {low} to {high}.").format(low=2, high=styles.MAX_CLASSES)]})
    if field not in {f["name"] for f in layer["fields"] or []}:
        return []  # normalise names the field as unknown
    if (data_dict.get("classify_method") or "categories") == "ranges":
        return styles.range_classes(store.quantiles(layer, field, count))
    fill = data_dict.get("fill") or styles.of(layer)["fill"]
    return styles.category_classes(store.frequent_values(layer, field, count), avoid=str(fill))


def write_ows(without: str | None = None) -> None:
    """Writes MapServer's mapfiles from the registry: after an import, a style change, a change of
    a dataset's visibility, a deletion. A layer is public when an anonymous visitor may see it.
    `without`: a dataset being deleted, whose layers are left out (it still reads as active)."""
    public, every = [], []
    root = tk.config["ckan.site_url"].rstrip("/")
    # an anonymous visitor sees all of a dataset's layers or none: one check per dataset
    datasets: dict[str, bool] = {}
    for layer in store.layers():
        if layer["package_id"] == without:
            continue
        is_public = datasets.get(layer["package_id"])
        if is_public is None:
            try:
                tk.check_access("tangerang_satupeta_layer_show", {"user": ""}, {"id": layer["id"]})
                is_public = datasets[layer["package_id"]] = True
            except tk.NotAuthorized:
                is_public = datasets[layer["package_id"]] = False
            except tk.ObjectNotFound:  # this layer's resource is gone, not the dataset
                is_public = False
        layer["page_url"] = f"{root}/dataset/{layer['package_id']}/resource/{layer['id']}"
        every.append(layer)
        if is_public:
            public.append(layer)
    ows.write(ows_folder(), public, every, ows_service(), other_label=tk._("Other"))
    tiles.write_manifest(public)


def ows_folder() -> pathlib.Path:
    folder = tk.config.get("ckanext.tangerang.satupeta.ows_path") or \
        pathlib.Path(tk.config["ckan.storage_path"]) / "satupeta" / "ows"
    return pathlib.Path(folder)


def ows_service() -> ows.Service:
    profile = city.current()
    meta = profile.meta
    crs = [4326, 3857] + [c for c in meta.get("crs", []) if c not in (4326, 3857)]
    return ows.Service(
        title=tk._("{portal} - Satu Peta").format(portal=meta["portal_title"]),
        abstract=tk._("Map layers of {city} as WMS and WFS").format(city=meta["name"]),
        srs=crs, extent=profile.bbox, contact=meta.get("contact") or {}, organization=meta["name"],
        max_size=tk.config.get("ckanext.tangerang.satupeta.ows_max_size"),
        connection=ows.connection(tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"]),
        font=tk.config.get("ckanext.tangerang.satupeta.ows_font"),
        keywords=["Satu Peta", meta["name"], "JIGN"])
