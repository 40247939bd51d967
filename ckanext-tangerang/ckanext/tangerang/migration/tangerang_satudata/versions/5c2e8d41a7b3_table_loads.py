"""Loads of tabular resources into the DataStore, and data standards

Revision ID: 5c2e8d41a7b3
Revises: 3b1f0c2d9a10
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision = "5c2e8d41a7b3"
down_revision = "3b1f0c2d9a10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tangerang_satudata_table_load",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("resource_id", sa.UnicodeText,
                  sa.ForeignKey("resource.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("step", sa.UnicodeText),
        sa.Column("sheet", sa.UnicodeText),
        sa.Column("bytes_read", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("bytes_total", sa.BigInteger),
        sa.Column("rows", sa.BigInteger),
        sa.Column("error", JSONB),
        sa.Column("report", JSONB),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime),
    )
    op.create_index("tangerang_satudata_table_load_resource_idx", "tangerang_satudata_table_load",
                    ["resource_id", "created"])
    op.create_table(
        "tangerang_satudata_standard",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("name", sa.UnicodeText, nullable=False, unique=True),
        sa.Column("title", sa.UnicodeText, nullable=False),
        sa.Column("description", sa.UnicodeText),
        sa.Column("table_schema", JSONB, nullable=False),
        sa.Column("creator_user_id", sa.UnicodeText, sa.ForeignKey("user.id")),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )


def downgrade():
    op.drop_table("tangerang_satudata_standard")
    op.drop_index("tangerang_satudata_table_load_resource_idx", "tangerang_satudata_table_load")
    op.drop_table("tangerang_satudata_table_load")
