"""Layer registry and import runs of the feature store.

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    # one row per served layer (a CKAN resource); its features are in `table_name`, swapped in the
    # same transaction as this row so that readers see either the old or the new version whole
    op.execute("""
        CREATE TABLE tangerang_satupeta_layer (
            id text PRIMARY KEY,
            package_id text NOT NULL,
            table_name text NOT NULL,
            title text NOT NULL DEFAULT '',
            source_crs text NOT NULL,
            feature_count integer NOT NULL,
            geometry_family text NOT NULL,
            bbox double precision[4],
            fields jsonb NOT NULL DEFAULT '[]',
            report jsonb NOT NULL DEFAULT '{}',
            imported timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX tangerang_satupeta_layer_package_idx ON tangerang_satupeta_layer (package_id)")
    # one row per import attempt: status and progress written while the job runs, outside the
    # transaction that builds the new layer
    op.execute("""
        CREATE TABLE tangerang_satupeta_import (
            id text PRIMARY KEY,
            layer_id text NOT NULL,
            package_id text NOT NULL,
            status text NOT NULL,
            crs text,
            features_read integer NOT NULL DEFAULT 0,
            features_written integer NOT NULL DEFAULT 0,
            features_total integer,
            error jsonb,
            report jsonb,
            created timestamptz NOT NULL DEFAULT now(),
            finished timestamptz
        )""")
    op.execute("CREATE INDEX tangerang_satupeta_import_layer_idx ON tangerang_satupeta_import (layer_id, created)")


def downgrade():
    op.execute("DROP TABLE tangerang_satupeta_import")
    op.execute("DROP TABLE tangerang_satupeta_layer")
