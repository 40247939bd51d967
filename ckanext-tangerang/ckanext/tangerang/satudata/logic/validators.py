"""Validators of the Satu Data dataset schema (registered through IValidators).

Messages name what is allowed, in the request's language; errors land on the field's key so the
API answers HTTP 409 with one error per field and stores nothing.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

import shapely.geometry
from ckanext.scheming.validation import scheming_validator
from shapely.errors import GEOSException

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satudata import codelists

missing = tk.missing
Invalid = tk.Invalid
DEFAULT_LICENSE = "cc-by"
DEFAULT_ACCESS = "terbuka"
FIRST_YEAR = 1900
# a dataset of the city lies around its bbox; this margin (degrees) allows neighbouring areas
EXTENT_MARGIN = 1.0


def _empty(value: Any) -> bool:
    return value is missing or value is None or value == "" or value == []


@scheming_validator
def tangerang_code_list(field: dict[str, Any], schema: dict[str, Any]):
    """One value (select) or a list (multiple_select) from the field's ``code_list``."""
    name = field["code_list"]
    many = field.get("preset") == "multiple_select"
    required = field.get("required", False)

    def validator(key, data, errors, context):
        if errors[key]:
            return
        value = data[key]
        if _empty(value):
            if required:
                errors[key].append(tk._("Missing value"))
            else:
                data[key] = missing
            return
        if many and isinstance(value, str):
            value = _json_list(value)
        items = value if isinstance(value, list) else [value]
        if not many and len(items) != 1:
            errors[key].append(tk._("Choose exactly one value"))
            return
        allowed = codelists.values(name)
        for item in items:
            if not isinstance(item, str) or item not in allowed:
                errors[key].append(
                    tk._('Unknown value "%(value)s". Allowed values: %(allowed)s')
                    % {"value": item, "allowed": ", ".join(allowed)})
        if errors[key]:
            return
        # store in the code list's order, without duplicates
        data[key] = json.dumps([v for v in allowed if v in items]) if many else items[0]

    return validator


def _json_list(value: str) -> list[Any] | str:
    if value.startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            return value
        if isinstance(loaded, list):
            return loaded
    return value


def tangerang_year(value: Any, context: dict[str, Any]) -> Any:
    last = datetime.date.today().year + 1
    if _empty(value):
        raise Invalid(tk._("Missing value"))
    text = str(value).strip()
    if not (text.isdigit() and FIRST_YEAR <= int(text) <= last):
        raise Invalid(tk._("Enter a year between %(first)s and %(last)s, e.g. 2024")
                      % {"first": FIRST_YEAR, "last": last})
    return text


def tangerang_license(value: Any, context: dict[str, Any]) -> Any:
    """Default CC-BY 4.0; otherwise an id of the portal's license list."""
    if _empty(value):
        return DEFAULT_LICENSE
    register = tk.h.license_options()
    ids = [license_id for license_id, _title in register]
    if value not in ids:
        raise Invalid(tk._('Unknown license "%(value)s". Allowed licenses: %(allowed)s')
                      % {"value": value, "allowed": ", ".join(ids)})
    return value


def tangerang_default_access(value: Any, context: dict[str, Any]) -> Any:
    return DEFAULT_ACCESS if _empty(value) else value


def tangerang_default_walidata(value: Any, context: dict[str, Any]) -> Any:
    if not _empty(value):
        return value
    profile = city.current()
    opd = next(o for o in profile.opds if o.name == profile.meta["walidata_org"])
    return f"{opd.title} {profile.meta['name']}"


def tangerang_geojson(value: Any, context: dict[str, Any]) -> Any:
    """A valid GeoJSON geometry in WGS 84 longitude/latitude near the city."""
    if isinstance(value, dict):
        geometry = value
    else:
        try:
            geometry = json.loads(value)
        except (TypeError, ValueError):
            raise Invalid(tk._("The spatial extent is not valid JSON: give a GeoJSON geometry, "
                               'e.g. {"type": "Polygon", "coordinates": [...]}'))
    try:
        shape = shapely.geometry.shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, GEOSException):
        raise Invalid(tk._("The spatial extent is not a GeoJSON geometry (Point, LineString, "
                           "Polygon, MultiPolygon...) with valid coordinates"))
    if shape.is_empty or not shape.is_valid:
        raise Invalid(tk._("The spatial extent is not a valid geometry (empty or "
                           "self-intersecting)"))
    minx, miny, maxx, maxy = city.current().bbox
    bounds = shapely.geometry.box(minx - EXTENT_MARGIN, miny - EXTENT_MARGIN,
                                  maxx + EXTENT_MARGIN, maxy + EXTENT_MARGIN)
    if not shape.intersects(bounds):
        raise Invalid(tk._("The spatial extent lies outside %(city)s: give longitude/latitude "
                           "coordinates in WGS 84 (EPSG:4326)") % {"city": city.current().meta["name"]})
    return json.dumps(geometry)


def tangerang_standard_name(value: Any, context: dict[str, Any]) -> Any:
    """A resource's data standard: empty, or the name of a standard the Walidata published."""
    if _empty(value):
        return value
    try:
        tk.get_action("tangerang_standard_show")({"ignore_auth": True}, {"id": value})
    except tk.ObjectNotFound:
        names = [s["name"] for s in tk.get_action("tangerang_standard_list")({"ignore_auth": True}, {})]
        raise Invalid(tk._("There is no data standard {name}. Published standards: {names}.").format(
            name=value, names=", ".join(names) or tk._("(none)")))
    return value
