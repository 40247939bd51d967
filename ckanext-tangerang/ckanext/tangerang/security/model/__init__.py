"""The audit trail of administrative changes (``tangerang_security_audit``): one row per change of
sysadmin rights, memberships of organizations and groups, PPID appointments, settings changed at
run time, users' states and API tokens made or revoked for someone else. Rows are only added
(``security/audit.py`` writes them in the transaction of the change); the migration makes the
database refuse any UPDATE of them."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import ckan.plugins.toolkit as tk

# every kind of event, in the order the page offers them
EVENTS = (
    "sysadmin_grant", "sysadmin_revoke",
    "member_add", "member_change", "member_remove",
    "ppid_appoint", "ppid_remove",
    "setting_change",
    "user_state",
    "api_token_create", "api_token_revoke",
)
CHANNELS = ("web", "api", "cli")


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AuditEvent(tk.BaseModel):
    __tablename__ = "tangerang_security_audit"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    created = sa.Column(sa.DateTime(timezone=True), nullable=False, default=_now)
    # who: the account (None for the command line and jobs, whose actor_name is "system")
    actor_id = sa.Column(sa.UnicodeText)
    actor_name = sa.Column(sa.UnicodeText, nullable=False)
    channel = sa.Column(sa.UnicodeText, nullable=False)    # one of CHANNELS
    action = sa.Column(sa.UnicodeText)                      # the CKAN action, when one ran
    event = sa.Column(sa.UnicodeText, nullable=False)      # one of EVENTS
    # what was changed: user, organization, group, setting
    object_type = sa.Column(sa.UnicodeText, nullable=False)
    object_id = sa.Column(sa.UnicodeText)
    object_name = sa.Column(sa.UnicodeText)
    before = sa.Column(JSONB(none_as_null=True))
    after = sa.Column(JSONB(none_as_null=True))

    __table_args__ = (
        sa.CheckConstraint("channel IN ('web', 'api', 'cli')",
                           name="tangerang_security_audit_channel_check"),
        sa.Index("tangerang_security_audit_created_idx", "created"),
        sa.Index("tangerang_security_audit_event_idx", "event", "created"),
        sa.Index("tangerang_security_audit_object_idx", "object_id"),
        sa.Index("tangerang_security_audit_actor_idx", "actor_id"),
    )

    def as_dict(self) -> dict:
        return {
            "id": self.id, "created": self.created.isoformat() if self.created else None,
            "actor_id": self.actor_id, "actor_name": self.actor_name, "channel": self.channel,
            "action": self.action, "event": self.event, "object_type": self.object_type,
            "object_id": self.object_id, "object_name": self.object_name,
            "before": self.before, "after": self.after,
        }
