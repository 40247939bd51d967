"""The import job (run by `ckan jobs worker`): file -> clean batches -> a new PostGIS table, swapped in."""
from __future__ import annotations

import ipaddress
import logging
import pathlib
import tempfile
import urllib.parse
from typing import Any

import orjson

import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
from ckan.lib import search, uploader

from ckanext.tangerang.satupeta import csw, ingest, remote
from ckanext.tangerang.satupeta import model as store

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1  # batches between progress writes


def limits() -> ingest.Limits:
    c = tk.config
    return ingest.Limits(
        batch_size=c.get("ckanext.tangerang.satupeta.batch_size"),
        max_vertices=c.get("ckanext.tangerang.satupeta.max_vertices"),
        zip_max_bytes=c.get("ckanext.tangerang.satupeta.zip_max_bytes"),
        zip_max_entries=c.get("ckanext.tangerang.satupeta.zip_max_entries"),
        zip_max_ratio=c.get("ckanext.tangerang.satupeta.zip_max_ratio"),
        report_max_features=c.get("ckanext.tangerang.satupeta.report_max_features"),
        id_fields=tuple(n.lower() for n in tk.aslist(c.get("ckanext.tangerang.satupeta.feature_id_fields"))),
    )


def fetch_policy() -> remote.Policy:
    c = tk.config
    networks = tuple(ipaddress.ip_network(n, strict=False)
                     for n in tk.aslist(c.get("ckanext.tangerang.satupeta.fetch_allowed_networks")))
    return remote.Policy(max_bytes=c.get("ckanext.tangerang.satupeta.download_max_bytes"),
                         timeout=c.get("ckanext.tangerang.satupeta.download_timeout"),
                         allowed_networks=networks)


def source_file(resource: dict[str, Any], folder: str) -> pathlib.Path:
    if resource.get("url_type") == "upload":
        path = pathlib.Path(uploader.get_resource_uploader(resource).get_path(resource["id"]))
        if not path.is_file():
            raise ingest.LayerError(ingest.N_("The uploaded file of this resource is missing."))
        return path
    if not resource.get("url"):
        raise ingest.LayerError(ingest.N_("The resource has neither an uploaded file nor a URL."))
    return remote.fetch(resource["url"], pathlib.Path(folder) / "download", fetch_policy())


def file_name(resource: dict[str, Any]) -> str:
    """The file's name as the officer knows it (the upload's or the URL's last part), the only
    name of it an import's message shows."""
    path = urllib.parse.urlsplit(resource.get("url") or "").path
    return urllib.parse.unquote(pathlib.PurePosixPath(path).name) or resource.get("name") or resource["id"]


def label(resource: dict[str, Any]) -> str | None:
    fmt = (resource.get("format") or "").strip().lower()
    if fmt:
        return fmt
    suffix = pathlib.PurePosixPath(resource.get("url") or "").suffix
    return suffix or None


def import_layer(import_id: str, on_progress=None) -> None:
    """Imports one resource as a layer; the outcome and report end up in the import row.

    `on_progress(read, written, total)` is for the CLI's progress bar; the page reads the row.
    """
    run = store.get_import(import_id)
    if run is None:
        log.warning("import %s: no such import", import_id)
        return
    context = {"ignore_auth": True}
    resource = tk.get_action("resource_show")(context, {"id": run["layer_id"]})
    store.update_import(import_id, status="running")
    report = ingest.Report()

    def progress(read: int, written: int, total: int | None) -> None:
        store.update_import(import_id, features_read=read, features_written=written,
                            features_total=total)
        if on_progress:
            on_progress(read, written, total)

    writer = None
    try:
        with tempfile.TemporaryDirectory(prefix="satupeta-") as folder:
            path = source_file(resource, folder)
            writer = store.LayerWriter(run["layer_id"], import_id)
            for batch in ingest.read(path, label(resource), run["crs"], limits(), progress, report,
                                     layer=run.get("source_layer"), name=file_name(resource)):
                writer.write(batch.fids, batch.properties, batch.ewkb_hex, batch.geometry_type)
            title = resource.get("name") or resource["id"]
            writer.commit(resource["package_id"], title, report.source_crs, report.geometry_family,
                          report.bbox, report.fields, report.as_dict())
            writer = None
    except ingest.LayerError as e:
        if writer:
            writer.abort()
        store.update_import(import_id, status="failed", error=e.as_dict(),
                            features_read=report.features_read)
        log.info("import %s failed: %s", import_id, e)
        refresh_index(resource["package_id"])
        return
    except Exception as e:
        if writer:
            writer.abort()
        log.exception("import %s failed", import_id)
        # the log has the details; the page (public) gets the kind of error, never paths
        store.update_import(import_id, status="failed", error={
            "message": ingest.N_("The import failed unexpectedly: {detail}"),
            "params": {"detail": e.__class__.__name__}})
        refresh_index(resource["package_id"])
        raise
    store.update_import(import_id, status="done", report=report.as_dict(),
                        features_read=report.features_read, features_written=report.features_written)
    update_dataset_extent(resource["package_id"])
    csw.dataset_changed(resource["package_id"])  # its extent and links, or its first record


def update_dataset_extent(package_id: str) -> None:
    """The dataset's `spatial` (indexed by ckanext-spatial) becomes the box around its layers."""
    bbox = store.package_bbox(package_id)
    if bbox is None:
        refresh_index(package_id)  # no patch below, which would have indexed the layer's state
        return
    x0, y0, x1, y1 = bbox
    if x0 == x1 or y0 == y1:  # one point: a tiny box keeps Solr's polygon valid
        x0, y0, x1, y1 = x0 - 1e-5, y0 - 1e-5, x1 + 1e-5, y1 + 1e-5
    geojson = orjson.dumps({"type": "Polygon", "coordinates": [[
        [x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}).decode()
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"ignore_auth": True, "user": site_user["name"]}
    pkg = tk.get_action("package_show")(context, {"id": package_id})
    if "spatial" in pkg or plugins.plugin_loaded("scheming_datasets"):  # a schema with a `spatial` field
        patch = {"spatial": geojson}
    else:
        extras = [e for e in pkg.get("extras", []) if e["key"] != "spatial"]
        patch = {"extras": extras + [{"key": "spatial", "value": geojson}]}
    tk.get_action("package_patch")(context, {"id": package_id, **patch})


def refresh_index(package_id: str | None) -> None:
    """Indexes the dataset again, so that package_search (the DCAT catalogue, /catalog.ttl) sees
    its resources' layer states (plugin.after_dataset_show) as package_show does."""
    if not package_id:
        return
    try:
        search.rebuild(package_id)
    except (search.SearchError, search.SearchIndexError, tk.ObjectNotFound) as e:
        log.warning("dataset %s not indexed again: %s", package_id, e)
