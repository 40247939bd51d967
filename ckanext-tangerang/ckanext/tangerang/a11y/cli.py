"""``ckan tangerang a11y ...``"""
import click


@click.group(short_help="Web Disabilitas: accessibility")
def a11y():
    """Web Disabilitas: accessibility."""
