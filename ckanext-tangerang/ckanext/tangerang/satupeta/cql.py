"""CQL2 filters (OGC API - Features Part 3) as SQL on a layer's feature table.

pygeofilter parses the text or JSON encoding; this module walks its syntax tree into a WHERE
fragment with bound parameters. (pygeofilter's own SQL backends expect ORM columns; here a
property is a key of the `properties` jsonb column, the geometry the `geom` column in EPSG:4326.)
Every value of the filter goes into a parameter, never into the SQL text.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import lark
import numpy as np
import shapely
import shapely.geometry
from pygeofilter import ast, values

LANGS = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"  # the queryable naming a feature's geometry
MAX_LENGTH = 20_000
MAX_DEPTH = 300  # a long chain of ORs nests as deep as it is long

NUMBER, TEXT, BOOL, GEOM = "a number", "a string", "a boolean", "a geometry"
# a field's type in the layer's registry row (ingest.ARROW_NAMES) -> the filter's type
FIELD_TYPES = {"int64": NUMBER, "float64": NUMBER, "bool": BOOL}
# the jsonb type a property must have to be read as that type (another value reads as null)
JSONB_TYPES = {NUMBER: ("number", "numeric"), BOOL: ("boolean", "boolean")}

COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
               ast.GreaterThan: ">", ast.GreaterEqual: ">="}
SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
           ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
           ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
           ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}
RELATE_PATTERN = re.compile(r"[012TF*]{9}")


class FilterError(ValueError):
    """A filter that cannot be parsed or applied; the message is for the client."""


def parse(text: str, lang: str = "cql2-text") -> ast.Node:
    if lang not in LANGS:
        raise FilterError(f"filter-lang {lang} is not supported; use one of {', '.join(LANGS)}")
    if len(text) > MAX_LENGTH:
        raise FilterError(f"at most {MAX_LENGTH} characters")
    # the parsers build their grammars when imported (about 17 MB): on the first filter asked for
    from pygeofilter.parsers.cql2_json import parse as parse_json
    from pygeofilter.parsers.cql2_text import parse as parse_text

    try:
        node = parse_json(_between_args(json.loads(text))) if lang == "cql2-json" else parse_text(text)
    except lark.exceptions.UnexpectedInput as e:
        # the first line says what and where; the rest repeats the text and lists the tokens
        first = str(e).split("\n", 1)[0]
        expected = sorted(getattr(e, "expected", None) or getattr(e, "allowed", None) or [])
        raise FilterError(first + (f"; expected one of: {', '.join(expected)}" if expected else ""))
    except RecursionError:
        raise FilterError("nested too deeply")
    except Exception as e:  # the JSON parser's and the transformers' errors: all about the text
        raise FilterError(str(e) or type(e).__name__)
    if not isinstance(node, ast.Node):
        raise FilterError("a condition expected")
    return node


def _between_args(node: Any) -> Any:
    """CQL2 JSON 1.0 writes BETWEEN's bounds as the 2nd and 3rd args, pygeofilter 0.4 reads them
    as one [low, high] array (an earlier draft's form): the standard's form is rewritten."""
    if isinstance(node, list):
        return [_between_args(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _between_args(v) for k, v in node.items()}
    args = node.get("args")
    if node.get("op") == "between" and isinstance(args, list) and len(args) == 3:
        node["args"] = [args[0], args[1:]]
    return node


def to_sql(text: str, lang: str, fields: Iterable[Mapping[str, str]],
           reproject: Callable[[shapely.Geometry], shapely.Geometry] | None = None
           ) -> tuple[str, dict[str, Any]]:
    """The filter as a WHERE fragment and its parameters (named `cql0`, `cql1`, ...).

    `fields` are the layer's (name, type); `reproject` takes a geometry of the filter from
    filter-crs to CRS84 (lon/lat)."""
    translator = _Translator(fields, lang, reproject)
    node = parse(text, lang)
    try:
        return translator.condition(node, 0), translator.params
    except (TypeError, AttributeError) as e:
        # pygeofilter's JSON reader passes malformed operands on as they are (e.g. IN's list as
        # a number): what the walk then trips over is the client's
        raise FilterError(f"malformed operands: {e}")


class _Translator:
    def __init__(self, fields: Iterable[Mapping[str, str]], lang: str,
                 reproject: Callable[[shapely.Geometry], shapely.Geometry] | None):
        self.types = {f["name"]: FIELD_TYPES.get(f.get("type", ""), TEXT) for f in fields}
        self.lang = lang
        self.reproject = reproject
        self.params: dict[str, Any] = {}
        self.names: dict[str, str] = {}

    def param(self, value: Any) -> str:
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL takes no NUL in a string
            raise FilterError("NUL characters are not allowed")
        name = f"cql{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # --- conditions ----------------------------------------------------------------------------

    def condition(self, node: Any, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise FilterError("nested too deeply")
        d = depth + 1
        if isinstance(node, (ast.And, ast.Or)):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return f"({self.condition(node.lhs, d)} {op} {self.condition(node.rhs, d)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.condition(node.sub_node, d)})"
        if isinstance(node, ast.Include):
            return "false" if node.not_ else "true"
        if type(node) in COMPARISONS:
            (lhs, lt), (rhs, rt) = self.expression(node.lhs, d), self.expression(node.rhs, d)
            self.same_type(node.op.value, lt, rt, ordered=not isinstance(node, (ast.Equal, ast.NotEqual)))
            return f"({lhs} {COMPARISONS[type(node)]} {rhs})"
        if isinstance(node, ast.Between):
            lhs, lt = self.expression(node.lhs, d)
            (low, low_t), (high, high_t) = self.expression(node.low, d), self.expression(node.high, d)
            self.same_type("BETWEEN", lt, low_t, ordered=True)
            self.same_type("BETWEEN", lt, high_t, ordered=True)
            return f"({lhs} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high})"
        if isinstance(node, ast.Like):
            lhs, lt = self.expression(node.lhs, d)
            if lt != TEXT:
                raise FilterError(f"LIKE needs a string, not {lt}")
            op = "ILIKE" if node.nocase else "LIKE"
            return f"({lhs} {'NOT ' if node.not_ else ''}{op} {self.pattern(node.pattern, d)})"
        if isinstance(node, ast.In):
            lhs, lt = self.expression(node.lhs, d)
            options = []
            for option in node.sub_nodes:
                sql, t = self.expression(option, d)
                self.same_type("IN", lt, t)
                options.append(sql)
            if not options:
                raise FilterError("IN needs at least one value")
            return f"({lhs} {'NOT ' if node.not_ else ''}IN ({', '.join(options)}))"
        if isinstance(node, ast.IsNull):
            lhs, _ = self.expression(node.lhs, d)
            return f"({lhs} IS {'NOT ' if node.not_ else ''}NULL)"
        if type(node) in SPATIAL:
            lhs, rhs = self.geometry(node.lhs, d), self.geometry(node.rhs, d)
            return f"{SPATIAL[type(node)]}({lhs}, {rhs})"
        if isinstance(node, ast.Relate):
            if not isinstance(node.pattern, str) or not RELATE_PATTERN.fullmatch(node.pattern):
                raise FilterError("RELATE needs a 9-character pattern of 0, 1, 2, T, F and *")
            lhs, rhs = self.geometry(node.lhs, d), self.geometry(node.rhs, d)
            return f"ST_Relate({lhs}, {rhs}, {self.param(node.pattern)})"
        if isinstance(node, ast.BBox):
            box = self.literal_geometry(
                values.Envelope(node.minx, node.maxx, node.miny, node.maxy), node.crs)
            return f"ST_Intersects({self.geometry(node.lhs, d)}, {box})"
        raise FilterError(f"{_name(node)} is not supported")

    def same_type(self, op: str, left: str, right: str, ordered: bool = False) -> None:
        if left != right:
            raise FilterError(f"{op}: cannot compare {left} with {right}")
        if left == GEOM or (ordered and left == BOOL):
            raise FilterError(f"{op} does not apply to {left}")

    def pattern(self, node: Any, depth: int) -> str:
        """A LIKE pattern: a string (or CASEI of one) in CQL2's syntax, which is PostgreSQL's:
        % any characters, _ one character, \\ escapes."""
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            return f"lower({self.pattern(node.arguments[0], depth + 1)})"
        if not isinstance(node, str):
            raise FilterError("LIKE needs a string pattern")
        if (len(node) - len(node.rstrip("\\"))) % 2:
            raise FilterError("a LIKE pattern must not end with the escape character \\")
        return self.param(node)

    # --- expressions ---------------------------------------------------------------------------

    def expression(self, node: Any, depth: int) -> tuple[str, str]:
        """SQL of a scalar expression and its type."""
        if depth > MAX_DEPTH:
            raise FilterError("nested too deeply")
        if isinstance(node, ast.Attribute):
            return self.attribute(node.name)
        if isinstance(node, bool):
            return self.param(node), BOOL
        if isinstance(node, (int, float)):
            return self.param(node), NUMBER
        if isinstance(node, str):
            return self.param(node), TEXT
        if isinstance(node, (dt.date, dt.datetime)):
            # dates are kept as ISO 8601 strings in properties, which compare as the dates do
            return self.param(node.isoformat()), TEXT
        if isinstance(node, (values.Geometry, values.Envelope)):
            return self.literal_geometry(node), GEOM
        if isinstance(node, ast.Function):
            if node.name.lower() == "lower" and len(node.arguments) == 1:  # CASEI
                sql, t = self.expression(node.arguments[0], depth + 1)
                if t != TEXT:
                    raise FilterError(f"CASEI needs a string, not {t}")
                return f"lower({sql})", TEXT
            raise FilterError(f"function {node.name} is not supported")
        raise FilterError(f"{_name(node)} is not supported")

    def attribute(self, name: Any) -> tuple[str, str]:
        if not isinstance(name, str):
            raise FilterError("a property's name must be a string")
        if name == GEOMETRY:
            return "geom", GEOM
        if name not in self.types:
            raise FilterError(f"unknown property {name}; queryables: "
                              f"{', '.join([GEOMETRY, *sorted(self.types)])}")
        if name not in self.names:
            self.names[name] = self.param(name)
        key, kind = self.names[name], self.types[name]
        if kind in JSONB_TYPES:
            json_type, sql_type = JSONB_TYPES[kind]
            # a value of another JSON type (a mixed column) reads as null, never a cast error
            return (f"(CASE WHEN jsonb_typeof(properties -> {key}) = '{json_type}' "
                    f"THEN CAST(properties ->> {key} AS {sql_type}) END)", kind)
        return f"(properties ->> {key})", TEXT

    def geometry(self, node: Any, depth: int) -> str:
        sql, t = self.expression(node, depth)
        if t != GEOM:
            raise FilterError(f"a spatial function needs geometries, not {t}")
        return sql

    def literal_geometry(self, value: values.Geometry | values.Envelope, crs: str | None = None) -> str:
        if crs:
            raise FilterError("give the CRS of the filter's geometries in filter-crs")
        try:
            if isinstance(value, values.Envelope):
                if self.lang == "cql2-json":
                    # pygeofilter fills Envelope(x1, x2, y1, y2) from [minx, miny, maxx, maxy]
                    x0, y0, x1, y1 = value.x1, value.x2, value.y1, value.y2
                else:
                    x0, x1, y0, y1 = value.x1, value.x2, value.y1, value.y2
                geom = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            else:
                if "crs" in value.geometry:  # EWKT's SRID=...;
                    raise FilterError("give the CRS of the filter's geometries in filter-crs")
                geom = shapely.geometry.shape(value.geometry)
            if self.reproject is not None:
                geom = self.reproject(geom)
            if not shapely.is_valid(geom):
                geom = shapely.make_valid(geom)
        except FilterError:
            raise
        except Exception as e:  # shapely's and GEOS's: the literal is not a geometry
            raise FilterError(f"invalid geometry: {e}")
        if not geom.is_empty and not np.isfinite(shapely.bounds(geom)).all():
            raise FilterError("a geometry lies outside the area of filter-crs")
        return f"ST_GeomFromWKB({self.param(shapely.to_wkb(geom))}, 4326)"


def _name(node: Any) -> str:
    op = getattr(node, "op", None)
    return str(op.value) if op is not None and hasattr(op, "value") else type(node).__name__
