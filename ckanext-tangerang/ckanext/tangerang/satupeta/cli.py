"""``ckan tangerang satupeta ...``"""
import click


@click.group(short_help="Satu Peta: geospatial layers")
def satupeta():
    """Satu Peta: geospatial layers."""
