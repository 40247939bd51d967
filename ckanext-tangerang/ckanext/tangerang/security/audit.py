"""The recorder of the audit trail. A listener on the session's ``after_flush`` looks at every
changed user, membership, run-time setting, API token and PPID appointment, whichever path changed
it (a web form, the API, a ``ckan`` command that edits the model directly), and inserts its rows
on the flush's connection: they are committed, or rolled back, with the change itself.

Who did it: the signed-in user of the request (web page or API), "system" on the command line and
in jobs. PPID appointments carry their own actor (the rows PPID writes with them): PPID's modules
are not imported here, its tables are recognised by name."""
from __future__ import annotations

import logging
import re
from typing import Any, Iterator, Optional

import click
import flask
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from ckan import model
from ckan.model import meta

from ckanext.tangerang.security.model import AuditEvent

log = logging.getLogger(__name__)

# CKAN's own timestamp of the last settings change, written with every change
SKIPPED_SETTINGS = frozenset({"ckan.config_update"})
# settings whose values are never written to the trail (only that they changed)
SECRET_SETTING = re.compile(r"secret|passw|token|api_?key|private|salt|credential|dsn|\.url$",
                            re.IGNORECASE)
REDACTED = "[redacted]"
PPID_APPOINTMENT = "tangerang_ppid_appointment"
PPID_APPOINTMENT_EVENT = "tangerang_ppid_appointment_event"
SYSTEM = "system"


def _channel() -> str:
    # a `ckan` command runs inside click (some, like `ckan user add`, inside a test request
    # context of their own); jobs and scripts have no request at all
    if click.get_current_context(silent=True) is not None or not flask.has_request_context():
        return "cli"
    request = flask.request
    return "api" if request.blueprint == "api" or request.path.startswith("/api/") else "web"


def _who(channel: str) -> tuple[Optional[str], str]:
    if channel == "cli":
        return None, SYSTEM
    # the user flask-login has loaded; never load it here (loading an API token's user commits
    # its last use, which would flush again from inside this flush)
    user = flask.g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.name
    return None, "anonymous"


def _action(channel: str) -> Optional[str]:
    """What was run: the API action, the page's endpoint, or the command."""
    if channel == "cli":
        command = click.get_current_context(silent=True)
        return f"ckan {command.command_path.split(' ', 1)[-1]}" if command else None
    request = flask.request
    if request.endpoint == "api.action":
        return (request.view_args or {}).get("logic_function")
    return request.endpoint


def _history(obj, attr: str) -> Optional[tuple[Any, Any]]:
    """(before, after) of an attribute changed in this flush, or None."""
    hist = sa.inspect(obj).attrs[attr].history
    if not hist.has_changes():
        return None
    before = hist.deleted[0] if hist.deleted else None
    after = hist.added[0] if hist.added else None
    return None if before == after else (before, after)


def _table(obj) -> Optional[str]:
    return getattr(obj, "__tablename__", None)


