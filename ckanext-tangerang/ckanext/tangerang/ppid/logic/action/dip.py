"""The Daftar Informasi Publik (UU KIP Ps 9-11, 17; Perki 1/2021).
"""
from __future__ import annotations

from typing import Any


import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import DipEntry
from ckanext.tangerang.ppid.logic.action.common import (
    _commit,
)


# Daftar Informasi Publik -----------------------------------------------------------------

DIP_FIELDS = ("number", "summary", "opd", "holder", "responsible", "made", "form", "retention",
              "category", "package_id")


def _dip_dict(entry: DipEntry) -> dict[str, Any]:
    out = {field: getattr(entry, field) for field in DIP_FIELDS}
    out["exemption_grounds"] = entry.exemption_grounds or []
    out["consequence_test"] = entry.consequence_test
    out.update({"id": entry.id, "opd_title": lib.opd_title(entry.opd),
                "modified": entry.modified.isoformat()})
    if entry.package_id:
        pkg = model.Package.get(entry.package_id)
        if pkg is not None and pkg.state == "active" and not pkg.private:
            out["package_name"], out["package_title"] = pkg.name, pkg.title
    return out


def _dip_values(context, data_dict, entry: DipEntry | None) -> tuple[dict[str, Any], v.Errors]:
    flat = schema.flat_consequence_test(data_dict)
    data, errors = schema.validate(flat, schema.dip_entry(
        data_dict.get("category"), schema.temporary_grounds(flat)), context)
    values = {field: data.get(field) for field in DIP_FIELDS}
    values["exemption_grounds"], values["consequence_test"] = None, None
    if data.get("category") == "dikecualikan":
        values["exemption_grounds"] = data.get("exemption_grounds")
        values["consequence_test"] = schema.consequence_test_record(data)
    user = lib.user_obj(context)
    if values["opd"] and not lib.can_handle(user, values["opd"]):
        errors.add("opd", _("You may manage entries only for your own OPD"))
    if entry is not None and not lib.can_handle(user, entry.opd):
        errors.add("opd", _("You may manage entries only for your own OPD"))
    if values["number"]:
        clash = model.Session.query(DipEntry).filter(DipEntry.number == values["number"])
        if entry is not None:
            clash = clash.filter(DipEntry.id != entry.id)
        if clash.first():
            errors.add("number", _("This number is already in the list"))
    return values, errors


def ppid_dip_create(context, data_dict):
    """Add an entry to the Daftar Informasi Publik (Perki 1/2021).

    :param number, summary, holder, responsible, made, retention: text
    :param opd: organization name; :param form: cetak, elektronik, cetak_elektronik
    :param category: berkala, serta_merta, setiap_saat, dikecualikan
    :param package_id: optional dataset holding the information
    :param exemption_grounds, consequence_test: the category "dikecualikan" only, as for a
        rejected request (UU KIP Ps 17, 19; ``until`` a date, required for Ps 17 a-f, Ps 20)
    """
    tk.check_access("ppid_dip_create", context, data_dict)
    values, errors = _dip_values(context, data_dict, None)
    errors.raise_if_any()
    entry = DipEntry(**values)
    model.Session.add(entry)
    _commit([])
    return _dip_dict(entry)


def _get_dip(data_dict) -> DipEntry:
    entry = model.Session.get(DipEntry, data_dict.get("id")) if data_dict.get("id") else None
    if entry is None:
        raise tk.ObjectNotFound(_("Entry not found"))
    return entry


def ppid_dip_update(context, data_dict):
    """Replace an entry's fields (same parameters as ppid_dip_create, plus id)."""
    # the auth function reads the entry's stored OPD: the one sent along must not decide
    tk.check_access("ppid_dip_update", context, data_dict)
    entry = _get_dip(data_dict)
    values, errors = _dip_values(context, data_dict, entry)
    errors.raise_if_any()
    for key, value in values.items():
        setattr(entry, key, value)
    _commit([])
    return _dip_dict(entry)


def ppid_dip_delete(context, data_dict):
    """:param id: the entry to remove."""
    tk.check_access("ppid_dip_delete", context, data_dict)
    entry = _get_dip(data_dict)
    model.Session.delete(entry)
    _commit([])


@tk.side_effect_free
def ppid_dip_show(context, data_dict):
    """:param id: an entry of the Daftar Informasi Publik."""
    tk.check_access("ppid_dip_show", context, data_dict)
    return _dip_dict(_get_dip(data_dict))


@tk.side_effect_free
def ppid_dip_list(context, data_dict):
    """The Daftar Informasi Publik.

    :param category, opd: filters; :param q: words in the summary
    """
    tk.check_access("ppid_dip_list", context, data_dict)
    q = model.Session.query(DipEntry)
    if data_dict.get("category"):
        q = q.filter(DipEntry.category == data_dict["category"])
    if data_dict.get("opd"):
        q = q.filter(DipEntry.opd == data_dict["opd"])
    if data_dict.get("q"):
        q = q.filter(DipEntry.summary.ilike(f"%{data_dict['q']}%"))
    return [_dip_dict(e) for e in q.order_by(DipEntry.category, DipEntry.number)]
