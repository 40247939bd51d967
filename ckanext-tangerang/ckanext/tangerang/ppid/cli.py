"""``ckan tangerang ppid ...``"""
import click


@click.group(short_help="PPID: public-information requests")
def ppid():
    """PPID: public-information requests."""
