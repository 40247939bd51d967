from __future__ import annotations

import logging
from typing import Any

import redis

import ckan.plugins.toolkit as tk

from ckanext.tangerang.satupeta import ingest, jobs
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta.logic import schema

__all__ = ["tangerang_satupeta_layer_import", "tangerang_satupeta_layer_show",
           "tangerang_satupeta_layer_delete", "tangerang_satupeta_area_list"]

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
    jobs.update_dataset_extent(pkg_id)
    return True
