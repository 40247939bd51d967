"""``ckan tangerang satudata ...``: publishers and demo content from the city profile."""
from __future__ import annotations

import json
import mimetypes

import click
import yaml
from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city


def _context() -> dict:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def _exists(action: str, name: str) -> bool:
    try:
        tk.get_action(action)(_context(), {"id": name})
        return True
    except tk.ObjectNotFound:
        return False


@click.group(short_help="Satu Data: publishers (OPD) and demo content")
def satudata():
    """Satu Data: publishers (OPD) and demo content."""


@satudata.command("sync-opd")
def sync_opd():
    """Create or update one organization per OPD of the city profile (opd.csv)."""
    profile = city.current()
    created = updated = 0
    with click.progressbar(profile.opds, label="OPD", show_pos=True) as opds:
        for opd in opds:
            data = {"name": opd.name, "title": opd.title,
                    "description": f"{opd.title} ({opd.short_title}), {profile.meta['name']}."}
            if _exists("organization_show", opd.name):
                tk.get_action("organization_patch")(_context(), {"id": opd.name, **data})
                updated += 1
            else:
                tk.get_action("organization_create")(_context(), data)
                created += 1
    click.secho(f"OPD: {created} created, {updated} updated", fg="green")


@satudata.command("sync-urusan")
def sync_urusan():
    """Create or update one group per urusan pemerintahan (the topics), then put every dataset in
    its urusan's group."""
    from ckanext.tangerang.satudata.logic import topics

    created = updated = 0
    names = set()
    for group in topics.urusan_groups():
        names.add(group["name"])
        if _exists("group_show", group["name"]):
            tk.get_action("group_patch")(_context(), {"id": group["name"], **group})
            updated += 1
        else:
            tk.get_action("group_create")(_context(), group)
            created += 1
    click.secho(f"urusan groups: {created} created, {updated} updated", fg="green")
    search = {"q": "*:*", "include_private": True, "include_drafts": True, "rows": 100,
              "sort": "id asc"}
    total = tk.get_action("package_search")(_context(), {**search, "rows": 0})["count"]
    moved = 0
    with click.progressbar(length=total, label="Datasets", show_pos=True) as bar:
        for start in range(0, total, search["rows"]):
            page = tk.get_action("package_search")(_context(), {**search, "start": start})["results"]
            for pkg in page:
                urusan = pkg.get("urusan")
                topics_now = {g["name"] for g in pkg.get("groups") or []} & names
                if not urusan or topics_now == {urusan}:
                    continue
                member = {"object": pkg["id"], "object_type": "package"}
                # each call commits and re-indexes the dataset
                for other in topics_now - {urusan}:
                    tk.get_action("member_delete")(_context(), {"id": other, **member})
                if urusan not in topics_now:
                    tk.get_action("member_create")(_context(), {"id": urusan, "capacity": "public",
                                                                **member})
                moved += 1
            bar.update(len(page))
    click.secho(f"datasets placed in their urusan group: {moved}", fg="green")


@satudata.command("demo")
def demo():
    """Load the demo groups and datasets of the city profile (skips what exists)."""
    profile = city.current()
    spec = yaml.safe_load(profile.path("demo/datasets.yaml").read_text(encoding="utf-8"))
    for group in spec.get("groups", []):
        if not _exists("group_show", group["name"]):
            tk.get_action("group_create")(_context(), dict(group))
    created = skipped = 0
    with click.progressbar(spec.get("datasets", []), label="Datasets", show_pos=True) as items:
        for item in items:
            if _exists("package_show", item["name"]):
                skipped += 1
                continue
            _create_dataset(profile, item)
            created += 1
    click.secho(f"Demo datasets: {created} created, {skipped} already there", fg="green")


# keys of a demo item that are not dataset fields
DEMO_KEYS = ("tags", "groups", "resources", "spatial_bbox")


def _create_dataset(profile: city.CityProfile, item: dict) -> None:
    data = {key: value for key, value in item.items() if key not in DEMO_KEYS}
    data.setdefault("license_id", "cc-by")
    data["tags"] = [{"name": t} for t in item.get("tags", [])]
    data["groups"] = [{"name": g} for g in item.get("groups", [])]
    if item.get("spatial_bbox"):
        data["spatial"] = json.dumps(profile.bbox_geojson())
    dataset = tk.get_action("package_create")(_context(), data)
    for res in item.get("resources", []):
        path = profile.path("demo") / res["file"]
        with path.open("rb") as stream:
            upload = FileStorage(stream=stream, filename=path.name,
                                 content_type=mimetypes.guess_type(path.name)[0] or "text/plain")
            tk.get_action("resource_create")(_context(), {
                "package_id": dataset["id"], "name": res["name"],
                "format": res.get("format", ""), "upload": upload, "url": "",
            })
    # demo content is published as if the Walidata had approved it
    tk.get_action("tangerang_review_submit")(_context(), {"id": dataset["id"]})
    tk.get_action("tangerang_review_approve")(_context(), {"id": dataset["id"]})


@satudata.command("load-table")
@click.argument("resource_ids", nargs=-1, required=True)
@click.option("--sheet", default=None, help="The sheet of a spreadsheet to load (default: the first).")
def load_table(resource_ids, sheet):
    """Load tabular resources' uploads into the DataStore now, without the worker."""
    from ckanext.tangerang.satudata import model as store
    from ckanext.tangerang.satudata.tables import load

    failed = 0
    for resource_id in resource_ids:
        resource = tk.get_action("resource_show")(_context(), {"id": resource_id})
        run = store.create_load(resource["id"], sheet)
        with click.progressbar(length=1, label=resource["id"][:8], show_pos=False) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            load.load_resource(run["id"], progress)
        result = store.get_load(run["id"])
        if result["status"] == store.DONE:
            click.echo(f"{resource['id']}: {result['rows']} rows")
        else:
            failed += 1
            error = result.get("error") or {}
            click.echo(f"{resource['id']}: failed: {error.get('message', '').format(**error.get('params', {}))}",
                       err=True)
    if failed:
        raise SystemExit(1)


@click.group("search-index", short_help="The catalogue's search index, rebuilt in bulk")
def search_index():
    """The catalogue's search index (Solr). Editing a dataset keeps indexing it as CKAN does."""


@search_index.command("rebuild")
@click.option("--processes", type=click.IntRange(0), default=0, show_default=True,
              help="processes that build documents (0: one per CPU)")
@click.option("--batch", type=click.IntRange(1, 5000), default=250, show_default=True,
              help="datasets read and sent to Solr together")
def search_index_rebuild(processes: int, batch: int):
    """Reindex every dataset with the documents CKAN's `search-index rebuild` builds, read and
    sent in batches over all CPUs; documents of datasets gone from the database are removed."""
    import resource
    import time

    from ckanext.tangerang.satudata import search_index as index

    started = time.monotonic()
    total = len(index.dataset_ids())
    with click.progressbar(length=total, label="search index", show_pos=True, show_eta=True,
                           file=click.get_text_stream("stderr")) as bar:
        result = index.rebuild(processes=processes, batch=batch, progress=bar.update)
    took = time.monotonic() - started
    # ru_maxrss is in KiB on Linux; the children's is the largest of the worker processes
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    click.secho(f"{result['indexed']} datasets indexed in {took:.1f} s "
                f"({result['indexed'] / took if took else 0:.0f}/s), {result['removed']} removed "
                f"from the index, peak memory {peak:.0f} MB per process", fg="green")
