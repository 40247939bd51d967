"""A layer's style (set by the officer on the layer page; drives WMS, legend and the map).

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # `style` holds what the officer chose (empty: the default for the geometry family);
    # `version` grows on every change that alters what a client draws (re-import, style),
    # so caches (tiles, WMS) key on it
    op.execute("ALTER TABLE tangerang_satupeta_layer ADD COLUMN style jsonb NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE tangerang_satupeta_layer ADD COLUMN version integer NOT NULL DEFAULT 1")


def downgrade():
    op.execute("ALTER TABLE tangerang_satupeta_layer DROP COLUMN version")
    op.execute("ALTER TABLE tangerang_satupeta_layer DROP COLUMN style")
