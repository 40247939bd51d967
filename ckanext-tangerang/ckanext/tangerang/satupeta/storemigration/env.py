"""Alembic environment of the feature store (PostGIS), not of CKAN's database."""
from alembic import context
# PostGIS's types known to SQLAlchemy when a migration reflects a layer table; only here: the
# store's queries are SQL text and the web workers need not load it (about 18 MB)
from geoalchemy2 import Geometry  # noqa: F401
from sqlalchemy import engine_from_config, pool

from ckanext.tangerang.satupeta.storemigration import VERSION_TABLE

config = context.config


def run_online():
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()


run_online()
