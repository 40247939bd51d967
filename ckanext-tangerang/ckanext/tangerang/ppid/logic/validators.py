"""Field checks: each error names the field, what is allowed and, where one applies, the rule."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import nik as nik_rules
from ckanext.tangerang.ppid import lib

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}$")


class Errors(dict):
    """Collects every field's errors, then raises them together (HTTP 409)."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise tk.ValidationError(dict(self))


def text(data: dict, field: str, errors: Errors, required: bool = True,
         max_length: int = 5000) -> str | None:
    value = data.get(field)
    value = value.strip() if isinstance(value, str) else value
    if value in (None, "", [], {}):
        if required:
            errors.add(field, _("Missing value"))
        return None
    if not isinstance(value, str):
        errors.add(field, _("Must be text"))
        return None
    if len(value) > max_length:
        errors.add(field, _("Must be at most %(max)s characters") % {"max": max_length})
        return None
    return value


def one_of(data: dict, field: str, allowed: Iterable[str], errors: Errors,
           required: bool = True, default: str | None = None) -> str | None:
    allowed = list(allowed)
    value = data.get(field) or default
    if not value:
        if required:
            errors.add(field, _("Missing value; allowed: %(allowed)s") %
                       {"allowed": ", ".join(allowed)})
        return None
    if value not in allowed:
        errors.add(field, _("Value not allowed; allowed: %(allowed)s") %
                   {"allowed": ", ".join(allowed)})
        return None
    return value


def many_of(data: dict, field: str, allowed: Iterable[str], errors: Errors) -> list[str]:
    allowed = list(allowed)
    value = data.get(field) or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in value if v not in allowed]
    if bad:
        errors.add(field, _("Value not allowed; allowed: %(allowed)s") %
                   {"allowed": ", ".join(allowed)})
        return []
    return sorted(set(value))


def date(data: dict, field: str, errors: Errors, default: dt.date | None = None,
         not_future: bool = True) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        return default
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            errors.add(field, _("Not a date; use YYYY-MM-DD"))
            return None
    if not_future and day > lib.today():
        errors.add(field, _("Must not be in the future"))
        return None
    return day


def integer(data: dict, field: str, errors: Errors, minimum: int, maximum: int,
            rule: str = "") -> int | None:
    value = data.get(field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _("Must be a whole number from %(min)s to %(max)s") %
                   {"min": minimum, "max": maximum})
        return None
    if not minimum <= number <= maximum:
        message = _("Must be a whole number from %(min)s to %(max)s") % {"min": minimum,
                                                                          "max": maximum}
        errors.add(field, f"{message} ({rule})" if rule else message)
        return None
    return number


def boolean(data: dict, field: str) -> bool:
    value = data.get(field)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def nik(data: dict, field: str, errors: Errors) -> str | None:
    value = text(data, field, errors, max_length=32)
    if value is None:
        return None
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
        errors.add(field, messages[error.code])
        return None


def email(data: dict, field: str, errors: Errors, required: bool = False) -> str | None:
    value = text(data, field, errors, required=required, max_length=254)
    if value is not None and not EMAIL.match(value):
        errors.add(field, _("Not a valid email address"))
        return None
    return value


def phone(data: dict, field: str, errors: Errors) -> str | None:
    value = text(data, field, errors, required=False, max_length=32)
    if value is not None and not PHONE.match(value):
        errors.add(field, _("Not a valid phone number (digits, spaces, dashes, leading +)"))
        return None
    return value


def upload(data: dict, field: str, errors: Errors, required: bool) -> tuple | None:
    value = data.get(field)
    if value is None or value == "" or (hasattr(value, "filename") and not value.filename):
        if required:
            errors.add(field, _("Missing file"))
        return None
    messages = {
        "missing": _("Missing file"),
        "size": _("File is larger than %(max)s KB") % {
            "max": lib.setting("upload_max_bytes") // 1024},
        "type": _("File must be PDF, JPEG or PNG (checked on its content)"),
    }
    try:
        return lib.read_upload(value)
    except lib.UploadError as error:
        errors.add(field, messages[error.code])
        return None


def uploads(data: dict, field: str, errors: Errors) -> list[tuple]:
    value = data.get(field) or []
    if not isinstance(value, (list, tuple)):
        value = [value]
    found = []
    for index, item in enumerate(value):
        checked = upload({field: item}, field, errors, required=False)
        if checked:
            found.append(checked)
    return found


def as_dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        import json
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return {}
