"""Actions of Satu Data (``/api/3/action/<name>``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city


@tk.side_effect_free
def tangerang_city_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The city profile: name, region code, extent, kecamatan and OPD list.

    Public: apps such as Tangerang LIVE read it to label data by region and publisher.
    """
    tk.check_access("tangerang_city_show", context, data_dict)
    profile = city.current()
    meta = profile.meta
    return {
        "name": meta["name"],
        "portal_title": meta["portal_title"],
        "region_code": meta["region_code"],
        "province": meta.get("province"),
        "bbox": list(profile.bbox),
        "regions": [
            {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent}
            for r in profile.regions
        ],
        "opd": [{"name": o.name, "title": o.title, "short_title": o.short_title} for o in profile.opds],
    }
