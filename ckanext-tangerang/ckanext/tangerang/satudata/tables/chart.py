"""The accessible chart view of a DataStore table: what to draw, its points and its text summary.

The browser draws the SVG with Observable Plot (public/satudata/chart.js); everything a reader
needs without seeing it (the summary, the table of points, each point's label) is made here, so
it is there without JavaScript too.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

NUMERIC = {"int2", "int4", "int8", "numeric", "float4", "float8"}
YEAR_NAMES = ("tahun", "year")
TOTAL_NAMES = ("jumlah", "total", "nilai", "value")
CODE_PREFIXES = ("kode", "code", "id_", "no_", "nomor")
MAX_POINTS = 600
MAX_SERIES = 12
# Okabe-Ito's colour-blind-safe hues, darkened until each has at least 4.5:1 on white: points
# and lines pass WCAG's 3:1 for graphics; each series has its own symbol and label as well
PALETTE = ("#0b5d99", "#a8430f", "#1d6f4f", "#8a3b78", "#6f5a00", "#2f5f8f", "#9b3a1f", "#4d4d4d")
SYMBOLS = ("circle", "square", "triangle", "diamond", "star", "cross", "wye", "plus")
SCHEMA_KEYS = ("chart_type", "x", "y", "group")


def numeric_fields(fields: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in fields
            if f["type"] in NUMERIC and f["id"] != "_id" and f["id"].lower() not in YEAR_NAMES]


def choose(fields: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any] | None:
    """The chart to draw: the officer's choice where it names the table's columns, else a
    default: values by year (a tahun column), one line per category, or bars by category."""
    names = [f["id"] for f in fields if f["id"] != "_id"]
    types = {f["id"]: f["type"] for f in fields}
    # a total and a name read better than the first count and a code: jumlah by kecamatan,
    # not laki_laki by kode_wilayah
    numbers = sorted(numeric_fields(fields), key=lambda n: n.lower() not in TOTAL_NAMES)
    texts = sorted((n for n in names if types[n] == "text"), key=lambda n: n.lower().startswith(CODE_PREFIXES))
    year = next((n for n in names if n.lower() in YEAR_NAMES), None)
    y = config.get("y") if config.get("y") in numbers else (numbers[0] if numbers else None)
    if y is None:
        return None
    x = config.get("x") if config.get("x") in names and config.get("x") != y else None
    x = x or year or (texts[0] if texts else None)
    if x is None:
        return None
    if config.get("x"):  # the officer's chart: a group only if they chose one
        group = config.get("group") if config.get("group") in names else None
    else:  # yearly figures: one line per category (kecamatan, indicator)
        group = next((t for t in texts if t != x), None) if x == year else None
    if group in (x, y):
        group = None
    kind = config.get("chart_type")
    if kind not in ("line", "bar"):
        kind = "line" if x == year or types.get(x) in NUMERIC | {"date", "timestamp"} else "bar"
    return {"chart_type": kind, "x": x, "y": y, "group": group}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def points_sql(resource_id: str, chart: dict[str, Any]) -> str:
    """One SELECT for datastore_search_sql: y summed per x (and group), at most MAX_POINTS rows.
    Only column names of the table reach it (choose() picked them from its fields)."""
    x, y, group = quote(chart["x"]), quote(chart["y"]), chart.get("group")
    g = quote(group) if group else "NULL"
    return (f"SELECT {x} AS x, {g} AS g, sum({y}) AS y, count(*) AS n FROM {quote(resource_id)} "
            f"WHERE {x} IS NOT NULL AND {y} IS NOT NULL GROUP BY 1, 2 ORDER BY 2, 1 "
            f"LIMIT {MAX_POINTS + 1}")


def build(chart: dict[str, Any], records: list[dict[str, Any]], fmt: Callable[[Any], str],
          _: Callable[[str], str]) -> dict[str, Any]:
    """Points, series and the text summary from the SELECT's rows. `fmt` formats a number in
    the reader's language, `_` translates."""
    truncated = len(records) > MAX_POINTS
    records = records[:MAX_POINTS]
    series: list[str] = []
    points = []
    for r in records:
        name = "" if r["g"] is None else str(r["g"])
        if name not in series:
            if len(series) == MAX_SERIES:
                truncated = True
                continue
            series.append(name)
        value = float(r["y"]) if r["y"] is not None else None
        x = r["x"]
        x_label = str(x)[:10] if isinstance(x, str) and len(str(x)) >= 10 and str(x)[4] == "-" else str(x)
        label = f"{name}, {x_label}: {fmt(value)}" if name else f"{x_label}: {fmt(value)}"
        points.append({"x": x, "x_label": x_label, "y": value, "series": name,
                       "summed": int(r["n"]) > 1, "label": label})
    summary = _summary(chart, points, series, fmt, _)
    return {
        **chart, "points": points, "series": series, "truncated": truncated,
        "summed": any(p["summed"] for p in points), "summary": summary,
        "palette": list(PALETTE), "symbols": list(SYMBOLS),
    }


def _summary(chart, points, series, fmt, _) -> str:
    if not points:
        return _("The table has no values to chart.")
    high = max(points, key=lambda p: p["y"])
    low = min(points, key=lambda p: p["y"])
    xs = [p["x_label"] for p in points]
    values = {"y": chart["y"], "x": chart["x"], "first": min(xs), "last": max(xs),
              "high": high["label"], "low": low["label"], "count": len(points),
              "series": len([s for s in series if s]), "names": ", ".join(s for s in series if s)}
    if chart["chart_type"] == "line" and values["series"]:
        text = _("Line chart of {y} by {x}, one line for each of {series}: {names}; from {first} "
                 "to {last}. Highest: {high}. Lowest: {low}.").format(**values)
    elif chart["chart_type"] == "line":
        text = _("Line chart of {y} by {x}, from {first} to {last}. Highest: {high}. "
                 "Lowest: {low}.").format(**values)
        if len(points) > 1:
            first, last = points[0], points[-1]
            change = _("From {first} to {last} it went from {a} to {b}.").format(
                first=first["x_label"], last=last["x_label"], a=fmt(first["y"]), b=fmt(last["y"]))
            text = f"{text} {change}"
    else:
        text = _("Bar chart of {y} by {x}, {count} bars. Highest: {high}. Lowest: {low}.").format(**values)
    return text
