"""Walidata review history and resource download counts

Revision ID: 3b1f0c2d9a10
Revises:
Create Date: 2026-11-27 22:50:00
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "3b1f0c2d9a10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tangerang_satudata_review",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("package_id", sa.UnicodeText,
                  sa.ForeignKey("package.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.UnicodeText, nullable=False),
        sa.Column("reason", sa.UnicodeText),
        sa.Column("user_id", sa.UnicodeText, sa.ForeignKey("user.id"), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("tangerang_satudata_review_package_id_idx", "tangerang_satudata_review",
                    ["package_id"])
    op.create_table(
        "tangerang_satudata_download",
        sa.Column("resource_id", sa.UnicodeText,
                  sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_table("tangerang_satudata_download")
    op.drop_index("tangerang_satudata_review_package_id_idx", "tangerang_satudata_review")
    op.drop_table("tangerang_satudata_review")
