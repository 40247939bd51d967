"""Alembic environment of this plugin's migrations (shared: ../alembic_env.py)."""
from ckanext.tangerang.migration.alembic_env import run

run(__file__)
