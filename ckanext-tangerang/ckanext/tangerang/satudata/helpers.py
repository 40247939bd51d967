"""Template helpers of Satu Data."""
from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
from typing import Any

import cachetools
import orjson
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

import ckan.plugins.toolkit as tk
from ckanext.dcat.processors import RDFSerializer

from ckanext.tangerang import city
from ckanext.tangerang.satudata import codelists, extent

DATASET_TYPE = "dataset"

# schema.org JSON-LD of the dataset pages, by the content of the dataset dict it was made from:
# building the RDF graph costs tens of milliseconds a page, and the same dict gives the same text
_STRUCTURED: cachetools.LRUCache = cachetools.LRUCache(maxsize=2048)
_STRUCTURED_LOCK = threading.Lock()


def tangerang_city() -> dict[str, Any]:
    """The city profile's public facts (name, title, colours, contact) for templates."""
    profile = city.current()
    return dict(profile.meta)


# Satu Peta's areas (names and boxes) by viewer, for the dataset pages: the area list reads the
# whole area layer, which changes only when that layer is imported again
_AREAS: cachetools.TTLCache = cachetools.TTLCache(maxsize=256, ttl=300)
_AREAS_LOCK = threading.Lock()


def _areas() -> list[dict[str, Any]]:
    user = tk.current_user.name if tk.current_user.is_authenticated else ""
    with _AREAS_LOCK:
        found = _AREAS.get(user)
    if found is None:
        try:
            found = tk.get_action("tangerang_satupeta_area_list")({"user": user}, {})
        except (KeyError, tk.NotAuthorized, tk.ObjectNotFound):
            found = []
        with _AREAS_LOCK:
            _AREAS[user] = found
    return found


def tangerang_extent_view(value: Any) -> dict[str, Any] | None:
    """The ``spatial`` field as a small map and a text (satudata/extent.py); the areas it
    touches come from Satu Peta's area layer when that plugin serves one."""
    shown = extent.view(value, city.current().bbox, _areas)
    if shown:
        words = {"E": tk._("%(degrees)s° E"), "W": tk._("%(degrees)s° W"),
                 "N": tk._("%(degrees)s° N"), "S": tk._("%(degrees)s° S")}
        for side in ("west", "east", "south", "north"):
            degrees, hemisphere = shown[side]
            shown[side] = words[hemisphere] % {"degrees": degrees}
    return shown


def tangerang_kecamatan() -> list[dict[str, str]]:
    """The city's kecamatan as [{code, name}], in the order of the code list."""
    return [{"code": r.code, "name": r.name} for r in city.current().kecamatan]


def tangerang_wilayah_tree() -> list[dict[str, Any]]:
    """The city's regions as a tree: the kota (or kabupaten), its kecamatan, their kelurahan."""
    nodes = {r.code: {"code": r.code, "name": r.name, "level": r.level, "children": []}
             for r in city.current().regions}
    roots = []
    for r in city.current().regions:
        parent = nodes.get(r.parent)
        (parent["children"] if parent else roots).append(nodes[r.code])
    return roots


def tangerang_code_list_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """ckanext-scheming ``choices_helper``: the field's code list with labels in both languages."""
    return [{"value": c.value, "label": {"id": c.label_id, "en": c.label_en}}
            for c in codelists.codes(field["code_list"])]


def tangerang_code_label(list_name: str, value: str) -> str:
    code = codelists.get(list_name, value)
    return code.label(tk.h.lang()) if code else value


def tangerang_iso_topic(urusan: str | None) -> str | None:
    """The ISO 19115 topic category (MD_TopicCategoryCode) of an urusan: Satu Peta's CSW records."""
    code = codelists.get("urusan", urusan) if urusan else None
    return code.iso_topic if code else None


def _standard_fields() -> list[str]:
    schema = tk.h.scheming_get_dataset_schema(DATASET_TYPE) if "scheming_get_dataset_schema" in tk.h else None
    if not schema:
        return []
    return [f["field_name"] for f in schema["dataset_fields"] if f.get("completeness")]


