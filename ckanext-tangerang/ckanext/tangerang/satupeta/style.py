"""A layer's style: what the officer may set, its defaults and its checks.

One style drives the WMS (ows.py writes it into the mapfile), the legend and the portal's map. Pure
functions: the classes of a classification are computed from values the caller reads from the store.
"""
from __future__ import annotations

import re
from typing import Any

from ckanext.tangerang.satupeta.messages import N_

# Okabe & Ito's palette (Color Universal Design) without its black (labels and outlines use it) and
# with Tol's wine for an eighth: any two stay apart under protan, deutan and tritan vision (CAM02-UCS
# distance >= 10, tests/test_satupeta_style.py), which Okabe & Ito's grey did not (6.5 from pink)
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#882255"]
SYMBOLS = ("circle", "square", "triangle")
METHODS = ("categories", "ranges")
MAX_CLASSES = len(PALETTE)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

DEFAULTS = {
    "point": {"fill": PALETTE[0], "stroke": "#ffffff", "stroke_width": 1.0, "symbol": "circle", "size": 8},
    "line": {"fill": PALETTE[0], "stroke": PALETTE[0], "stroke_width": 2.0, "symbol": "circle", "size": 8},
    "polygon": {"fill": PALETTE[0], "stroke": "#1f3a5f", "stroke_width": 1.0, "symbol": "circle", "size": 8,
                "opacity": 60},
}



class StyleError(ValueError):
    """Bad style input: `errors` maps each field to its messages, as (msgid, params) pairs."""

    def __init__(self, errors: dict[str, list[tuple[str, dict]]]):
        super().__init__(errors)
        self.errors = errors


def default(family: str) -> dict[str, Any]:
    style = dict(DEFAULTS.get(family, DEFAULTS["polygon"]))
    style.setdefault("opacity", 100)
    style.update(label_field="", classify=None)
    return style


def normalise(given: dict[str, Any], family: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored style: the defaults of the family overlaid with what was given, checked.

    Messages are English templates marked for translation by the caller (logic/action.py)."""
    style = default(family)
    errors: dict[str, list[tuple[str, dict]]] = {}
    names = {f["name"]: f.get("type", "str") for f in fields}

    def bad(key: str, message: str, **params: Any) -> None:
        errors.setdefault(key, []).append((message, params))

    for key in ("fill", "stroke"):
        if given.get(key) not in (None, ""):
            value = str(given[key]).strip()
            if COLOUR.fullmatch(value):
                style[key] = value.lower()
            else:
                bad(key, N_("Use a colour as #rrggbb, e.g. #0072b2."))
    for key, low, high in (("stroke_width", 0, 20), ("size", 1, 64), ("opacity", 10, 100)):
        if given.get(key) not in (None, ""):
            try:
                number = float(given[key])
            except (TypeError, ValueError):
                number = None
            if number is None or not low <= number <= high:
                bad(key, N_("Use a number from {low} to {high}."), low=low, high=high)
            else:
                style[key] = int(number) if key in ("size", "opacity") else number
    if given.get("symbol") not in (None, ""):
        if given["symbol"] in SYMBOLS:
            style["symbol"] = given["symbol"]
        else:
            bad("symbol", N_("Use one of: {choices}."), choices=", ".join(SYMBOLS))
    label = given.get("label_field") or ""
    if label and label not in names:
        bad("label_field", N_("Use a field of the layer: {choices}."), choices=", ".join(names))
    else:
        style["label_field"] = label
    classify = given.get("classify")
    if classify:
        style["classify"] = _classify(classify, names, bad)
    if errors:
        raise StyleError(errors)
    return style


def _classify(classify: dict[str, Any], names: dict[str, str], bad) -> dict[str, Any] | None:
    field = classify.get("field") or ""
    method = classify.get("method") or "categories"
    if field not in names:
        bad("classify_field", N_("Use a field of the layer: {choices}."), choices=", ".join(names))
        return None
    if method not in METHODS:
        bad("classify_method", N_("Use one of: {choices}."), choices=", ".join(METHODS))
        return None
    if method == "ranges" and names[field] not in ("int64", "float64"):
        bad("classify_method", N_("Ranges need a numeric field; {field} holds text."), field=field)
        return None
    classes = []
    for i, given in enumerate(classify.get("classes") or []):
        colour = str(given.get("color") or PALETTE[i % len(PALETTE)]).strip().lower()
        if not COLOUR.fullmatch(colour):
            bad("classes", N_("Use a colour as #rrggbb, e.g. #0072b2."))
            continue
        label = str(given.get("label") or "")[:100]
        if method == "categories":
            value = given.get("value")
            if value is None:
                bad("classes", N_("Each category needs a value."))
                continue
            classes.append({"value": str(value)[:200], "label": label or str(value)[:100], "color": colour})
        else:
            try:
                low, high = float(given["min"]), float(given["max"])
            except (KeyError, TypeError, ValueError):
                bad("classes", N_("Each range needs a lowest and a highest number."))
                continue
            if low > high:
                bad("classes", N_("A range's lowest number must not exceed its highest."))
                continue
            classes.append({"min": low, "max": high, "label": label or f"{_num(low)} - {_num(high)}",
                            "color": colour})
    if len(classes) > MAX_CLASSES:
        bad("classes", N_("At most {count} classes."), count=MAX_CLASSES)
    return {"field": field, "method": method, "classes": classes[:MAX_CLASSES]}


def _num(value: float) -> str:
    return f"{value:,.10g}" if value != int(value) else f"{int(value):,}"


def colours(avoid: str = "") -> list[str]:
    """The palette without the colour of the rest (features in no class keep the fill)."""
    return [c for c in PALETTE if c != avoid.lower()]


def category_classes(values: list[str], avoid: str = "") -> list[dict[str, Any]]:
    """The most frequent values (the caller orders them), one palette colour each."""
    palette = colours(avoid)
    return [{"value": v, "label": v, "color": palette[i]} for i, v in enumerate(values[:len(palette)])]


def range_classes(breaks: list[float]) -> list[dict[str, Any]]:
    """Classes between consecutive breaks (quantiles read by the caller), duplicates merged."""
    edges = sorted(set(breaks))
    if len(edges) == 1:
        edges = edges * 2
    return [{"min": low, "max": high, "label": f"{_num(low)} - {_num(high)}", "color": PALETTE[i]}
            for i, (low, high) in enumerate(zip(edges, edges[1:]))][:MAX_CLASSES]


def of(layer: dict[str, Any]) -> dict[str, Any]:
    """A registry row's style: the officer's, or its family's default."""
    return layer.get("style") or default(layer["geometry_family"])


def legend(style: dict[str, Any], title: str = "", other: str = "Other") -> list[dict[str, str]]:
    """The legend's entries (label, colour) in drawing order: one entry (labelled `title`) without
    classes; with categories, the rest last (labelled `other`, the caller's translation)."""
    classify = style.get("classify")
    if not classify or not classify.get("classes"):
        return [{"label": title, "color": style["fill"]}]
    entries = [{"label": c["label"], "color": c["color"]} for c in classify["classes"]]
    if classify["method"] == "categories":
        entries.append({"label": other, "color": style["fill"], "other": "1"})
    return entries


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
