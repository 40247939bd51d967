"""``ckan tangerang ...``: one command group; each subsystem adds its subgroup.

Subsystems register their click group under the ``ckanext.tangerang.cli`` entry point, so the
group does not import them.
"""
from importlib.metadata import entry_points

import click


@click.group(short_help="Tangerang Satu Data commands")
def tangerang():
    """Tangerang Satu Data: Satu Data, Satu Peta, PPID and accessibility."""


for _ep in entry_points(group="ckanext.tangerang.cli"):
    tangerang.add_command(_ep.load(), _ep.name)
