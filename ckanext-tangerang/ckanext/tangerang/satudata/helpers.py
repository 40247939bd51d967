"""Template helpers of Satu Data."""
from __future__ import annotations

from typing import Any

from ckanext.tangerang import city


def tangerang_city() -> dict[str, Any]:
    """The city profile's public facts (name, title, colours, contact) for templates."""
    profile = city.current()
    return dict(profile.meta)


def tangerang_kecamatan() -> list[dict[str, str]]:
    """The city's kecamatan as [{code, name}], in the order of the code list."""
    return [{"code": r.code, "name": r.name} for r in city.current().kecamatan]
