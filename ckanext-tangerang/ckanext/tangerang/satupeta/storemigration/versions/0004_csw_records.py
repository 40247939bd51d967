"""The CSW catalogue's records (served by pycsw, satupeta/csw_server.py).

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "tangerang_satupeta_csw_record"

# pycsw 2.6's record model (pycsw.core.admin.setup_db): pycsw reads these column names; every
# one is text, as there. One row per public Satu Peta dataset, written by satupeta/csw.py.
COLUMNS = (
    "typename", "schema", "mdsource", "insert_date", "xml", "anytext", "language", "type",
    "title", "title_alternate", "abstract", "keywords", "keywordstype", "parentidentifier",
    "relation", "time_begin", "time_end", "topicategory", "resourcelanguage", "creator",
    "publisher", "contributor", "organization", "securityconstraints", "accessconstraints",
    "otherconstraints", "date", "date_revision", "date_creation", "date_publication",
    "date_modified", "format", "source", "crs", "geodescode", "denominator", "distancevalue",
    "distanceuom", "wkt_geometry", "servicetype", "servicetypeversion", "operation",
    "couplingtype", "operateson", "operatesonidentifier", "operatesoname", "degree",
    "classification", "conditionapplyingtoaccessanduse", "lineage", "responsiblepartyrole",
    "specificationtitle", "specificationdate", "specificationdatetype", "links",
)
REQUIRED = {"typename", "schema", "mdsource", "insert_date", "xml", "anytext"}
INDEXED = ("typename", "insert_date", "title", "date_modified", "organization", "type")


def upgrade():
    columns = ",\n".join(f'"{c}" text{" NOT NULL" if c in REQUIRED else ""}' for c in COLUMNS)
    # wkb_geometry: pycsw finds a native PostGIS column through geometry_columns and runs its
    # spatial filters (BBOX, Intersects, ...) on it with the GiST index
    op.execute(f"""
        CREATE TABLE {TABLE} (
            identifier text PRIMARY KEY,
            {columns},
            wkb_geometry geometry(Geometry, 4326)
        )""")
    for column in INDEXED:
        op.execute(f'CREATE INDEX {TABLE}_{column}_idx ON {TABLE} ("{column}")')
    op.execute(f"CREATE INDEX {TABLE}_geom_idx ON {TABLE} USING gist (wkb_geometry)")


def downgrade():
    op.execute(f"DROP TABLE {TABLE}")
