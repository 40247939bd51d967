"""Only sysadmins read the audit trail: it names people and what was done to their accounts.
(CKAN lets sysadmins through before these functions run.)"""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _


@tk.auth_disallow_anonymous_access
def tangerang_audit_list(context, data_dict):
    return {"success": False, "msg": _("Only sysadmins may read the audit trail")}


@tk.auth_disallow_anonymous_access
def tangerang_audit_show(context, data_dict):
    return {"success": False, "msg": _("Only sysadmins may read the audit trail")}
