"""Vector tiles kept on disk: each tile is built once per layer version and read from a file after.

<folder>/<layer id>/<version>-<table>/<z>/<x>/<y>.mvt: the layer's `version` grows on every
re-import and style change and the table is new on every import (a deleted and re-imported layer
starts at version 1 again), so a changed layer is never answered with an old tile. Files are
written aside and renamed into place (atomic: a reader sees a whole tile or none, also with
several web containers on one shared folder); writing the first tile of a version removes the
folders of the older ones, deleting the layer removes its folder. Access is checked by the view
before a tile is read, so private layers are kept here too.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pathlib
import re
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import orjson

import ckan.plugins.toolkit as tk

from ckanext.tangerang.satupeta import model as store

log = logging.getLogger(__name__)


def enabled() -> bool:
    return tk.asbool(tk.config.get("ckanext.tangerang.satupeta.tile_cache"))


def cache_folder() -> pathlib.Path:
    configured = tk.config.get("ckanext.tangerang.satupeta.tile_cache_path")
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path(tk.config.get("ckan.storage_path")) / "satupeta" / "tiles"


def _layer_dir(layer_id: str) -> pathlib.Path:
    return cache_folder() / re.sub(r"[^A-Za-z0-9_-]", "_", str(layer_id))


def version(layer: dict[str, Any]) -> str:
    return f"{int(layer['version'])}-{layer['table_name'].removeprefix(store.FEATURE_PREFIX)}"


def _number(folder_name: str) -> int:
    head = folder_name.split("-", 1)[0]
    return int(head) if head.isdigit() else -1


def etag(layer: dict[str, Any], z: int, x: int, y: int) -> str:
    return hashlib.sha1(f"{layer['id']}/{version(layer)}/{z}/{x}/{y}".encode()).hexdigest()


def path(layer: dict[str, Any], z: int, x: int, y: int) -> pathlib.Path:
    return _layer_dir(layer["id"]) / version(layer) / str(z) / str(x) / f"{y}.mvt"


def read(layer: dict[str, Any], z: int, x: int, y: int) -> bytes | None:
    try:
        with open(path(layer, z, x, y), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write(layer: dict[str, Any], z: int, x: int, y: int, data: bytes) -> None:
    """Keeps a tile; best effort (a full disk or a folder removed meanwhile loses only the copy)."""
    layer_dir = _layer_dir(layer["id"])
    mine = version(layer)
    try:
        others = [d for d in layer_dir.iterdir() if d.name != mine] if layer_dir.is_dir() else []
        # a request that began before a re-import keeps its old tile to itself
        if any(_number(d.name) > int(layer["version"]) for d in others):
            return
        for old in others:
            shutil.rmtree(old, ignore_errors=True)
        target = path(layer, z, x, y)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tile-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        log.warning("Satu Peta tile %s/%s/%s of layer %s not cached: %s", z, x, y, layer["id"], e)


def get(layer: dict[str, Any], z: int, x: int, y: int, build: Callable[[], bytes]) -> bytes:
    """The tile from the cache, or built by `build` and kept."""
    if not enabled():
        return build()
    data = read(layer, z, x, y)
    if data is None:
        data = build()  # may refresh `layer` (model._swap_safe): kept under the version it read
        write(layer, z, x, y, data)
    return data


def drop(layer_id: str) -> None:
    """Removes every cached tile of a layer (it was deleted)."""
    shutil.rmtree(_layer_dir(layer_id), ignore_errors=True)


# --- the fast path: public tiles already cached, answered before CKAN ------------------------------

MANIFEST = "public.json"


def write_manifest(layers: list[dict[str, Any]]) -> None:
    """The public layers and their tile versions, for PublicTiles: written with the WMS mapfiles
    (action.write_ows), i.e. after every import, style change, change of visibility, deletion."""
    folder = cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(orjson.dumps({layer["id"]: {"version": layer["version"], "table_name": layer["table_name"],
                                                "feature_count": layer["feature_count"]}
                                  for layer in layers}))
        os.replace(tmp, folder / MANIFEST)
    except OSError as e:
        log.warning("Satu Peta public tile manifest not written: %s", e)


TILE_PATH = re.compile(r"^(?:/[a-z]{2}(?:_[A-Z]{2})?)?/ogc/collections/([0-9a-f-]{36})"
                       r"/tiles/WebMercatorQuad/(\d{1,2})/(\d{1,8})/(\d{1,8})$")


class PublicTiles:
    """WSGI middleware: an anonymous request for a public layer's tile is answered here, from the
    cache or built by the same query as the view's, without CKAN's request work (its session, the
    access checks through the layer's resource and dataset): about 8 ms of a warm tile's 9. Anything
    else (a login or a token, a private or unlisted layer, a tile outside the grid) goes on to
    CKAN as before; the manifest says which layers are public and at which version and table, so
    a layer made private or imported again is never answered from here with what it was."""

    def __init__(self, app, folder: Callable[[], pathlib.Path], config):
        self.app = app
        self.folder = folder  # read per request: the configuration may change (tests do)
        self.config = config
        self._manifests: dict[pathlib.Path, tuple[int, dict[str, dict[str, Any]]]] = {}

    def _layers(self, folder: pathlib.Path) -> dict[str, dict[str, Any]]:
        try:
            stamp = (folder / MANIFEST).stat().st_mtime_ns
            if self._manifests.get(folder, (None,))[0] != stamp:
                self._manifests[folder] = (stamp, orjson.loads((folder / MANIFEST).read_bytes()))
        except (OSError, orjson.JSONDecodeError):
            return {}
        return self._manifests[folder][1]

    def __call__(self, environ, start_response):
        found = TILE_PATH.match(environ.get("PATH_INFO", "")) if environ.get("REQUEST_METHOD") == "GET" else None
        if found is None or environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_COOKIE") \
                or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        layer_id, z, y, x = found.group(1), *(int(v) for v in found.groups()[1:])
        try:
            listed = self._layers(self.folder()).get(layer_id)
        except (TypeError, KeyError):  # no storage path configured: the view says what is wrong
            listed = None
        if not isinstance(listed, dict) or not (z <= 24 and x < 2 ** z and y < 2 ** z):
            return self.app(environ, start_response)
        layer = {**listed, "id": layer_id}
        tag = f'"{etag(layer, z, x, y)}"'
        headers = [("ETag", tag),
                   ("Cache-Control", f"public, max-age={self.config.get('ckanext.tangerang.satupeta.tile_max_age')}"),
                   ("Vary", "Authorization, Cookie"), ("X-Content-Type-Options", "nosniff")]
        if tag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified", headers)
            return [b""]
        try:
            data = get(layer, z, x, y, lambda: store.tile(
                layer, z, x, y, "features", self.config.get("ckanext.tangerang.satupeta.tile_max_features")))
        except Exception:  # noqa: BLE001  CKAN's view answers (and logs) what went wrong
            return self.app(environ, start_response)
        start_response("200 OK", headers + [("Content-Type", "application/vnd.mapbox-vector-tile"),
                                            ("Content-Length", str(len(data)))])
        return [data]
