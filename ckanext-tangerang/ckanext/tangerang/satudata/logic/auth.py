"""Auth functions of Satu Data, and who holds the Walidata role."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz

from ckanext.tangerang import city

__all__ = [
    "tangerang_city_show", "tangerang_review_submit", "tangerang_review_approve",
    "tangerang_review_return", "tangerang_review_history", "tangerang_walidata_dashboard",
    "tangerang_download_count", "package_show",
    "tangerang_table_load", "tangerang_table_load_show",
    "tangerang_standard_list", "tangerang_standard_show", "tangerang_standard_create",
    "tangerang_standard_update", "tangerang_standard_delete",
]


def is_walidata(user_name: str | None) -> bool:
    """A sysadmin, named in ``walidata_users``, or an editor/admin (by default) of the walidata org."""
    if not user_name:
        return False
    if authz.is_sysadmin(user_name):
        return True
    if user_name in tk.config.get("ckanext.tangerang.satudata.walidata_users"):
        return True
    capacities = tk.config.get("ckanext.tangerang.satudata.walidata_capacities")
    if not capacities or capacities == ["none"]:
        return False
    try:
        orgs = tk.get_action("organization_list_for_user")(
            {"ignore_auth": True}, {"id": user_name, "permission": "read", "include_dataset_count": False})
    except tk.ObjectNotFound:  # a name of no account (CKAN's site user by address, a deleted user)
        return False
    walidata_org = city.current().meta["walidata_org"]
    return any(o["name"] == walidata_org and o.get("capacity") in capacities for o in orgs)


def _walidata_only(context: dict[str, Any]) -> dict[str, Any]:
    if is_walidata(context.get("user")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the Walidata may do this")}


def _can_edit(context: dict[str, Any], data_dict: dict[str, Any]) -> bool:
    try:
        tk.check_access("package_update", dict(context), {"id": data_dict.get("id")})
        return True
    except tk.NotAuthorized:
        return False


@tk.auth_allow_anonymous_access
def tangerang_city_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, bool]:
    return {"success": True}


def tangerang_review_submit(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    if _can_edit(context, data_dict):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of the dataset's OPD may submit it")}


def tangerang_review_approve(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)


def tangerang_review_return(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)


def tangerang_review_history(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    if is_walidata(context.get("user")) or _can_edit(context, data_dict):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the dataset's OPD and the Walidata see its review history")}


def tangerang_walidata_dashboard(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)


@tk.auth_allow_anonymous_access
def tangerang_download_count(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    try:
        tk.check_access("resource_show", dict(context), {"id": data_dict.get("id")})
        return {"success": True}
    except tk.NotAuthorized:
        return {"success": False}


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth, context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The Walidata reads every OPD's drafts and restricted datasets to review them."""
    result = next_auth(context, data_dict)
    if not result.get("success") and is_walidata(context.get("user")):
        return {"success": True}
    return result


def tangerang_table_load(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Whoever may edit the resource may load its file again."""
    return _allowed("resource_update", context, data_dict)


@tk.auth_allow_anonymous_access
def tangerang_table_load_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """A load's progress and report (column types, the file's problems) are for whoever may see
    the resource: they hold no personal data and no server paths."""
    return _allowed("resource_show", context, data_dict)


def _allowed(action: str, context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    try:
        tk.check_access(action, dict(context), {"id": data_dict.get("id")})
        return {"success": True}
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("You may not see or change this resource")}



@tk.auth_allow_anonymous_access
def tangerang_standard_list(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Data standards are public: OPDs and developers read them before they publish."""
    return {"success": True}


@tk.auth_allow_anonymous_access
def tangerang_standard_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return {"success": True}


def tangerang_standard_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)


def tangerang_standard_update(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)


def tangerang_standard_delete(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    return _walidata_only(context)