def _user_ref(session, user_id: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    user = session.get(model.User, user_id) if user_id else None
    return user_id, (user.name if user is not None else None)


# each change found: event, object_type, object_id, object_name, before, after, actor (or None)

def _user_changes(new, dirty) -> Iterator[tuple]:
    for obj in new:
        if isinstance(obj, model.User) and obj.sysadmin:
            yield ("sysadmin_grant", "user", obj.id, obj.name, {"sysadmin": False},
                   {"sysadmin": True}, None)
    for obj in dirty:
        if not isinstance(obj, model.User):
            continue
        change = _history(obj, "sysadmin")
        if change and bool(change[0]) != bool(change[1]):
            yield ("sysadmin_grant" if change[1] else "sysadmin_revoke", "user", obj.id, obj.name,
                   {"sysadmin": bool(change[0])}, {"sysadmin": bool(change[1])}, None)
        change = _history(obj, "state")
        if change:
            yield ("user_state", "user", obj.id, obj.name, {"state": change[0]},
                   {"state": change[1]}, None)


def _member_changes(session, new, dirty, deleted) -> Iterator[tuple]:
    def described(member, capacity):
        group = member.group or (session.get(model.Group, member.group_id)
                                 if member.group_id else None)
        user_id, user_name = _user_ref(session, member.table_id)
        kind = "organization" if group is not None and group.is_organization else "group"
        return (kind, member.group_id or (group.id if group is not None else None),
                group.name if group is not None else None,
                {"user": user_name, "user_id": user_id, "capacity": capacity})

    def is_user(member):
        return isinstance(member, model.Member) and member.table_name == "user"

    for obj in filter(is_user, new):
        if (obj.state or "active") == "active":
            kind, gid, gname, who = described(obj, obj.capacity)
            yield ("member_add", kind, gid, gname, None, who, None)
    for obj in filter(is_user, dirty):
        state = _history(obj, "state")
        capacity = _history(obj, "capacity")
        old_capacity = capacity[0] if capacity else obj.capacity
        if state and state[1] == "active":
            kind, gid, gname, who = described(obj, obj.capacity)
            yield ("member_add", kind, gid, gname, None, who, None)
        elif state and state[0] in ("active", None):
            kind, gid, gname, who = described(obj, old_capacity)
            yield ("member_remove", kind, gid, gname, who, None, None)
        elif capacity and obj.state == "active":
            kind, gid, gname, before = described(obj, capacity[0])
            yield ("member_change", kind, gid, gname, before, dict(before, capacity=capacity[1]),
                   None)
    for obj in filter(is_user, deleted):
        if (obj.state or "active") == "active":
            kind, gid, gname, who = described(obj, obj.capacity)
            yield ("member_remove", kind, gid, gname, who, None, None)


def _setting_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    return REDACTED if SECRET_SETTING.search(key) else value


def _setting_changes(new, dirty, deleted) -> Iterator[tuple]:
    def ours(obj):
        return isinstance(obj, model.SystemInfo) and obj.key not in SKIPPED_SETTINGS

    for obj in filter(ours, new):
        yield ("setting_change", "setting", obj.key, obj.key, {"value": None},
               {"value": _setting_value(obj.key, obj.value)}, None)
    for obj in filter(ours, dirty):
        change = _history(obj, "value")
        if change:
            yield ("setting_change", "setting", obj.key, obj.key,
                   {"value": _setting_value(obj.key, change[0])},
                   {"value": _setting_value(obj.key, change[1])}, None)
    for obj in filter(ours, deleted):
        yield ("setting_change", "setting", obj.key, obj.key,
               {"value": _setting_value(obj.key, obj.value)}, {"value": None}, None)


def _token_changes(session, new, deleted, actor_id) -> Iterator[tuple]:
    # a user's own tokens are their own business; one made or revoked by someone else is not
    for event, objs in (("api_token_create", new), ("api_token_revoke", deleted)):
        for obj in objs:
            if isinstance(obj, model.ApiToken) and obj.user_id != actor_id:
                user_id, user_name = _user_ref(session, obj.user_id)
                token = {"token_name": obj.name, "token_id": obj.id}
                yield (event, "user", user_id, user_name,
                       token if event == "api_token_revoke" else None,
                       token if event == "api_token_create" else None, None)


def _ppid_changes(session, new, deleted) -> Iterator[tuple]:
    def appointment(obj):
        return {"role": obj.role, "opd": obj.opd, "decree": obj.decree}

    removals = {obj.appointment_id: obj.actor_id for obj in new
                if _table(obj) == PPID_APPOINTMENT_EVENT and obj.action == "remove"}
    for obj in new:
        if _table(obj) == PPID_APPOINTMENT:
            user_id, user_name = _user_ref(session, obj.user_id)
            yield ("ppid_appoint", "user", user_id, user_name, None, appointment(obj),
                   obj.appointed_by)
    for obj in deleted:
        if _table(obj) == PPID_APPOINTMENT:
            user_id, user_name = _user_ref(session, obj.user_id)
            yield ("ppid_remove", "user", user_id, user_name, appointment(obj), None,
                   removals.get(obj.id))


def _table_ready(session) -> bool:
    return session.connection().execute(
        sa.text("SELECT to_regclass('tangerang_security_audit')")).scalar() is not None


def _after_flush(session, flush_context) -> None:
    # after the flush every new row has its id; the session still lists what the flush wrote
    # (new, dirty, deleted) with each attribute's history
    new, dirty, deleted = list(session.new), list(session.dirty), list(session.deleted)
    channel = _channel()
    actor_id, actor_name = _who(channel)
    changes = [*_user_changes(new, dirty), *_member_changes(session, new, dirty, deleted),
               *_setting_changes(new, dirty, deleted),
               *_token_changes(session, new, deleted, actor_id),
               *_ppid_changes(session, new, deleted)]
    if not changes:
        return
    if not _table_ready(session):
        log.error("audit trail not written (run `ckan db upgrade -p tangerang_security`): %s",
                  [c[0] for c in changes])
        return
    action = _action(channel)
    rows = []
    for event, object_type, object_id, object_name, before, after, own_actor in changes:
        by_id, by_name = (_user_ref(session, own_actor) if own_actor else (actor_id, actor_name))
        rows.append(dict(
            actor_id=by_id, actor_name=by_name or by_id, channel=channel, action=action,
            event=event, object_type=object_type, object_id=object_id, object_name=object_name,
            before=before, after=after))
    # written on the flush's own connection: in the transaction of the change
    session.connection().execute(AuditEvent.__table__.insert(), rows)


def install() -> None:
    """Listen on CKAN's sessions (once, however often the plugin is configured)."""
    for target in (meta.Session, meta.create_local_session):
        if not sa_event.contains(target, "after_flush", _after_flush):
            sa_event.listen(target, "after_flush", _after_flush)
