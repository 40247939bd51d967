"""The audit trail of administrative changes (security/audit.py): each change of sysadmin rights,
memberships, PPID appointments, run-time settings, account states and API tokens made for someone
else is one row, written with the change (a refused or rolled-back change leaves none), read by
sysadmins only, on /ckan-admin/audit and through tangerang_audit_list."""
from __future__ import annotations

import lxml.html
import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories, helpers

from ckanext.tangerang.security.model import AuditEvent
from forms import post_form
from headers_check import assert_security_headers

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db")]


def _rows(event: str, object_id: str | None = None) -> list[AuditEvent]:
    model.Session.expire_all()
    q = model.Session.query(AuditEvent).filter(AuditEvent.event == event)
    if object_id is not None:
        q = q.filter(AuditEvent.object_id == object_id)
    return q.order_by(AuditEvent.created).all()


def _one(event: str, object_id: str) -> AuditEvent:
    rows = _rows(event, object_id)
    assert len(rows) == 1, [(r.event, r.object_name, r.before, r.after) for r in rows]
    return rows[0]


def _membership(event: str, group_id: str, user_name: str) -> AuditEvent:
    rows = [r for r in _rows(event, group_id) if (r.after or r.before)["user"] == user_name]
    assert len(rows) == 1, [(r.event, r.before, r.after) for r in rows]
    return rows[0]


def _api(app, action: str, data: dict, token: str) -> dict:
    resp = app.post(f"/api/3/action/{action}", json=data, headers={"Authorization": token})
    assert resp.status_code == 200, resp.body
    return resp.json


