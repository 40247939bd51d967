"""Schema of the feature store (the PostGIS database), kept by an alembic environment of its own.

CKAN's `ckan db upgrade -p` only reaches CKAN's database, and CKAN's test fixtures drop every
table they find there; the features live in another database (as the DataStore's do), so their
registry and feature tables are versioned here and applied by `ckan tangerang satupeta store-upgrade`.
"""
from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config

HERE = pathlib.Path(__file__).parent
VERSION_TABLE = "tangerang_satupeta_alembic_version"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