def _filled(pkg_dict: dict[str, Any], name: str) -> bool:
    if name == "tag_string":
        return bool(pkg_dict.get("tags"))
    value = pkg_dict.get(name)
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    return value not in (None, "", [], {})


def tangerang_completeness(pkg_dict: dict[str, Any]) -> int:
    """Share (0-100) of the standard's fields that the dataset fills."""
    fields = _standard_fields()
    if not fields:
        return 0
    filled = sum(1 for name in fields if _filled(pkg_dict, name))
    return round(100 * filled / len(fields))


def tangerang_is_walidata() -> bool:
    from ckanext.tangerang.satudata.logic.auth import is_walidata

    return is_walidata(tk.current_user.name if tk.current_user else None)


def tangerang_review_history(package_id: str) -> dict[str, Any] | None:
    """The review status and steps, or None when the viewer may not see them."""
    try:
        return tk.get_action("tangerang_review_history")(
            {"user": tk.current_user.name}, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def tangerang_review_status_label(status: str | None) -> str:
    labels = {
        None: tk._("Draft, not submitted yet"),
        "submitted": tk._("Waiting for the Walidata's review"),
        "approved": tk._("Approved by the Walidata"),
        "returned": tk._("Sent back to the OPD"),
    }
    return labels.get(status, status or "")


def tangerang_column_type_label(code: str | None) -> str:
    """A table column's type by its name: the DataStore's and the loader's codes ("text",
    "numeric", "int4") are not words a reader knows."""
    labels = {
        "text": tk._("Text"), "numeric": tk._("Decimal number"), "numeric_id": tk._("Decimal number"),
        "float8": tk._("Decimal number"), "int": tk._("Whole number"), "int4": tk._("Whole number"),
        "int8": tk._("Whole number"), "int_id": tk._("Whole number"), "date": tk._("Date"),
        "date_dmy": tk._("Date"), "timestamp": tk._("Date and time"), "time": tk._("Time"),
        "bool": tk._("Yes or no"),
    }
    return labels.get(code or "", code or "")


def tangerang_download_count(resource_id: str) -> int:
    try:
        return tk.get_action("tangerang_download_count")(
            {"user": tk.current_user.name}, {"id": resource_id})["count"]
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return 0


class _Serializer(RDFSerializer):
    """ckanext-dcat's serializer, with its profiles looked up once per process: the lookup reads
    the entry points of every installed package, about half the cost of a dataset page's JSON-LD."""

    _loaded: dict[tuple[str, ...], list] = {}

    def _load_profiles(self, profile_names):
        key = tuple(profile_names)
        if key not in self._loaded:
            self._loaded[key] = super()._load_profiles(profile_names)
        return list(self._loaded[key])


def tangerang_structured_data(pkg_dict: dict[str, Any]) -> Markup:
    """The schema.org JSON-LD of a dataset page (ckanext-dcat's structured data profiles), made
    once per version of the dataset dict: any change of the dataset, its resources or its
    organization gives a new key. Escaped for a <script> element."""
    key = hashlib.blake2b(orjson.dumps(pkg_dict, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
                                       default=str), digest_size=16).digest()
    with _STRUCTURED_LOCK:
        text = _STRUCTURED.get(key)
    if text is None:
        profiles = tk.config.get("ckanext.dcat.structured_data.profiles") or ["schemaorg"]
        output = _Serializer(profiles=profiles).serialize_dataset(pkg_dict, _format="jsonld")
        text = htmlsafe_json_dumps(json.loads(output))
        with _STRUCTURED_LOCK:
            _STRUCTURED[key] = text
    return text


def tangerang_table_load(resource_id: str) -> dict[str, Any] | None:
    """The resource's last load into the DataStore, as the viewer may see it."""
    try:
        return tk.get_action("tangerang_table_load_show")({"user": tk.current_user.name}, {"id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None


def tangerang_data_api(res: dict[str, Any]) -> dict[str, str] | None:
    """Working examples of the Data API for a resource with a table: a filter on its first text
    column by the value of its first row, in curl, Python (ckanapi) and JavaScript."""
    try:
        first = tk.get_action("datastore_search")(
            {"user": tk.current_user.name}, {"resource_id": res["id"], "limit": 1, "include_total": False})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    fields = [f for f in first["fields"] if f["id"] != "_id"]
    record = (first.get("records") or [{}])[0]
    column = next((f["id"] for f in fields if f["type"] == "text" and record.get(f["id"])), None)
    filters = {column: record[column]} if column else {}
    site = tk.config["ckan.site_url"].rstrip("/")
    action = f"{site}/api/3/action/datastore_search"
    filters_json = orjson.dumps(filters).decode()
    query = f"resource_id={res['id']}&limit=5" + (
        f"&filters={urllib.parse.quote(filters_json)}" if filters else "")
    sql = f'SELECT * FROM "{res["id"]}" LIMIT 5'
    return {
        "endpoint": action,
        "resource_id": res["id"],
        "curl": f"curl '{action}?{query}'",
        "sql": f"curl -X POST '{site}/api/3/action/datastore_search_sql' \\\n"
               f"  -H 'Content-Type: application/json' \\\n  -d '{orjson.dumps({'sql': sql}).decode()}'",
        "python": "from ckanapi import RemoteCKAN\n\n"
                  f"portal = RemoteCKAN('{site}')\n"
                  f"result = portal.action.datastore_search(\n    resource_id='{res['id']}',\n"
                  + (f"    filters={filters!r},\n" if filters else "")
                  + "    limit=5,\n)\nfor row in result['records']:\n    print(row)",
        "javascript": f"const url = new URL('{action}');\n"
                      f"url.searchParams.set('resource_id', '{res['id']}');\n"
                      + (f"url.searchParams.set('filters', JSON.stringify({filters_json}));\n" if filters else "")
                      + "url.searchParams.set('limit', '5');\n"
                      "const {result} = await (await fetch(url)).json();\nconsole.table(result.records);",
    }


def tangerang_chart_view(resource: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """What the chart view and its form need: the table's columns and, when a chart can be
    drawn, its points and summary (tables/chart.py), read with the viewer's rights."""
    from babel.numbers import format_decimal

    from ckanext.tangerang.satudata.tables import chart

    context = {"user": tk.current_user.name}
    try:
        fields = tk.get_action("datastore_search")(
            context, {"resource_id": resource["id"], "limit": 0, "include_total": False})["fields"]
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return {"chart": None, "chart_columns": [], "chart_numeric": []}
    columns = [f for f in fields if f["id"] != "_id"]
    out = {"chart": None, "chart_columns": columns, "chart_numeric": chart.numeric_fields(columns)}
    chosen = chart.choose(columns, view)
    if chosen is None:
        return out
    try:
        records = tk.get_action("datastore_search_sql")(
            context, {"sql": chart.points_sql(resource["id"], chosen)})["records"]
    except (tk.NotAuthorized, tk.ValidationError):
        return out
    locale = tk.h.lang() or "id"

    def fmt(value: Any) -> str:
        return "—" if value is None else format_decimal(value, format="#,##0.##", locale=locale)

    built = chart.build(chosen, records, fmt, tk._)
    if not view.get("x") and chosen["group"] and len(built["points"]) == len(built["series"]):
        # one year only: a line per category would be single dots; bars by category say it
        chosen = {"chart_type": "bar", "x": chosen["group"], "y": chosen["y"], "group": None}
        try:
            records = tk.get_action("datastore_search_sql")(
                context, {"sql": chart.points_sql(resource["id"], chosen)})["records"]
        except (tk.NotAuthorized, tk.ValidationError):
            return out
        built = chart.build(chosen, records, fmt, tk._)
    out["chart"] = built
    return out


def tangerang_standard_choices(field: dict[str, Any]) -> list[dict[str, Any]]:
    """The data standards, for the resource form's select (none first)."""
    standards = tk.get_action("tangerang_standard_list")({"ignore_auth": True}, {})
    return [{"value": "", "label": tk._("(none)")}] + [
        {"value": s["name"], "label": s["title"]} for s in standards]