def _as(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


# what is recorded -------------------------------------------------------------------------------

def test_sysadmin_rights_through_the_api_and_the_admin_form_name_who_and_from_where(app):
    admin = factories.SysadminWithToken()
    user = factories.User()
    _api(app, "user_patch", {"id": user["id"], "sysadmin": True}, admin["token"])
    row = _one("sysadmin_grant", user["id"])
    assert (row.actor_id, row.actor_name, row.channel, row.action) == \
        (admin["id"], admin["name"], "api", "user_patch")
    assert (row.object_type, row.object_name) == ("user", user["name"])
    assert (row.before, row.after) == ({"sysadmin": False}, {"sysadmin": True})
    assert row.created.tzinfo is not None

    # /ckan-admin's form: CKAN 2.12 posts to /user/sysadmin
    resp = post_form(app, "/user/sysadmin", {"username": user["name"], "status": "0"},
                     page="/ckan-admin/", headers={"Authorization": admin["token"]})
    assert resp.status_code == 200
    assert not model.User.get(user["id"]).sysadmin
    row = _one("sysadmin_revoke", user["id"])
    assert (row.actor_name, row.channel, row.action) == (admin["name"], "web", "user.sysadmin")
    assert (row.before, row.after) == ({"sysadmin": True}, {"sysadmin": False})


def test_ckan_sysadmin_add_and_remove_on_the_command_line_are_recorded_as_system(cli):
    user = factories.User()
    result = cli.invoke(ckan_cli, ["sysadmin", "add", user["name"]])
    assert result.exit_code == 0, result.output
    row = _one("sysadmin_grant", user["id"])
    assert (row.actor_id, row.actor_name, row.channel, row.action) == \
        (None, "system", "cli", "ckan sysadmin add")
    assert cli.invoke(ckan_cli, ["sysadmin", "remove", user["name"]]).exit_code == 0
    assert _one("sysadmin_revoke", user["id"]).channel == "cli"


def test_organization_membership_and_capacity(app):
    admin = factories.SysadminWithToken()
    org = factories.Organization()
    user = factories.User()
    _api(app, "organization_member_create",
         {"id": org["id"], "username": user["name"], "role": "editor"}, admin["token"])
    row = _membership("member_add", org["id"], user["name"])
    assert (row.actor_name, row.object_type, row.object_name, row.action) == \
        (admin["name"], "organization", org["name"], "organization_member_create")
    assert row.after == {"user": user["name"], "user_id": user["id"], "capacity": "editor"}

    _api(app, "organization_member_create",
         {"id": org["id"], "username": user["name"], "role": "admin"}, admin["token"])
    row = _one("member_change", org["id"])
    assert (row.before["capacity"], row.after["capacity"]) == ("editor", "admin")

    _api(app, "organization_member_delete", {"id": org["id"], "username": user["name"]},
         admin["token"])
    row = _membership("member_remove", org["id"], user["name"])
    assert row.before == {"user": user["name"], "user_id": user["id"], "capacity": "admin"}
    assert row.after is None


def test_memberships_changed_by_organization_update_and_in_groups(app):
    admin = factories.SysadminWithToken()
    org = factories.Organization()
    user = factories.User()
    _api(app, "organization_patch",
         {"id": org["id"], "users": [{"name": user["name"], "capacity": "member"}]},
         admin["token"])
    assert _membership("member_add", org["id"], user["name"]).action == "organization_patch"

    group = factories.Group()
    _api(app, "group_member_create",
         {"id": group["id"], "username": user["name"], "role": "member"}, admin["token"])
    row = _membership("member_add", group["id"], user["name"])
    assert (row.object_type, row.after["capacity"], row.actor_name) == \
        ("group", "member", admin["name"])


def test_ppid_appointment_and_its_end_are_recorded_with_the_appointing_sysadmin():
    admin = factories.Sysadmin()
    officer = factories.User()
    made = helpers.call_action("ppid_appointment_create", _as(admin), user=officer["name"],
                               role="atasan", decree="SK 7/2026")
    row = _one("ppid_appoint", officer["id"])
    assert (row.actor_name, row.object_name) == (admin["name"], officer["name"])
    assert row.after == {"role": "atasan", "opd": None, "decree": "SK 7/2026"}

    other = factories.Sysadmin()
    helpers.call_action("ppid_appointment_delete", _as(other), id=made["id"])
    row = _one("ppid_remove", officer["id"])
    assert row.actor_name == other["name"]
    assert row.before["role"] == "atasan" and row.after is None


def test_settings_changed_at_run_time_with_old_and_new_values_but_never_secrets(app):
    admin = factories.SysadminWithToken()
    # the portal's settings form needs the site's title and description with every change
    site = {key: tk.config.get(key) for key in ("ckan.site_title", "ckan.site_description")}
    for about in ("Tentang A", "Tentang B"):
        _api(app, "config_option_update", {**site, "ckan.site_about": about}, admin["token"])
    rows = _rows("setting_change", "ckan.site_about")
    assert [(r.before["value"], r.after["value"]) for r in rows] == \
        [(None, "Tentang A"), ("Tentang A", "Tentang B")]
    assert (rows[-1].actor_name, rows[-1].channel, rows[-1].action) == \
        (admin["name"], "api", "config_option_update")
    # CKAN's own timestamp of the change is not a setting anyone changed
    assert _rows("setting_change", "ckan.config_update") == []

    model.set_system_info("ckanext.example.api_token", "rahasia-sekali")
    row = _one("setting_change", "ckanext.example.api_token")
    assert row.after == {"value": "[redacted]"} and row.actor_name == "system"
    assert "rahasia-sekali" not in str([(r.before, r.after) for r in _rows("setting_change")])


def test_settings_saved_on_the_admin_config_form_are_recorded_as_web(app):
    admin = factories.SysadminWithToken()
    headers = {"Authorization": admin["token"]}
    page = lxml.html.fromstring(app.get("/ckan-admin/config", headers=headers).body)
    form = page.xpath("//form[.//*[@name='ckan.site_title']]")[0]
    data = {name: value for name, value in form.form_values() if name != "_csrf_token"}
    data.update({"ckan.site_about": "Tentang portal, dari formulir", "save": ""})
    assert post_form(app, "/ckan-admin/config", data, headers=headers).status_code == 200
    row = _rows("setting_change", "ckan.site_about")[-1]
    assert (row.actor_name, row.channel, row.action) == \
        (admin["name"], "web", "admin.config")
    assert row.after == {"value": "Tentang portal, dari formulir"}


def test_user_state_and_api_tokens_made_for_someone_else(app):
    admin = factories.SysadminWithToken()
    user = factories.UserWithToken()  # the factory's token: made by "system"
    made_before = len(_rows("api_token_create", user["id"]))
    _api(app, "api_token_create", {"user": user["name"], "name": "mine"}, user["token"])
    # one's own token is one's own business
    assert len(_rows("api_token_create", user["id"])) == made_before

    token = _api(app, "api_token_create", {"user": user["name"], "name": "ops"},
                 admin["token"])["result"]["token"]
    row = [r for r in _rows("api_token_create", user["id"]) if r.actor_id == admin["id"]]
    assert len(row) == 1 and row[0].after["token_name"] == "ops"
    assert token not in str(row[0].after)
    _api(app, "api_token_revoke", {"token": token}, admin["token"])
    assert _one("api_token_revoke", user["id"]).before["token_name"] == "ops"

    _api(app, "user_delete", {"id": user["id"]}, admin["token"])
    row = _one("user_state", user["id"])
    assert (row.before, row.after, row.actor_name) == \
        ({"state": "active"}, {"state": "deleted"}, admin["name"])


# what is not ---------------------------------------------------------------------------------

def test_refused_and_rolled_back_changes_leave_no_row(app):
    user = factories.UserWithToken()
    org_admin = factories.User()
    org = factories.Organization(users=[{"name": org_admin["name"], "capacity": "admin"}])
    before = model.Session.query(AuditEvent).count()

    # refused: a user making themselves sysadmin (CKAN ignores the field), an outsider adding a
    # member
    _api(app, "user_patch", {"id": user["id"], "sysadmin": True}, user["token"])
    assert not model.User.get(user["id"]).sysadmin
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("organization_member_create", _as(user), id=org["id"],
                            username=user["name"], role="admin")
    # refused by validation
    with pytest.raises(tk.ValidationError):
        helpers.call_action("organization_member_create", _as(org_admin), id=org["id"],
                            username=user["name"], role="raja")
    with pytest.raises(tk.ValidationError):
        helpers.call_action("config_option_update", {"ignore_auth": True},
                            **{"ckan.site_title": ""})
    # made, flushed, then rolled back: its row goes with it
    obj = model.User.get(user["id"])
    obj.sysadmin = True
    model.Session.flush()
    assert model.Session.query(AuditEvent).count() == before + 1
    model.Session.rollback()
    assert model.Session.query(AuditEvent).count() == before
    assert not model.User.get(user["id"]).sysadmin


def test_rows_are_append_only():
    admin = factories.Sysadmin()
    row = _one("sysadmin_grant", admin["id"])
    actor = row.actor_name
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        model.Session.execute(sa.text(
            "UPDATE tangerang_security_audit SET actor_name = 'x' WHERE id = :id"), {"id": row.id})
    model.Session.rollback()
    assert _one("sysadmin_grant", admin["id"]).actor_name == actor


# who reads it -----------------------------------------------------------------------------------

def test_action_filters_pages_and_refuses_bad_filters(app):
    admin = factories.SysadminWithToken()
    users = [factories.User() for _ in range(3)]
    for user in users:
        _api(app, "user_patch", {"id": user["id"], "sysadmin": True}, admin["token"])
    listed = helpers.call_action("tangerang_audit_list", _as(admin), event="sysadmin_grant",
                                 actor=admin["name"], limit=2)
    assert listed["count"] == 3 and len(listed["results"]) == 2
    # newest first
    assert [r["object_name"] for r in listed["results"]] == [users[2]["name"], users[1]["name"]]
    page2 = helpers.call_action("tangerang_audit_list", _as(admin), event="sysadmin_grant",
                                actor=admin["name"], limit=2, offset=2)
    assert [r["object_name"] for r in page2["results"]] == [users[0]["name"]]
    one = helpers.call_action("tangerang_audit_list", _as(admin), object=users[0]["name"])
    assert {r["object_id"] for r in one["results"]} == {users[0]["id"]}
    assert helpers.call_action("tangerang_audit_list", _as(admin), since="2999-01-01")["count"] == 0
    shown = helpers.call_action("tangerang_audit_show", _as(admin), id=one["results"][0]["id"])
    assert shown["event"] == "sysadmin_grant"

    with pytest.raises(tk.ValidationError) as refused:
        helpers.call_action("tangerang_audit_list", _as(admin), event="dance", limit="lots",
                            since="kemarin")
    errors = refused.value.error_dict
    assert set(errors) == {"event", "limit", "since"}, errors
    assert "sysadmin_grant" in errors["event"][0]
    assert "1" in errors["limit"][0] and "1000" in errors["limit"][0]
    assert "YYYY-MM-DD" in errors["since"][0]


def test_action_refuses_everyone_but_sysadmins():
    org_admin = factories.User()
    factories.Organization(users=[{"name": org_admin["name"], "capacity": "admin"}])
    citizen = factories.User()
    for context in (_as(org_admin), _as(citizen), {"user": "", "ignore_auth": False}):
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("tangerang_audit_list", context)
        with pytest.raises(tk.NotAuthorized):
            helpers.call_action("tangerang_audit_show", context, id="x")


def test_page_for_sysadmins_in_indonesian_and_english_and_refused_to_others(app):
    admin = factories.SysadminWithToken()
    user = factories.User()
    _api(app, "user_patch", {"id": user["id"], "sysadmin": True}, admin["token"])
    org = factories.Organization()
    _api(app, "organization_member_create",
         {"id": org["id"], "username": user["name"], "role": "member"}, admin["token"])
    headers = {"Authorization": admin["token"]}

    page = app.get("/ckan-admin/audit", headers=headers)
    assert_security_headers(page)  # the portal's headers, and no inline code outside the CSP
    assert "public" not in page.headers.get("Cache-Control", "")  # it names people
    html = page.body
    assert "Jejak audit" in html and "Hak sysadmin diberikan" in html and user["name"] in html
    assert "Peran: Anggota" in html and "Sysadmin: ya" in html
    assert '<th scope="col">' in html and "<caption>" in html
    assert 'href="/ckan-admin/audit"' in html  # the admin tab
    english = app.get("/en/ckan-admin/audit", headers=headers).body
    assert "Audit trail" in english and "Sysadmin rights granted" in english
    assert "Role: Member" in english and "Sysadmin: yes" in english

    # a filter narrows the rows; a bad one is named in the form, in the page's language
    filtered = app.get("/en/ckan-admin/audit", headers=headers,
                       query_string={"event": "member_remove", "object": user["name"]}).body
    assert "No changes recorded match the filter." in filtered and "<tbody>" not in filtered
    joined = app.get("/en/ckan-admin/audit", headers=headers,
                     query_string={"event": "member_add", "object": user["name"]}).body
    assert "1 change found" in joined and "Role: Member" in joined
    bad = app.get("/ckan-admin/audit", query_string={"since": "kemarin"}, headers=headers)
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.body
    assert "Dari: tanggal dalam bentuk YYYY-MM-DD" in bad.body

    org_admin = factories.UserWithToken()
    factories.Organization(users=[{"name": org_admin["name"], "capacity": "admin"}])
    citizen = factories.UserWithToken()
    for who in (org_admin, citizen):
        resp = app.get("/ckan-admin/audit", headers={"Authorization": who["token"]})
        assert resp.status_code == 403, who["name"]
        assert user["name"] not in resp.body
    anonymous = app.get("/ckan-admin/audit", follow_redirects=False)
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
