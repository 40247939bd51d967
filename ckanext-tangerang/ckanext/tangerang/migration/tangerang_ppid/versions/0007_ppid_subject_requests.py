"""Data-subject requests, the Atasan's recorded date, exempt DIP entries' grounds

``tangerang_ppid_subject_request`` holds a requester's requests about their own personal data
(UU PDP Ps 7 and 32: a copy; Ps 8 and 43: erasure). The keberatan gets ``recorded_date`` (the
day the Atasan's decision was recorded: the dispute period runs from it) and
``decided_date_reason`` (why the decision bears an earlier date); decisions recorded before
this revision count as recorded on their own date. A DIP entry gets ``exemption_grounds`` and
``consequence_test`` (the "dikecualikan" category needs them, UU KIP Ps 17, 19, 20).
``tangerang_ppid_appointment_event`` is the audit trail of appointments and removals; the
appointments already there are entered as made when they were created.

Revision ID: 0007_ppid_subject_requests
Revises: 0006_ppid_language_reminders
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_ppid_subject_requests"
down_revision = "0006_ppid_language_reminders"
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.add_column("tangerang_ppid_dip", sa.Column("exemption_grounds", sa.JSON))
    op.add_column("tangerang_ppid_dip", sa.Column("consequence_test", sa.JSON))
    op.add_column("tangerang_ppid_objection", sa.Column("recorded_date", sa.Date))
    op.add_column("tangerang_ppid_objection", sa.Column("decided_date_reason", T))
    op.execute("UPDATE tangerang_ppid_objection SET recorded_date = decided_date "
               "WHERE decided_date IS NOT NULL")
    op.create_table(
        "tangerang_ppid_appointment_event",
        sa.Column("id", T, primary_key=True),
        sa.Column("action", T, nullable=False),
        sa.Column("appointment_id", T, nullable=False),
        sa.Column("user_id", T, nullable=False),
        sa.Column("role", T, nullable=False),
        sa.Column("opd", T),
        sa.Column("decree", T),
        sa.Column("actor_id", T),
        sa.Column("created", sa.DateTime, nullable=False, index=True),
    )
    op.execute("INSERT INTO tangerang_ppid_appointment_event (id, action, appointment_id, "
               "user_id, role, opd, decree, actor_id, created) SELECT 'm7-' || id, 'appoint', "
               "id, user_id, role, opd, decree, appointed_by, created "
               "FROM tangerang_ppid_appointment")
    op.create_table(
        "tangerang_ppid_subject_request",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", T, nullable=False),
        sa.Column("state", T, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("due", sa.DateTime, nullable=False),
        sa.Column("done", sa.DateTime),
        sa.Column("done_by", T),
        sa.Column("note", T),
        sa.CheckConstraint("kind IN ('copy', 'erase')", name="tangerang_ppid_subject_kind_check"),
        sa.CheckConstraint("state IN ('received', 'waiting', 'done')",
                           name="tangerang_ppid_subject_state_check"),
    )


def downgrade():
    op.drop_table("tangerang_ppid_subject_request")
    op.drop_table("tangerang_ppid_appointment_event")
    op.drop_column("tangerang_ppid_objection", "decided_date_reason")
    op.drop_column("tangerang_ppid_objection", "recorded_date")
    op.drop_column("tangerang_ppid_dip", "consequence_test")
    op.drop_column("tangerang_ppid_dip", "exemption_grounds")
