"""The alembic environment every plugin's migration folder runs: its own version table and
only its own tables (named after the plugin, which is the folder's name)."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from ckan.model.meta import metadata


def run(env_file: str) -> None:
    config = context.config
    if config.config_file_name:
        fileConfig(config.config_file_name)
    name = os.path.basename(os.path.dirname(env_file))
    options = {
        "target_metadata": metadata,
        "version_table": f"{name}_alembic_version",
        "include_object": lambda obj, obj_name, type_, reflected, compare_to: (
            obj_name.startswith(name) if type_ == "table" else True),
    }
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                          **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
