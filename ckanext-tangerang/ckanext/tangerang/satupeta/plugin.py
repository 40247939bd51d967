from __future__ import annotations

import logging
import pathlib

import sqlalchemy as sa

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.tangerang.satupeta import csw, ingest, ows, tiles
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta.logic import action

log = logging.getLogger(__name__)
PREFETCHED = "satupeta.layer_states"


def _prefetch_layer_states(sender, resource_ids, prefetched, **kwargs):
    try:
        prefetched[PREFETCHED] = store.layer_states(resource_ids)
    except sa.exc.SQLAlchemyError as e:
        log.warning("layer states not read for a batch: %s", e)  # each dataset then reads its own


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
class SatupetaPlugin(p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.ISignal)

    # ISignal: Satu Data's bulk reindex shows datasets a batch at a time; their layer states are
    # read for the whole batch in one query instead of one per dataset (after_dataset_show)
    def get_signal_subscriptions(self):
        return {tk.signals.ckanext.signal("tangerang_datasets_bulk_show"): [_prefetch_layer_states]}

    # IMiddleware: CKAN gives every response ckan.cache_expires; tiles keep their own lifetime
    def make_middleware(self, app, config):
        app = TileCacheControl(app)
        # anonymous requests for public layers' tiles and maps: answered before CKAN
        app = tiles.PublicTiles(app, tiles.cache_folder, tk.config)
        return ows.PublicOws(app, action.ows_folder, tk.config)

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    # IPackageController: each resource says whether its layer is served, for the pages and for
    # the other subsystems, which meet Satu Peta only through CKAN's dicts (the DCAT profile of
    # satudata offers the OGC API only for a layer marked "active")
    def after_dataset_show(self, context, pkg_dict):
        resources = pkg_dict.get("resources") or []
        for res in resources:  # a value that came back in through package_update is not trusted
            for key in (LAYER_STATE, LAST_IMPORT, OGC_URL, OWS_URL, OWS_NAME):
                res.pop(key, None)
        if context.get("for_update"):
            # CKAN's own read-modify-write (resource_create/update/patch, package_patch): the dict
            # goes back into package_update, where these keys would be kept as resource extras
            return pkg_dict
        prefetched = (context.get("tangerang_prefetched") or {}).get(PREFETCHED)
        try:
            states = (prefetched if prefetched is not None
                      else store.layer_states(r["id"] for r in resources if r.get("id")))
        except sa.exc.SQLAlchemyError as e:
            # the feature store down must not take the dataset pages with it: no state, no service
            log.warning("dataset %s: layer states not read: %s", pkg_dict.get("id"), e)
            return pkg_dict
        root = (tk.config.get("ckan.root_path") or "").replace("{{LANG}}", "").rstrip("/")
        base = tk.config["ckan.site_url"].rstrip("/") + root
        for res in resources:
            state, last_import = states.get(res.get("id")) or (None, None)
            if state:
                res[LAYER_STATE] = state
                res[LAST_IMPORT] = last_import
            if state == "active":
                res[OGC_URL] = f"{base}/ogc/collections/{res['id']}"
                # the WMS/WFS endpoint and the layer's name there (DCAT's data services)
                res[OWS_URL] = f"{base}/ows"
                res[OWS_NAME] = ows.layer_name(res["id"])
        return pkg_dict

    # IPackageController: the services that publish the catalogue outside CKAN (the OGC web
    # services' mapfiles, the CSW records) follow a dataset's creation, change (visibility
    # among them) and deletion
    def after_dataset_create(self, context, pkg_dict):
        self._dataset_changed(pkg_dict.get("id"))

    def after_dataset_update(self, context, pkg_dict):
        self._dataset_changed(pkg_dict.get("id"))

    def after_dataset_delete(self, context, pkg_dict):
        # CKAN calls this before it marks the dataset deleted: the dataset still reads "active"
        package_id = pkg_dict.get("id")
        if package_id:
            csw.dataset_removed(package_id)
            self._write_ows(package_id, gone=True)

    def _dataset_changed(self, package_id: str | None) -> None:
        if not package_id:
            return
        csw.dataset_changed(package_id)
        self._write_ows(package_id)

    def _write_ows(self, package_id: str, gone: bool = False) -> None:
        if not store.layers([package_id]):
            return
        try:
            action.write_ows(without=package_id if gone else None)
        except Exception:  # the dataset is saved; the WMS keeps its last mapfiles
            log.exception("dataset %s: WMS/WFS mapfiles not written", package_id)

    # IResourceController: a new or changed geospatial file becomes (again) a layer
    def after_resource_create(self, context, resource):
        self._queue(context, resource)

    def before_resource_update(self, context, current, resource):
        # only a new file (or URL) is imported again, not an edit of the description
        context["satupeta_new_file"] = bool(resource.get("upload")) or \
            resource.get("url") != current.get("url")

    def after_resource_update(self, context, resource):
        if context.pop("satupeta_new_file", True):
            self._queue(context, resource)

    def before_resource_delete(self, context, resource, resources):
        context["satupeta_deleted"] = resource.get("id")

    def after_resource_delete(self, context, resources):
        resource_id = context.pop("satupeta_deleted", None)
        if resource_id:
            action.drop_layer(resource_id)

    def _queue(self, context, resource):
        if context.get(FORMAT_FIXED):
            return  # our own resource_patch of the format below: the file is the same
        label = (resource.get("format") or "").strip().lower()
        formats = tk.aslist(tk.config.get("ckanext.tangerang.satupeta.formats"))
        # an upload is judged by its content, whatever its format field says (CKAN guesses "ZIP"
        # or "JSON" from the file's name); a linked URL by its format, the worker fetches it
        path = _uploaded_file(resource)
        kind = None
        if path is not None:
            try:
                kind = ingest.layer_kind(path)
            except OSError:
                log.warning("resource %s: upload not readable for sniffing", resource.get("id"))
            # a mime type is what CKAN guessed from a name it has no format for (.gpkg)
            if kind in ingest.FORMAT_LABELS and (label in ingest.GENERIC_LABELS or "/" in label):
                _fix_format(context, resource, ingest.FORMAT_LABELS[kind])
        if not tk.asbool(tk.config.get("ckanext.tangerang.satupeta.auto_import")):
            return
        # a file labelled as a layer that is none is imported all the same: the import fails
        # and tells the officer on the resource page what the file is
        if kind is None and label not in formats:
            return
        # the resource is not readable through resource_show yet inside resource_create
        action.queue_import(resource)

    # IResourceView: a layer on a small map
    def info(self):
        return {"name": "satupeta_view", "title": tk._("Map layer"), "icon": "globe",
                "iframed": False, "always_available": False, "default_title": tk._("Map")}

    def can_view(self, data_dict):
        formats = tk.aslist(tk.config.get("ckanext.tangerang.satupeta.formats"))
        return (data_dict["resource"].get("format") or "").strip().lower() in formats

    def view_template(self, context, data_dict):
        return "satupeta/resource_view.html"


