"""The layer of a multi-layer file (GeoPackage, KML) an import reads.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE tangerang_satupeta_import ADD COLUMN source_layer text")


def downgrade():
    op.execute("ALTER TABLE tangerang_satupeta_import DROP COLUMN source_layer")
