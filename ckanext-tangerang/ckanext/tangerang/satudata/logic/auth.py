"""Auth functions of Satu Data."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def tangerang_city_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, bool]:
    return {"success": True}
