"""The dataset's spatial extent as people read it: a small map (SVG) of the extent inside the
city's box, and a text saying what it covers (the whole city, or the areas it touches, and its
coordinates). Pure logic: the areas come from the caller."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

# the share of the city's box above which an extent counts as the whole city
WHOLE_CITY = 0.9
SIZE = 240   # the SVG's width in px; its height follows the box's shape


def parse(value: Any) -> BaseGeometry | None:
    """The extent's geometry, or None when it is empty or not GeoJSON (shown as text then)."""
    if not value:
        return None
    try:
        data = json.loads(value) if isinstance(value, str) else value
        geometry = shape(data.get("geometry", data) if data.get("type") == "Feature" else data)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return None if geometry.is_empty else geometry


def _degrees(value: float, positive: str, negative: str) -> tuple[str, str]:
    """(degrees to three decimals, hemisphere letter): the page words the letter."""
    return f"{abs(value):.3f}", positive if value >= 0 else negative


def view(value: Any, city_bbox: tuple[float, float, float, float],
         areas: list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]
         ) -> dict[str, Any] | None:
    """What the dataset page shows for ``value`` (the ``spatial`` field):

    - ``whole_city``: the extent covers at least 90 % of the city's box
    - ``areas``: names of the areas (e.g. kecamatan) whose box the extent overlaps
    - ``west``, ``east``, ``south``, ``north``: its bounds as (degrees, "E"/"W"/"N"/"S")
    - ``svg``: viewBox, the city's box and the extent as SVG path data, y pointing down

    ``areas`` may be a function: it is called only for an extent that parses and is not the
    whole city.
    """
    geometry = parse(value)
    if geometry is None:
        return None
    west, south, east, north = geometry.bounds
    city = box(*city_bbox)
    frame = city.union(box(west, south, east, north)).envelope
    fx0, fy0, fx1, fy1 = frame.bounds
    margin = max(fx1 - fx0, fy1 - fy0) * 0.05
    fx0, fy0, fx1, fy1 = fx0 - margin, fy0 - margin, fx1 + margin, fy1 + margin
    scale = SIZE / (fx1 - fx0)
    height = round((fy1 - fy0) * scale)

    def point(x: float, y: float) -> str:
        return f"{(x - fx0) * scale:.1f},{(fy1 - y) * scale:.1f}"

    def path(geom: BaseGeometry) -> str:
        parts = []
        polygons = getattr(geom, "geoms", [geom])
        for poly in polygons:
            if poly.geom_type == "Polygon":
                for ring in [poly.exterior, *poly.interiors]:
                    parts.append("M" + " L".join(point(x, y) for x, y in ring.coords) + " Z")
            elif poly.geom_type in ("LineString", "LinearRing"):
                parts.append("M" + " L".join(point(x, y) for x, y in poly.coords))
            elif poly.geom_type == "Point":
                x, y = (float(v) for v in point(poly.x, poly.y).split(","))
                parts.append(f"M{x - 4:.1f},{y:.1f} a4,4 0 1,0 8,0 a4,4 0 1,0 -8,0")
        return " ".join(parts)

    covered = geometry.intersection(city).area / city.area if city.area else 0
    touched = []
    if covered < WHOLE_CITY:
        touched = [a["name"] for a in (areas() if callable(areas) else areas)
                   if a.get("bbox") and geometry.intersection(box(*a["bbox"])).area > 0]
    return {
        "whole_city": covered >= WHOLE_CITY,
        "areas": sorted(touched),
        "west": _degrees(west, "E", "W"), "east": _degrees(east, "E", "W"),
        "south": _degrees(south, "N", "S"), "north": _degrees(north, "N", "S"),
        "svg": {"width": SIZE, "height": height,
                "city": path(city), "extent": path(geometry)},
    }
