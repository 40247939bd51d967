"""Urusan pemerintahan as CKAN groups: one group per urusan of the code list (`ckan tangerang
satudata sync-urusan` makes them), and each dataset a member of its urusan's group only, so group
pages, the groups facet and the Satu Peta themes follow the standard's field."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang.satudata import codelists


def set_urusan_group(package_id: str, urusan: str | None) -> None:
    """Within the running dataset update (nothing committed here, so the index that follows
    sees the groups): in the urusan's group, out of the other urusan groups. Groups that are no
    urusan (themes an admin made) are left alone, and so is a dataset without the field (a
    portal not using the Satu Data schema)."""
    if not urusan:
        return
    names = set(codelists.values("urusan"))
    wanted = model.Group.get(urusan)
    memberships = model.Session.query(model.Member, model.Group).join(
        model.Group, model.Group.id == model.Member.group_id).filter(
        model.Member.table_name == "package", model.Member.table_id == package_id,
        model.Member.state == "active", model.Group.is_organization.is_(False))
    for member, group in memberships:
        if group.name in names and (wanted is None or group.id != wanted.id):
            member.state = "deleted"  # as CKAN's own package_membership_list_save does
    if wanted is not None and wanted.state == "active" and not wanted.is_organization:
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        tk.get_action("member_create")(
            {"user": site_user["name"], "ignore_auth": True, "defer_commit": True},
            {"id": wanted.id, "object": package_id, "object_type": "package", "capacity": "public"})
    model.Session.flush()


def urusan_groups() -> list[dict[str, Any]]:
    """The groups the code list asks for: name = the urusan's code, titles in both languages."""
    return [{"name": c.value, "title": c.label_id,
             "description": f"Urusan pemerintahan: {c.label_id} ({c.label_en})."}
            for c in codelists.codes("urusan")]
