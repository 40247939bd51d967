"""Who may do what: PPID Utama every request, a PPID Pelaksana its OPD's, the Atasan PPID the
objections; the requester through the private tracking token (checked by the action)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckan import model

from ckanext.tangerang.ppid import lib, workflow
from ckanext.tangerang.ppid.model import Appointment, DipEntry, Request


def _ok():
    return {"success": True}


def _no(message: str):
    return {"success": False, "msg": message}


def _request_opd(data_dict) -> tuple[bool, str | None]:
    ident = (data_dict or {}).get("id") or (data_dict or {}).get("number")
    req = Request.get(ident) if ident else None
    return req is not None, req.opd if req else None


def _roles(user, opd: str | None) -> set[str]:
    """The workflow table's roles (ppid/workflow.py) the user holds for a request of ``opd``."""
    roles = set()
    if lib.is_utama(user):
        roles.add("utama")
    if opd and opd in lib.pelaksana_opds(user):
        roles.add("pelaksana")
    if lib.is_atasan(user):
        roles.add("atasan")
    return roles


@tk.auth_allow_anonymous_access
def ppid_choices(context, data_dict):
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_request_create(context, data_dict):
    # anyone may ask for public information, with or without an account (UU KIP Ps 4)
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_request_resend_link(context, data_dict):
    # the link goes only to the address stored with the request
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_request_track(context, data_dict):
    # the token is the requester's key; the action refuses a wrong one
    return _ok()


def ppid_request_show(context, data_dict):
    user = lib.user_obj(context)
    found, opd = _request_opd(data_dict)
    if not found:
        # existence is not a secret of another OPD; the action answers Not found
        return _ok() if lib.is_officer(user) else _no(_("Only PPID officers may see requests"))
    if lib.can_handle(user, opd) or lib.is_atasan(user):
        return _ok()
    return _no(_("Only the PPID Utama and the PPID Pelaksana of the request's OPD may see it"))


def ppid_request_list(context, data_dict):
    if lib.is_officer(lib.user_obj(context)):
        return _ok()
    return _no(_("Only PPID officers may list requests"))


def ppid_request_handle(context, data_dict):
    """Steps of the officers in charge: ask completion, extend, decide, register objections."""
    user = lib.user_obj(context)
    found, opd = _request_opd(data_dict)
    # the officer steps of the table (ask_completion, extend, decide) share their roles
    if workflow.may("decide", _roles(user, opd if found else None)):
        return _ok()
    return _no(_("Only the PPID Utama and the PPID Pelaksana of the request's OPD may handle it"))


def ppid_request_route(context, data_dict):
    if workflow.may("route", _roles(lib.user_obj(context), None)):
        return _ok()
    return _no(_("Only the PPID Utama routes requests (disposisi)"))


@tk.auth_allow_anonymous_access
def ppid_request_complete(context, data_dict):
    if (data_dict or {}).get("token"):
        return _ok()
    return ppid_request_handle(context, data_dict)


@tk.auth_allow_anonymous_access
def ppid_objection_create(context, data_dict):
    if (data_dict or {}).get("token"):
        return _ok()
    return ppid_request_handle(context, data_dict)


def ppid_objection_decide(context, data_dict):
    # the action also refuses the officer who decided the request and the PPID side (Ps 36(2))
    if workflow.may("objection_decide", _roles(lib.user_obj(context), None)):
        return _ok()
    return _no(_("Only the Atasan PPID decides objections (UU KIP Ps 36(2))"))


def ppid_dispute_create(context, data_dict):
    if workflow.may("dispute", _roles(lib.user_obj(context), None)):
        return _ok()
    return _no(_("Only the PPID Utama or the Atasan PPID records disputes"))


def ppid_file_download(context, data_dict):
    """A stored file: its request's officers; documents of a decision also the requester."""
    return ppid_request_show(context, data_dict)


def ppid_holiday_list(context, data_dict):
    if lib.is_officer(lib.user_obj(context)):
        return _ok()
    return _no(_("Only PPID officers may see the calendar settings"))


