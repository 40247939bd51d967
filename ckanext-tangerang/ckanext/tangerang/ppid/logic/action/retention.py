"""Retention (UU PDP): the daily purge of personal data past its period, and the erasures
requesters asked for once their request and any keberatan are closed.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang.ppid import lib
from ckanext.tangerang.ppid.logic import personal, subject
from ckanext.tangerang.ppid.model import Objection, Request


def ppid_personal_data_purge(context, data_dict):
    """Erase the requester's personal data and identity files of requests closed longer than the
    retention period (UU PDP), and the erasures requesters asked for once their request and any
    keberatan or dispute on it are closed; the request itself stays for the register and the
    reports.

    :returns: {"purged": n, "asked": n}
    """
    tk.check_access("ppid_personal_data_purge", context, data_dict)
    today = lib.today()
    limit = today - dt.timedelta(days=lib.setting("retention_days"))
    # an objection being decided or a dispute at the Komisi Informasi keeps the data
    open_objections = sa.exists().where(Objection.request_id == Request.id,
                                        personal.objection_open(today))
    closed = sa.func.coalesce(Request.decided_date, Request.completion_due)
    requests = model.Session.query(Request).filter(
        Request.state.in_(("decided", "lapsed")), closed < limit, Request.name != "",
        ~open_objections).all()
    removed: list[str] = []
    for req in requests:
        removed += subject.erase(req)
    asked, more = subject.carry_out_waiting(today)
    model.Session.commit()
    lib.remove_stored(removed + more)
    return {"purged": len(requests), "asked": asked}
