"""Actions of the audit trail: reading it, for sysadmins (security/audit.py writes it)."""
from __future__ import annotations

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.security.logic import schema
from ckanext.tangerang.security.model import AuditEvent

@tk.side_effect_free
def tangerang_audit_list(context, data_dict):
    """The audit trail of administrative changes, newest first (sysadmins only).

    :param event: one kind of change (sysadmin_grant, sysadmin_revoke, member_add, member_change,
        member_remove, ppid_appoint, ppid_remove, setting_change, user_state, api_token_create,
        api_token_revoke), optional
    :param actor: user name or id of who made the changes ("system": the command line), optional
    :param object: id or name of what was changed (a user, organization, group or setting key;
        a membership's user too), optional
    :param channel: web, api or cli, optional
    :param since: from this date (YYYY-MM-DD) or ISO 8601 date and time (UTC), optional
    :param until: up to this date (the whole day) or date and time, optional
    :param limit: rows to return, 1 to 1000 (default 50)
    :param offset: rows to skip (default 0)
    :returns: ``count`` (rows matching), ``limit``, ``offset`` and ``results``: each with id,
        created (UTC), actor_id, actor_name, channel, action, event, object_type, object_id,
        object_name, before and after
    """
    tk.check_access("tangerang_audit_list", context, data_dict)
    data = schema.validate(data_dict, schema.audit_list_schema(), context)
    q = model.Session.query(AuditEvent)
    if data.get("event"):
        q = q.filter(AuditEvent.event == data["event"])
    if data.get("channel"):
        q = q.filter(AuditEvent.channel == data["channel"])
    if data.get("actor"):
        q = q.filter(sa.or_(AuditEvent.actor_name == data["actor"],
                            AuditEvent.actor_id == data["actor"]))
    if data.get("object"):
        value = data["object"]
        q = q.filter(sa.or_(AuditEvent.object_id == value, AuditEvent.object_name == value,
                            AuditEvent.before["user"].astext == value,
                            AuditEvent.after["user"].astext == value,
                            AuditEvent.before["user_id"].astext == value,
                            AuditEvent.after["user_id"].astext == value))
    if data.get("since"):
        q = q.filter(AuditEvent.created >= data["since"])
    if data.get("until"):
        q = q.filter(AuditEvent.created <= data["until"])
    rows = q.order_by(AuditEvent.created.desc(), AuditEvent.id.desc()) \
        .limit(data["limit"]).offset(data["offset"]).all()
    return {"count": q.order_by(None).count(), "limit": data["limit"], "offset": data["offset"],
            "results": [row.as_dict() for row in rows]}


@tk.side_effect_free
def tangerang_audit_show(context, data_dict):
    """One row of the audit trail (sysadmins only).

    :param id: the row's id
    """
    tk.check_access("tangerang_audit_show", context, data_dict)
    data = schema.validate(data_dict, schema.audit_show_schema(), context)
    row = model.Session.get(AuditEvent, data["id"])
    if row is None:
        raise tk.ObjectNotFound(_("Audit trail entry not found"))
    return row.as_dict()


def get_actions() -> dict:
    return {"tangerang_audit_list": tangerang_audit_list,
            "tangerang_audit_show": tangerang_audit_show}
