"""A layer follows its resource: who may see the resource sees the layer, who may edit it imports."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def tangerang_satupeta_layer_show(context, data_dict):
    return {"success": _allowed(context, "resource_show", data_dict)}


@tk.auth_allow_anonymous_access
def tangerang_satupeta_area_list(context, data_dict):
    # the list itself is public; the area layer is then checked like any layer
    return {"success": True}


def tangerang_satupeta_layer_import(context, data_dict):
    return {"success": _allowed(context, "resource_update", data_dict)}


def tangerang_satupeta_layer_style_update(context, data_dict):
    return {"success": _allowed(context, "resource_update", data_dict)}


def tangerang_satupeta_layer_delete(context, data_dict):
    return {"success": _allowed(context, "resource_update", data_dict)}


def _allowed(context, action, data_dict) -> bool:
    try:
        tk.check_access(action, dict(context), {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    return True