FORMAT_FIXED = "satupeta_format_fixed"
# keys after_dataset_show adds to a resource: the layer's state and last import's status
# (store.layer_states) and, for a served layer, its OGC API - Features collection
LAYER_STATE = "satupeta_layer_state"
LAST_IMPORT = "satupeta_last_import"  # its status: queued, running, done, failed
OGC_URL = "satupeta_ogc_url"
OWS_URL = "satupeta_ows_url"
OWS_NAME = "satupeta_ows_name"


def _uploaded_file(resource: dict) -> pathlib.Path | None:
    """The uploaded file on this server's disk, or None (a linked URL, another storage)."""
    if resource.get("url_type") != "upload" or not resource.get("id"):
        return None
    # a copy: the uploader takes its fields out of the dict it is given
    path = uploader.get_resource_uploader(dict(resource)).get_path(resource["id"])
    path = pathlib.Path(path) if path else None
    return path if path is not None and path.is_file() else None


def _fix_format(context: dict, resource: dict, fmt: str) -> None:
    """Sets the resource's format to its content's (the portal's pages and DCAT show it), with
    CKAN's own action; the flag in the context keeps it from queuing a second import."""
    patch_context = {"user": context.get("user") or "", "ignore_auth": True, FORMAT_FIXED: True}
    try:
        patched = tk.get_action("resource_patch")(patch_context, {"id": resource["id"], "format": fmt})
    except (tk.ValidationError, tk.ObjectNotFound) as e:
        log.warning("resource %s: format not set to %s: %s", resource["id"], fmt, e)
        return
    # the caller (resource_create's answer, the import job) sees the format set
    resource["format"] = patched.get("format", fmt)


CACHE_HEADER = "X-Satupeta-Cache-Control"


class TileCacheControl:
    """Puts a view's own Cache-Control (sent as X-Satupeta-Cache-Control) back in place after
    CKAN's after-request hook has overwritten it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            own = [v for k, v in headers if k == CACHE_HEADER]
            if own:
                headers = [(k, v) for k, v in headers if k not in (CACHE_HEADER, "Cache-Control")]
                headers.append(("Cache-Control", own[0]))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
