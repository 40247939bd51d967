"""Web Mercator copies of every feature table's geometry, for vector tiles.

`geom_3857` is the geometry in EPSG:3857 (tiles need no transform per request); `geom_3857_low`
is set for features of more than 32 vertices only, simplified to half a pixel of zoom 12 (drawn
up to that zoom). Both are generated columns, computed by PostgreSQL as rows are written (as
model.TILE_COLUMNS does for new imports); adding them rewrites each table once.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# as model.TILE_COLUMNS was when written (a migration keeps its own copy)
COLUMNS = (
    "geom_3857 geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED",
    "geom_3857_low geometry(Geometry, 3857) GENERATED ALWAYS AS (CASE WHEN ST_NPoints(geom) > 32 "
    "THEN ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), 1.1943) END) STORED")


def _feature_tables(with_tile_columns: bool):
    """The feature tables that have (or have not) the tile columns (new imports add them)."""
    return op.get_bind().execute(sa.text(
        "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' "
        "AND c.relnamespace = current_schema()::regnamespace "
        "AND c.relname LIKE 'tangerang\\_satupeta\\_f\\_%' "
        "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
        "            AND a.attname = 'geom_3857' AND NOT a.attisdropped) = :has"),
        {"has": with_tile_columns}).scalars().all()


def upgrade():
    for table in _feature_tables(False):
        op.execute(f'ALTER TABLE "{table}" ' + ", ".join(f"ADD COLUMN {c}" for c in COLUMNS))
        op.execute(f'CREATE INDEX ON "{table}" USING gist (geom_3857)')
        op.execute(f'ANALYZE "{table}"')


def downgrade():
    for table in _feature_tables(True):
        # the index goes with its column
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS geom_3857_low, '
                   "DROP COLUMN IF EXISTS geom_3857")
