"""Appointments of the PPID officers (PPID Utama, Pelaksana, Atasan), with their audit trail.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.logic import validators as v
from ckanext.tangerang.ppid.model import Appointment, AppointmentEvent
from ckanext.tangerang.ppid.logic.action.common import (
    _commit, _iso,
)

log = logging.getLogger(__name__)


# Appointments of the PPID officers -----------------------------------------------------------

def _appointment_dict(appointment: Appointment) -> dict[str, Any]:
    user = model.User.get(appointment.user_id)
    by = model.User.get(appointment.appointed_by) if appointment.appointed_by else None
    return {
        "id": appointment.id, "user_id": appointment.user_id,
        "user_name": user.name if user else None,
        "user_display_name": user.display_name if user else None,
        "role": appointment.role, "opd": appointment.opd,
        "opd_title": lib.opd_title(appointment.opd) if appointment.opd else None,
        "decree": appointment.decree,
        "appointed_by": by.name if by else None, "created": _iso(appointment.created),
    }


def _validated(data_dict: dict, schema_: dict, context: dict) -> dict:
    data, errors = schema.validate(data_dict, schema_, context)
    errors.raise_if_any()
    return data


def _audit(action: str, appointment: Appointment, actor) -> None:
    model.Session.add(AppointmentEvent(
        action=action, appointment_id=appointment.id, user_id=appointment.user_id,
        role=appointment.role, opd=appointment.opd, decree=appointment.decree,
        actor_id=actor.id if actor else None))


@tk.side_effect_free
def ppid_appointment_history(context, data_dict):
    """The audit trail of the appointments, newest first: who was appointed or removed as what,
    by whom, when (sysadmins and PPID Utama, as ``ppid_appointment_list``).

    :param limit: default 100
    """
    tk.check_access("ppid_appointment_history", context, data_dict)
    data, errors = schema.validate(data_dict, schema.paging(100), context)
    errors.raise_if_any()
    rows = model.Session.query(AppointmentEvent).order_by(AppointmentEvent.created.desc()) \
        .limit(data["limit"]).offset(data["offset"]).all()
    out = []
    for row in rows:
        user = model.User.get(row.user_id)
        actor = model.User.get(row.actor_id) if row.actor_id else None
        out.append({"action": row.action, "user_name": user.name if user else None,
                    "user_display_name": user.display_name if user else None,
                    "role": row.role, "opd": row.opd,
                    "opd_title": lib.opd_title(row.opd) if row.opd else None,
                    "decree": row.decree, "by": actor.name if actor else None,
                    "created": _iso(row.created)})
    return out


@tk.side_effect_free
def ppid_appointment_list(context, data_dict):
    """The PPID officers by appointment (sysadmins and PPID Utama).

    :param role: utama, pelaksana or atasan (optional); :param opd: optional
    :returns: appointments, newest first, with the user's name and who appointed them
    """
    tk.check_access("ppid_appointment_list", context, data_dict)
    data = _validated(data_dict, schema.appointment_list_schema(), context)
    q = model.Session.query(Appointment)
    if data.get("role"):
        q = q.filter(Appointment.role == data["role"])
    if data.get("opd"):
        q = q.filter(Appointment.opd == data["opd"])
    return [_appointment_dict(a) for a in
            q.order_by(Appointment.role, Appointment.opd, Appointment.created.desc())]


def ppid_appointment_create(context, data_dict):
    """Appoint a PPID officer. Sysadmins appoint every role; the PPID Utama appoints PPID
    Pelaksana.

    :param user: user name or id of an active account
    :param role: utama, pelaksana (needs ``opd``) or atasan
    :param opd: organization name of an OPD of the city profile (Pelaksana only)
    :param decree: optional reference of the appointing decree (SK)
    """
    tk.check_access("ppid_appointment_create", context, data_dict)
    data = _validated(data_dict, schema.appointment_create_schema(), context)
    role, opd = data["role"], data.get("opd")
    errors = v.Errors()
    if role == "pelaksana" and not opd:
        errors.add("opd", _("A PPID Pelaksana is appointed for one OPD: choose it"))
    elif role != "pelaksana" and opd:
        errors.add("opd", _("Only a PPID Pelaksana is appointed for an OPD; leave it empty for "
                            "the PPID Utama and the Atasan PPID"))
    errors.raise_if_any()
    same = model.Session.query(Appointment).filter(
        Appointment.user_id == data["user"], Appointment.role == role,
        Appointment.opd.is_(None) if opd is None else Appointment.opd == opd).first()
    if same is not None:
        errors.add("user", _("This user already holds this appointment"))
        errors.raise_if_any()
    actor = lib.user_obj(context)
    appointment = Appointment(user_id=data["user"], role=role, opd=opd,
                              decree=data.get("decree"), appointed_by=actor.id if actor else None)
    model.Session.add(appointment)
    model.Session.flush()
    _audit("appoint", appointment, actor)
    try:
        model.Session.commit()
    except IntegrityError:  # the same appointment made at the same moment
        model.Session.rollback()
        errors.add("user", _("This user already holds this appointment"))
        errors.raise_if_any()
    lib.forget_roles()
    log.info("PPID appointment %s: user %s as %s %s by %s", appointment.id, appointment.user_id,
             role, opd or "", appointment.appointed_by)
    return _appointment_dict(appointment)


def ppid_appointment_delete(context, data_dict):
    """Remove an appointment. Sysadmins remove every role; the PPID Utama removes PPID
    Pelaksana.

    :param id: the appointment's id
    """
    tk.check_access("ppid_appointment_delete", context, data_dict)
    data = _validated(data_dict, schema.appointment_delete_schema(), context)
    appointment = model.Session.get(Appointment, data["id"])
    if appointment is None:
        raise tk.ObjectNotFound(_("Appointment not found"))
    actor = lib.user_obj(context)
    log.info("PPID appointment %s removed (user %s as %s %s) by %s", appointment.id,
             appointment.user_id, appointment.role, appointment.opd or "",
             actor.id if actor else None)
    _audit("remove", appointment, actor)
    model.Session.delete(appointment)
    _commit([])
    lib.forget_roles()
