"""The requester's language and the reminders sent

``language`` keeps the language of the form a request was filed on, so every later mail to the
requester (decision, moved deadlines, reminders) is written in it; requests filed before have
none and are mailed in the portal's default language. ``tangerang_ppid_reminder`` records each
reminder sent (which deadline, which date, how many working days before), so a daily job run
twice, or by two workers, never sends one twice.

Revision ID: 0006_ppid_language_reminders
Revises: 0005_ppid_personal_encrypted
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_ppid_language_reminders"
down_revision = "0005_ppid_personal_encrypted"
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.add_column("tangerang_ppid_request", sa.Column("language", T))
    op.create_table(
        "tangerang_ppid_reminder",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", ondelete="CASCADE"),
                  nullable=False),
        # the objection's id for its deadlines, '' for the request's own
        sa.Column("objection_id", T, nullable=False, server_default=""),
        sa.Column("deadline", T, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("days_before", sa.Integer, nullable=False),
        sa.Column("sent", sa.DateTime, nullable=False),
        sa.UniqueConstraint("request_id", "objection_id", "deadline", "due_date", "days_before",
                            name="tangerang_ppid_reminder_once"),
    )


def downgrade():
    op.drop_table("tangerang_ppid_reminder")
    op.drop_column("tangerang_ppid_request", "language")
