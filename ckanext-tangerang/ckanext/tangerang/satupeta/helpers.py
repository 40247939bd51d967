from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta.logic.validators import crs_choices


def tangerang_satupeta_crs_choices() -> list[str]:
    return crs_choices()


def tangerang_satupeta_layer_state(resource_id: str) -> dict | None:
    """The resource's layer and last import, or None when the viewer may not see it."""
    try:
        return tk.get_action("tangerang_satupeta_layer_show")({}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def tangerang_satupeta_map_config(bbox: list[float] | None = None) -> dict:
    """What map.js needs: the OGC API's path, the first view and the base map."""
    return {
        "ogc": tk.h.url_for("satupeta_ogc.landing"),
        "bbox": list(bbox or city.current().bbox),
        "basemapUrl": tk.config.get("ckanext.tangerang.satupeta.basemap_url"),
        "basemapLayer": tk.config.get("ckanext.tangerang.satupeta.basemap_layer"),
    }
