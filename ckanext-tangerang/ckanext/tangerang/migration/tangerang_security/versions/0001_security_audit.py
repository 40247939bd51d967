"""The audit trail of administrative changes: tangerang_security_audit

Revision ID: 0001_security_audit
Revises:
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_security_audit"
down_revision = None
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.create_table(
        "tangerang_security_audit",
        sa.Column("id", T, primary_key=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("now()")),
        sa.Column("actor_id", T),
        sa.Column("actor_name", T, nullable=False),
        sa.Column("channel", T, nullable=False),
        sa.Column("action", T),
        sa.Column("event", T, nullable=False),
        sa.Column("object_type", T, nullable=False),
        sa.Column("object_id", T),
        sa.Column("object_name", T),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.CheckConstraint("channel IN ('web', 'api', 'cli')",
                           name="tangerang_security_audit_channel_check"),
    )
    op.create_index("tangerang_security_audit_created_idx", "tangerang_security_audit", ["created"])
    op.create_index("tangerang_security_audit_event_idx", "tangerang_security_audit",
                    ["event", "created"])
    op.create_index("tangerang_security_audit_object_idx", "tangerang_security_audit",
                    ["object_id"])
    op.create_index("tangerang_security_audit_actor_idx", "tangerang_security_audit",
                    ["actor_id"])
    # append-only: a row, once written, is never changed (deleting old rows is the operators'
    # retention, docs/security.md)
    op.execute("""
        CREATE OR REPLACE FUNCTION tangerang_security_audit_frozen() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'tangerang_security_audit rows are append-only';
        END $$ LANGUAGE plpgsql""")
    op.execute("""
        CREATE TRIGGER tangerang_security_audit_no_update BEFORE UPDATE
        ON tangerang_security_audit FOR EACH ROW EXECUTE FUNCTION tangerang_security_audit_frozen()""")


def downgrade():
    op.drop_table("tangerang_security_audit")
    op.execute("DROP FUNCTION IF EXISTS tangerang_security_audit_frozen()")
