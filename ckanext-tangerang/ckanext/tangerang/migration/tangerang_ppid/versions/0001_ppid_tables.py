"""PPID tables: requests, events, files, objections, holiday overrides, DIP, counters

Revision ID: 0001_ppid_tables
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_ppid_tables"
down_revision = None
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.create_table(
        "tangerang_ppid_request",
        sa.Column("id", T, primary_key=True),
        sa.Column("number", T, nullable=False, unique=True),
        sa.Column("tracking_hash", T, nullable=False, unique=True),
        sa.Column("submission_key", T, unique=True),
        sa.Column("channel", T, nullable=False),
        sa.Column("requester_type", T, nullable=False),
        sa.Column("name", T, nullable=False),
        sa.Column("nik", T),
        sa.Column("sk_number", T),
        sa.Column("attorney_name", T),
        sa.Column("address", T, nullable=False),
        sa.Column("phone", T),
        sa.Column("email", T),
        sa.Column("occupation", T),
        sa.Column("user_id", T),
        sa.Column("information", T, nullable=False),
        sa.Column("purpose", T, nullable=False),
        sa.Column("obtain_method", T, nullable=False),
        sa.Column("delivery_method", T, nullable=False),
        sa.Column("consent_at", sa.DateTime, nullable=False),
        sa.Column("opd", T),
        sa.Column("state", T, nullable=False),
        sa.Column("received_date", sa.Date, nullable=False),
        sa.Column("clock_start", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("completion_due", sa.Date),
        sa.Column("completion_note", T),
        sa.Column("extension_days", sa.Integer),
        sa.Column("extension_reason", T),
        sa.Column("outcome", T),
        sa.Column("exemption_ground", T),
        sa.Column("consequence_test", sa.JSON),
        sa.Column("decision", sa.JSON),
        sa.Column("decided_date", sa.Date),
        sa.Column("working_days_taken", sa.Integer),
        sa.Column("on_time", sa.Boolean),
        sa.Column("reminded_date", sa.Date),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    op.create_index("tangerang_ppid_request_opd_state_idx", "tangerang_ppid_request",
                    ["opd", "state", "received_date"])
    op.create_index("tangerang_ppid_request_received_idx", "tangerang_ppid_request",
                    ["received_date"])
    op.create_index("tangerang_ppid_request_due_idx", "tangerang_ppid_request",
                    ["state", "due_date"])
    op.create_index("tangerang_ppid_request_decided_idx", "tangerang_ppid_request",
                    ["decided_date"])
    fk = dict(ondelete="CASCADE")
    op.create_table(
        "tangerang_ppid_event",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", **fk),
                  nullable=False, index=True),
        sa.Column("action", T, nullable=False),
        sa.Column("actor_id", T),
        sa.Column("actor_role", T, nullable=False),
        sa.Column("from_state", T),
        sa.Column("to_state", T),
        sa.Column("note", T),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tangerang_ppid_file",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", **fk),
                  nullable=False, index=True),
        sa.Column("kind", T, nullable=False),
        sa.Column("filename", T, nullable=False),
        sa.Column("mimetype", T, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("storage_path", T, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tangerang_ppid_objection",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", **fk),
                  nullable=False, index=True),
        sa.Column("number", T, nullable=False, unique=True),
        sa.Column("grounds", sa.JSON, nullable=False),
        sa.Column("reasons", T, nullable=False),
        sa.Column("filed_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("result", T),
        sa.Column("result_reasons", T),
        sa.Column("decided_date", sa.Date),
        sa.Column("dispute_due", sa.Date),
        sa.Column("dispute_filed_date", sa.Date),
        sa.Column("dispute_reference", T),
        sa.Column("dispute_note", T),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tangerang_ppid_holiday",
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("working", sa.Boolean, nullable=False),
        sa.Column("name", T, nullable=False),
        sa.Column("created_by", T),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tangerang_ppid_dip",
        sa.Column("id", T, primary_key=True),
        sa.Column("number", T, nullable=False, unique=True),
        sa.Column("summary", T, nullable=False),
        sa.Column("opd", T, nullable=False, index=True),
        sa.Column("holder", T, nullable=False),
        sa.Column("responsible", T, nullable=False),
        sa.Column("made", T, nullable=False),
        sa.Column("form", T, nullable=False),
        sa.Column("retention", T, nullable=False),
        sa.Column("category", T, nullable=False, index=True),
        sa.Column("package_id", T),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    op.create_table(
        "tangerang_ppid_counter",
        sa.Column("kind", T, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade():
    for name in ("counter", "dip", "holiday", "objection", "file", "event", "request"):
        op.drop_table(f"tangerang_ppid_{name}")
