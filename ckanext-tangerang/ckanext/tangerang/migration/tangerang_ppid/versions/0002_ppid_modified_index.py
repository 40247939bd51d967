"""Index on tangerang_ppid_request.modified: the version of the cached statistics

Revision ID: 0002_ppid_modified_index
Revises: 0001_ppid_tables
Create Date: 2026-11-27
"""
from alembic import op

revision = "0002_ppid_modified_index"
down_revision = "0001_ppid_tables"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("tangerang_ppid_request_modified_idx", "tangerang_ppid_request", ["modified"])


def downgrade():
    op.drop_index("tangerang_ppid_request_modified_idx", "tangerang_ppid_request")
