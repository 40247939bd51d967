"""PPID officers by appointment: tangerang_ppid_appointment

Revision ID: 0003_ppid_appointment
Revises: 0002_ppid_modified_index
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_ppid_appointment"
down_revision = "0002_ppid_modified_index"
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.create_table(
        "tangerang_ppid_appointment",
        sa.Column("id", T, primary_key=True),
        sa.Column("user_id", T, nullable=False, index=True),
        sa.Column("role", T, nullable=False),
        sa.Column("opd", T),
        sa.Column("decree", T),
        sa.Column("appointed_by", T),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.CheckConstraint("role IN ('utama', 'pelaksana', 'atasan')",
                           name="tangerang_ppid_appointment_role_check"),
        sa.CheckConstraint("(role = 'pelaksana') = (opd IS NOT NULL)",
                           name="tangerang_ppid_appointment_opd_check"),
    )
    op.create_index("tangerang_ppid_appointment_unique_idx", "tangerang_ppid_appointment",
                    ["user_id", "role", sa.text("coalesce(opd, '')")], unique=True)


def downgrade():
    op.drop_table("tangerang_ppid_appointment")
