from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city

__all__ = ["tangerang_satupeta_crs"]


def crs_choices() -> list[str]:
    """The CRSs an officer may pick for a file that carries none (the city profile's `crs`)."""
    return [f"EPSG:{code}" for code in city.current().meta.get("crs", [4326])]


def tangerang_satupeta_crs(value):
    if value in (None, ""):
        return None
    value = str(value).strip().upper()
    if value.isdigit():
        value = f"EPSG:{value}"
    allowed = crs_choices()
    if value not in allowed:
        raise tk.Invalid(tk._("Unknown coordinate reference system {value}; choose one of: {allowed}")
                         .format(value=value, allowed=", ".join(allowed)))
    return value
