"""Field validators of the PPID schemas (``logic/schema.py``), in CKAN's navl style: each error
names what is allowed and, where one applies, the rule. ``Errors`` gathers the schema's errors
and the workflow table's refusals of a step, so a step answers every problem at once (409)."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid import nik as nik_rules

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}$")


class Errors(dict):
    """Collects every field's errors, then raises them together (HTTP 409)."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise tk.ValidationError(dict(self))


def _empty(value: Any) -> bool:
    return value is tk.missing or value is None or value in ("", [], {}) or \
        (isinstance(value, str) and not value.strip()) or \
        (hasattr(value, "filename") and not getattr(value, "filename"))


def _allowed(allowed: Iterable[str] | Callable[[], Iterable[str]]) -> list[str]:
    return list(allowed() if callable(allowed) else allowed)


# Presence -------------------------------------------------------------------------------------

def required(allowed: Iterable[str] | Callable[[], Iterable[str]] | None = None,
             message: str | None = None):
    """An empty value is an error: "Missing value" and what is allowed."""
    def validator(key, data, errors, context):
        if _empty(data.get(key)):
            if message:
                errors[key].append(message)
            elif allowed is not None:
                errors[key].append(_("Missing value; allowed: %(allowed)s") %
                                   {"allowed": ", ".join(_allowed(allowed))})
            else:
                errors[key].append(_("Missing value"))
            raise tk.StopOnError
    return validator


def optional(key, data, errors, context):
    """An empty value leaves the field out (the action sees None)."""
    if _empty(data.get(key)):
        data.pop(key, None)
        raise tk.StopOnError


def default(value: Any):
    """An empty value becomes ``value`` (checked by the validators after this one)."""
    def validator(key, data, errors, context):
        if _empty(data.get(key)):
            data[key] = value() if callable(value) else value
    return validator


# Values ---------------------------------------------------------------------------------------

def text(max_length: int = 5000):
    def validator(value):
        if not isinstance(value, str):
            raise tk.Invalid(_("Must be text"))
        value = value.strip()
        if len(value) > max_length:
            raise tk.Invalid(_("Must be at most %(max)s characters") % {"max": max_length})
        return value
    return validator


def one_of(allowed: Iterable[str] | Callable[[], Iterable[str]]):
    def validator(value):
        names = _allowed(allowed)
        if value not in names:
            raise tk.Invalid(_("Value not allowed; allowed: %(allowed)s") %
                             {"allowed": ", ".join(names)})
        return value
    return validator


def many_of(allowed: Iterable[str] | Callable[[], Iterable[str]]):
    """A list, or text separated by commas; the answer is sorted without repeats."""
    def validator(value):
        names = _allowed(allowed)
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(value, (list, tuple)) or any(item not in names for item in value):
            raise tk.Invalid(_("Value not allowed; allowed: %(allowed)s") %
                             {"allowed": ", ".join(names)})
        return sorted(set(value))
    return validator


def date(not_future: bool = True):
    def validator(value):
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            try:
                day = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise tk.Invalid(_("Not a date; use YYYY-MM-DD"))
        if not_future and day > lib.today():
            raise tk.Invalid(_("Must not be in the future"))
        return day
    return validator


def integer(minimum: int, maximum: int, rule: str = ""):
    def validator(value):
        message = _("Must be a whole number from %(min)s to %(max)s") % {"min": minimum,
                                                                          "max": maximum}
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise tk.Invalid(message)
        if not minimum <= number <= maximum:
            raise tk.Invalid(f"{message} ({rule})" if rule else message)
        return number
    return validator


def boolean(value: Any) -> bool:
    """A ticked box ("on"), true, yes, 1."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value) and value is not tk.missing


def nik(value: str) -> str:
    messages = {
        "format": _("NIK must be exactly 16 digits"),
        "region": _("NIK: the first six digits are not a valid province, regency and "
                    "district code (Permendagri on kode wilayah)"),
        "birth_date": _("NIK: digits 7 to 12 are not a valid birth date (DDMMYY, day + 40 "
                        "for women)"),
        "serial": _("NIK: the last four digits cannot be 0000"),
    }
    try:
        return nik_rules.validate(value, lib.today())
    except nik_rules.NikError as error:
        raise tk.Invalid(messages[error.code])


def email(value: str) -> str:
    if not EMAIL.match(value):
        raise tk.Invalid(_("Not a valid email address"))
    return value


def phone(value: str) -> str:
    if not PHONE.match(value):
        raise tk.Invalid(_("Not a valid phone number (digits, spaces, dashes, leading +)"))
    return value


def _read_upload(value: Any) -> tuple:
    messages = {
        "missing": _("Missing file"),
        "size": _("File is larger than %(max)s KB") % {
            "max": lib.setting("upload_max_bytes") // 1024},
        "type": _("File must be PDF, JPEG or PNG (checked on its content)"),
    }
    try:
        return lib.read_upload(value)
    except lib.UploadError as error:
        raise tk.Invalid(messages[error.code])


def upload(value: Any) -> tuple:
    """An uploaded file, checked on its content: (filename, bytes, mimetype)."""
    return _read_upload(value)


def uploads(value: Any) -> list[tuple]:
    items = value if isinstance(value, (list, tuple)) else [value]
    return [_read_upload(item) for item in items if not _empty(item)]


def as_dict(value: Any) -> dict:
    """A JSON object, or the object itself; anything else is empty."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            found = json.loads(value)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    return {}
