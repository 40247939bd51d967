"""``ckan tangerang satupeta ...``"""
from __future__ import annotations

import click

import ckan.plugins.toolkit as tk


@click.group(short_help="Satu Peta: geospatial layers")
def satupeta():
    """Satu Peta: geospatial layers."""


@satupeta.command("store-upgrade")
@click.option("--revision", default="head", show_default=True)
def store_upgrade(revision):
    """Creates or upgrades the feature store's schema in the PostGIS database."""
    from ckanext.tangerang.satupeta import storemigration

    storemigration.upgrade(tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"], revision)
    click.secho("feature store at revision " + revision, fg="green")


@satupeta.command("import")
@click.argument("resource_id")
@click.option("--crs", default=None, help="EPSG code when the file carries no CRS")
@click.option("--layer", default=None, help="the layer to read from a GeoPackage or KML of several")
def import_(resource_id, crs, layer):
    """Imports a resource as a layer now (without the job queue), showing progress."""
    from ckanext.tangerang.satupeta import jobs
    from ckanext.tangerang.satupeta import model as store

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    crs = tk.get_validator("tangerang_satupeta_crs")(crs)
    resource = tk.get_action("resource_show")({"user": site_user["name"]}, {"id": resource_id})
    run = store.create_import(resource["id"], resource["package_id"], crs, layer)
    with click.progressbar(length=1, label="features", show_pos=True) as bar:
        def progress(read, written, total):
            bar.length = total or read
            bar.update(read - bar.pos)

        jobs.import_layer(run["id"], progress)
    run = store.get_import(run["id"])
    if run["status"] != "done":
        from ckanext.tangerang.satupeta.logic.action import error_text
        raise click.ClickException(error_text(run["error"]) or run["status"])
    click.echo(f"{run['features_written']} features written")


@satupeta.command("ows-write")
def ows_write():
    """Writes the WMS/WFS mapfiles from the layer registry (the portal also does after each change)."""
    from ckanext.tangerang.satupeta.logic import action

    action.write_ows()
    click.secho(f"mapfiles written in {action.ows_folder()}", fg="green")


@satupeta.command("csw-sync")
def csw_sync():
    """Rebuilds the CSW catalogue's records from the datasets and their layers."""
    from ckanext.tangerang.satupeta import csw

    ids = csw.package_ids()
    with click.progressbar(length=len(ids), label="datasets", show_pos=True) as bar:
        written = csw.sync_all(ids, bar.update)
    click.secho(f"{written} records in the catalogue ({len(ids)} datasets looked at)", fg="green")
