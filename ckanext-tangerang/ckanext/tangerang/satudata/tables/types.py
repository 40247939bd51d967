"""Column types of a staged table, decided in PostgreSQL over every row (no CKAN here).

The staged table holds the file's cells as text. Each candidate type is a predicate on a
trimmed, non-blank value; a column gets the first type in `ORDER` whose predicate holds for all
its values, so every cast in `cast()` is known to succeed before the real table is touched.
"""
from __future__ import annotations

from collections.abc import Iterable

# the DataStore's type for each kind, most specific first
ORDER = ("int", "int8", "int_id", "numeric", "numeric_id", "date", "date_dmy", "timestamp")
DATASTORE_TYPE = {"int": "int4", "int8": "int8", "int_id": "int8", "numeric": "numeric", "numeric_id": "numeric",
                  "date": "date", "date_dmy": "date", "timestamp": "timestamp", "text": "text"}
SAMPLE_ROWS = 2000

_DAY = "(0[1-9]|[12][0-9]|3[01])"
_MONTH = "(0[1-9]|1[0-2])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?"
# no leading zero: "007" or "0812..." are codes and phone numbers, kept as text
_PATTERNS = {
    "int": "^[+-]?(0|[1-9][0-9]{0,8})$",
    "int8": "^[+-]?(0|[1-9][0-9]{0,17})$",
    "numeric": "^[+-]?(0|[1-9][0-9]{0,30})\\.[0-9]{1,30}$",
    # 1.234.567 when the file writes decimal commas: dots group thousands
    "int_id": "^[+-]?(0|[1-9][0-9]{0,2}(\\.[0-9]{3}){1,5}|[1-9][0-9]{0,17})$",
    # 1.234.567,89 or 1234,5 or 1.234 (thousands) when the file writes decimal commas
    "numeric_id": "^[+-]?(0|[1-9][0-9]{0,2}(\\.[0-9]{3})+|[1-9][0-9]{0,30})(,[0-9]{1,30})?$",
    "date": f"^[0-9]{{4}}-{_MONTH}-{_DAY}$",
    "date_dmy": f"^{_DAY}[/-]{_MONTH}[/-][0-9]{{4}}$",
    "timestamp": f"^[0-9]{{4}}-{_MONTH}-{_DAY}[ T]{_TIME}$",
}


def value(column: str) -> str:
    return f"NULLIF(btrim({quote(column)}), '')"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _valid_day(iso: str) -> str:
    """A yyyy-mm-dd string (SQL expression) names a day that exists: no 31 April, no 29 February
    outside leap years."""
    year = f"substr({iso}, 1, 4)::int"
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    return (f"(substr({iso}, 6, 5) !~ '^(02-3[01]|(04|06|09|11)-31)$' "
            f"AND (substr({iso}, 6, 5) <> '02-29' OR {leap}))")


def _dmy_as_iso(v: str) -> str:
    return f"(substr({v}, 7, 4) || '-' || substr({v}, 4, 2) || '-' || substr({v}, 1, 2))"


def predicate(kind: str, v: str, decimal_comma: bool) -> str:
    """SQL that is true when the value `v` (an expression) can be read as `kind`."""
    pattern = f"{v} ~ '{_PATTERNS[kind]}'"
    if kind == "numeric" and decimal_comma:
        return "false"  # 1.234 is one thousand two hundred thirty-four there
    if kind in ("int_id", "numeric_id"):
        if not decimal_comma:
            return "false"
        return pattern
    if kind in ("date", "timestamp"):
        return f"({pattern} AND {_valid_day(v)})"
    if kind == "date_dmy":
        return f"({pattern} AND {_valid_day(_dmy_as_iso(v))})"
    return pattern


def cast(kind: str, column: str) -> str:
    """The SQL giving the typed value of a staged text column."""
    v = value(column)
    return {
        "int": f"{v}::int",
        "int8": f"{v}::bigint",
        "int_id": f"replace({v}, '.', '')::bigint",
        "numeric": f"{v}::numeric",
        "numeric_id": f"replace(replace({v}, '.', ''), ',', '.')::numeric",
        "date": f"{v}::date",
        "date_dmy": f"{_dmy_as_iso(v)}::date",
        "timestamp": f"{v}::timestamp",
    }.get(kind, f"NULLIF({quote(column)}, '')")


def detect_sql(table: str, candidates: dict[str, Iterable[str]], decimal_comma: bool,
               limit: int | None = None) -> tuple[str, list[tuple[str, str]]]:
    """One query answering, for each column and candidate kind, whether every value fits (a
    column without any value fits none: it stays text).

    Returns the SQL and the (column, kind) of each output column, in order. With `limit`, only
    the first rows are read (the sample).
    """
    parts: list[str] = []
    keys: list[tuple[str, str]] = []
    for column, kinds in candidates.items():
        v = value(column)
        for kind in kinds:
            parts.append(f"coalesce(bool_and({predicate(kind, v, decimal_comma)}), false)")
            keys.append((column, kind))
    source = quote(table) if limit is None else f"(SELECT * FROM {quote(table)} LIMIT {int(limit)}) s"
    return f"SELECT {', '.join(parts) or '1'} FROM {source}", keys