def ppid_holiday_create(context, data_dict):
    if lib.is_utama(lib.user_obj(context)):
        return _ok()
    return _no(_("Only the PPID Utama manages the working-day calendar"))


def ppid_dip_create(context, data_dict):
    user = lib.user_obj(context)
    opd = (data_dict or {}).get("opd")
    # without an OPD the action asks for one; with one, it must be the caller's
    if lib.is_utama(user) or (lib.pelaksana_opds(user) and (not opd or lib.can_handle(user, opd))):
        return _ok()
    return _no(_("Only the PPID Utama and the OPD's PPID Pelaksana manage its entries"))


def _dip_opd(data_dict) -> str | None:
    ident = (data_dict or {}).get("id")
    entry = model.Session.get(DipEntry, ident) if ident else None
    return entry.opd if entry is not None else None


def ppid_dip_update(context, data_dict):
    """The entry's stored OPD decides, never the OPD sent along; moving an entry to another OPD
    needs the right to both."""
    user = lib.user_obj(context)
    stored = _dip_opd(data_dict)
    wanted = (data_dict or {}).get("opd") or stored
    if stored is None:
        # not found: the action answers so, to officers who could have asked
        allowed = lib.is_utama(user) or bool(lib.pelaksana_opds(user))
    else:
        allowed = lib.can_handle(user, stored) and lib.can_handle(user, wanted)
    if allowed:
        return _ok()
    return _no(_("Only the PPID Utama and the OPD's PPID Pelaksana manage its entries"))


def ppid_dip_delete(context, data_dict):
    user = lib.user_obj(context)
    stored = _dip_opd(data_dict)
    if (stored is None and (lib.is_utama(user) or lib.pelaksana_opds(user))) or \
            lib.can_handle(user, stored):
        return _ok()
    return _no(_("Only the PPID Utama and the OPD's PPID Pelaksana manage its entries"))


@tk.auth_allow_anonymous_access
def ppid_dip_show(context, data_dict):
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_dip_list(context, data_dict):
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_register_list(context, data_dict):
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_statistics(context, data_dict):
    return _ok()


@tk.auth_allow_anonymous_access
def ppid_annual_report(context, data_dict):
    # the annual report is public (UU KIP Ps 12)
    return _ok()


def ppid_remind(context, data_dict):
    if lib.is_utama(lib.user_obj(context)):
        return _ok()
    return _no(_("Only the PPID Utama runs reminders"))



def ppid_personal_data_purge(context, data_dict):
    return ppid_remind(context, data_dict)


# Appointments: sysadmins appoint every role, the PPID Utama only PPID Pelaksana ---------------

def _sysadmin(context) -> bool:
    user = lib.user_obj(context)
    return bool(user and user.sysadmin)


def ppid_appointment_list(context, data_dict):
    if lib.is_utama(lib.user_obj(context)):
        return _ok()
    return _no(_("Only sysadmins and the PPID Utama see the PPID appointments"))


def ppid_appointment_history(context, data_dict):
    return ppid_appointment_list(context, data_dict)


def ppid_appointment_create(context, data_dict):
    if _sysadmin(context):
        return _ok()
    if not lib.is_utama(lib.user_obj(context)):
        return _no(_("Only sysadmins and the PPID Utama appoint PPID officers"))
    if (data_dict or {}).get("role") in ("utama", "atasan"):
        return _no(_("Only a sysadmin appoints the PPID Utama and the Atasan PPID; the PPID Utama "
                     "appoints PPID Pelaksana"))
    return _ok()


def ppid_appointment_delete(context, data_dict):
    if _sysadmin(context):
        return _ok()
    if not lib.is_utama(lib.user_obj(context)):
        return _no(_("Only sysadmins and the PPID Utama remove PPID officers"))
    ident = (data_dict or {}).get("id")
    appointment = model.Session.get(Appointment, ident) if ident else None
    if appointment is not None and appointment.role != "pelaksana":
        return _no(_("Only a sysadmin removes the PPID Utama and the Atasan PPID"))
    return _ok()
