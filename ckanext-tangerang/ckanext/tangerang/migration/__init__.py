"""Alembic migrations, one folder per plugin (CKAN's convention); see README.md."""
