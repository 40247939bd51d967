from __future__ import annotations

import ckan.plugins.toolkit as tk


def layer_import():
    not_empty = tk.get_validator("not_empty")
    ignore_missing = tk.get_validator("ignore_missing")
    unicode_safe = tk.get_validator("unicode_safe")
    crs = tk.get_validator("tangerang_satupeta_crs")
    return {"id": [not_empty, unicode_safe], "crs": [ignore_missing, unicode_safe, crs],
            "layer": [ignore_missing, unicode_safe]}


def layer_show():
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe")]}
