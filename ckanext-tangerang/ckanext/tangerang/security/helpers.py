"""Template helpers of the security subsystem (``h.tangerang_csp_nonce``)."""
from __future__ import annotations

from ckan.plugins.toolkit import _

from ckanext.tangerang.security import headers


def tangerang_csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy, for `<script nonce="...">`."""
    return headers.csp_nonce()


def tangerang_audit_labels() -> dict:
    """The audit trail's words: each kind of event, channel and kind of object."""
    return {
        "sysadmin_grant": _("Sysadmin rights granted"),
        "sysadmin_revoke": _("Sysadmin rights revoked"),
        "member_add": _("Member added"),
        "member_change": _("Member's role changed"),
        "member_remove": _("Member removed"),
        "ppid_appoint": _("PPID officer appointed"),
        "ppid_remove": _("PPID appointment ended"),
        "setting_change": _("Setting changed"),
        "user_state": _("Account state changed"),
        "api_token_create": _("API token created for the user"),
        "api_token_revoke": _("API token of the user revoked"),
        "web": _("web"), "api": _("API"), "cli": _("command line"),
        "user": _("user"), "organization": _("organization"), "group": _("group"),
        "setting": _("setting"),
    }


def tangerang_audit_value(key: str, value) -> str:
    """A value of the trail's before/after in words: capacities and states through the
    catalogue, PPID roles by their titles, anything else (names, setting values) as stored."""
    words = {
        "capacity": {"admin": _("Admin"), "editor": _("Editor"), "member": _("Member")},
        "state": {"active": _("Active"), "deleted": _("Deleted"), "pending": _("Pending")},
        "role": {"utama": "PPID Utama", "pelaksana": "PPID Pelaksana", "atasan": "Atasan PPID"},
    }
    if value is True or value is False:
        return _("yes") if value else _("no")
    return words.get(key, {}).get(value, value)


def get_helpers():
    return {"tangerang_csp_nonce": tangerang_csp_nonce,
            "tangerang_audit_labels": tangerang_audit_labels,
            "tangerang_audit_value": tangerang_audit_value}
