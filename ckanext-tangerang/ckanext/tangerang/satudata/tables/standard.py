"""Standar Data: a Frictionless Table Schema the Walidata publishes, and the check of a table
against it with the `frictionless` library (no CKAN, no database here).

A field may name one of the city profile's code lists instead of spelling out its codes
(`"codelist": "kelurahan"`): `expand()` turns it into the enum constraint frictionless checks.
Every problem is a msgid (N_) with its values, translated where it is shown.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ckanext.tangerang.satudata.tables.read import N_, Source

TYPES = ("string", "integer", "number", "date", "year", "boolean")
CONSTRAINTS = ("required", "minimum", "maximum", "enum", "pattern", "minLength", "maxLength", "unique")
MAX_PROBLEMS = 200
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"$', re.S)


def check(values: dict[str, Any], codelists: Callable[[str], list[str] | None],
          _: Callable[[str], str]) -> dict[str, list[str]]:
    """Errors of a standard as the Walidata wrote it, by field, in the reader's language (`_`);
    empty when it is valid. `codelists(name)` gives the codes of a code list, or None."""
    from frictionless import Schema
    from frictionless.exception import FrictionlessException

    errors: dict[str, list[str]] = {}
    if not NAME.match(values.get("name") or ""):
        errors["name"] = [_("Use 2 to 100 lower-case letters, digits, - or _, starting with a letter or digit.")]
    if not (values.get("title") or "").strip():
        errors["title"] = [_("Missing value")]
    schema = values.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list) or not schema["fields"]:
        errors["schema"] = [_("The schema must be a Table Schema object with a list of fields.")]
        return errors
    problems = []
    seen = set()
    for position, field in enumerate(schema["fields"], start=1):
        name = field.get("name") if isinstance(field, dict) else None
        if not name or not isinstance(name, str):
            problems.append(_("Field {position} has no name.").format(position=position))
            continue
        if name in seen:
            problems.append(_("Field {name} appears twice.").format(name=name))
        seen.add(name)
        if field.get("type", "string") not in TYPES:
            problems.append(_("Field {name}: the type must be one of {allowed}.").format(
                name=name, allowed=", ".join(TYPES)))
        unknown = set(field.get("constraints") or {}) - set(CONSTRAINTS)
        if unknown:
            problems.append(_("Field {name}: unknown constraints {unknown}; allowed: {allowed}.").format(
                name=name, unknown=", ".join(sorted(unknown)), allowed=", ".join(CONSTRAINTS)))
        if field.get("codelist") and codelists(field["codelist"]) is None:
            problems.append(_("Field {name}: there is no code list {codelist}.").format(
                name=name, codelist=field["codelist"]))
    if not problems:
        try:
            Schema.from_descriptor(expand(schema, codelists))
        except FrictionlessException as e:
            problems.append(str(e.error.note or e.error.message))
    if problems:
        errors["schema"] = problems
    return errors


def expand(schema: dict[str, Any], codelists: Callable[[str], list[str] | None]) -> dict[str, Any]:
    """The schema frictionless reads: code lists become enum constraints."""
    fields = []
    for field in schema["fields"]:
        field = dict(field)
        if field.get("codelist"):
            field["constraints"] = {**(field.get("constraints") or {}),
                                    "enum": codelists(field["codelist"]) or []}
        fields.append(field)
    return {**schema, "fields": fields}


def validate(source: Source, schema: dict[str, Any], codelists: Callable[[str], list[str] | None],
             names: list[str | None]) -> tuple[int, list[dict[str, Any]]]:
    """Checks the staged file (CSV or TSV text, or a sheet written as CSV) against the standard:
    the number of problems and the first MAX_PROBLEMS of them, each {row, column, message, params}.

    `names` are the DataStore's column names of the file's header (read.column_names)."""
    from frictionless import Detector, Dialect, Resource, Schema, formats

    problems: list[dict[str, Any]] = []
    present = {n for n in names if n}
    for field in schema["fields"]:
        if field["name"] not in present:
            problems.append(_problem(None, field["name"], N_("The column {column} that the standard "
                                                             "asks for is missing."), column=field["name"]))
    if problems:
        return len(problems), problems
    descriptor = expand(schema, codelists)
    if source.decimal_comma:  # 1.234,56 as Excel writes it here
        for field in descriptor["fields"]:
            if field.get("type") in ("number", "integer"):
                field.setdefault("decimalChar", ",")
                field.setdefault("groupChar", ".")
    resource = Resource(
        path=source.path.name, basepath=str(source.path.parent), format="csv",
        encoding="utf-8" if source.encoding == "UTF8" else "cp1252",
        dialect=Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=source.delimiter)]),
        schema=Schema.from_descriptor(descriptor),
        # columns are matched by name, whatever their order; columns the standard does not
        # name are allowed
        detector=Detector(schema_sync=True))
    report = resource.validate(limit_errors=MAX_PROBLEMS)
    total = report.stats["errors"]
    for error in report.tasks[0].errors if report.tasks else []:
        problems.append(_translate(error.to_descriptor(), schema))
    return max(total, len(problems)), problems[:MAX_PROBLEMS]


def _problem(row, column, message, **params) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message,
            "params": {k: str(v) for k, v in params.items()}}


def _translate(error: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A frictionless error as our message: what is wrong and what is allowed."""
    row, column, cell = error.get("rowNumber"), error.get("fieldName"), error.get("cell")
    field = next((f for f in schema["fields"] if f["name"] == column), {})
    kind = error.get("type")
    if kind == "type-error":
        return _problem(row, column, N_("{value} is not a {type}."), value=cell,
                        type=field.get("type", "string"))
    if kind == "constraint-error":
        match = _CONSTRAINT.search(error.get("note") or "")
        constraint, limit = (match.group(1), match.group(2)) if match else ("", "")
        if constraint == "required":
            return _problem(row, column, N_("A value is required."))
        if constraint == "enum":
            return _problem(row, column, N_("{value} is not in the code list {codelist}."), value=cell,
                            codelist=field.get("codelist") or ", ".join(map(str, field.get("constraints", {}).get("enum", [])[:10])))
        if constraint == "minimum":
            return _problem(row, column, N_("{value} is below the minimum, {limit}."), value=cell, limit=limit)
        if constraint == "maximum":
            return _problem(row, column, N_("{value} is above the maximum, {limit}."), value=cell, limit=limit)
        if constraint == "pattern":
            return _problem(row, column, N_("{value} does not have the form {pattern}."), value=cell, pattern=limit)
        if constraint == "unique":
            return _problem(row, column, N_("{value} appears more than once; each value must be unique."), value=cell)
        return _problem(row, column, N_("{value} breaks the rule {constraint} {limit}."), value=cell,
                        constraint=constraint, limit=limit)
    if kind == "missing-cell":
        return _problem(row, column, N_("The row has no value for this column."))
    if kind == "extra-cell":
        return _problem(row, column, N_("The row has more values than the header has columns."))
    if kind == "blank-row":
        return _problem(row, None, N_("The row is empty."))
    if kind == "duplicate-label":
        return _problem(None, column, N_("The header names this column twice."))
    return _problem(row, column, N_("{detail}"), detail=error.get("note") or error.get("message", ""))
