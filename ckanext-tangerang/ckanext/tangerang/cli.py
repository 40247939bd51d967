"""``ckan tangerang ...``: one command group; each subsystem adds its subgroup.

Subsystems register their click group under the ``ckanext.tangerang.cli`` entry point, so the
group does not import them.
"""
import collections
import pathlib
from importlib.metadata import entry_points

import click


@click.group(short_help="Tangerang Satu Data commands")
def tangerang():
    """Tangerang Satu Data: Satu Data, Satu Peta, PPID and accessibility."""


for _ep in entry_points(group="ckanext.tangerang.cli"):
    tangerang.add_command(_ep.load(), _ep.name)


@tangerang.group(short_help="The city profile")
def city():
    """The city profile (ckanext.tangerang.city_profile): what is the city's own."""


@city.command("wilayah")
@click.option("--source", type=click.Path(exists=True, file_okay=False, path_type=pathlib.Path),
              default="node_modules/idn-area-data/data", show_default=True,
              help="the data folder of the idn-area-data npm package (`npm ci` installs it)")
@click.option("--code", required=True, help="Kemendagri code of the kota or kabupaten, e.g. 36.71")
@click.option("--output", type=click.Path(dir_okay=False, path_type=pathlib.Path), required=True,
              help="the wilayah.csv to write, e.g. your profile folder's")
def wilayah(source: pathlib.Path, code: str, output: pathlib.Path):
    """Writes wilayah.csv: the city, its kecamatan and its kelurahan/desa with Kemendagri codes."""
    from ckanext.tangerang.city import wilayah as regions

    try:
        found = regions.rows(source, code)
    except KeyError as e:
        raise click.ClickException(str(e.args[0]))
    regions.write(output, found)
    levels = collections.Counter(r["level"] for r in found)
    click.secho(f"{output}: " + ", ".join(f"{n} {level}" for level, n in levels.items()), fg="green")
