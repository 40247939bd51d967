"""A second CKAN harvests our CSW with ckanext-spatial's `csw` harvester (ckanext-harvest), as a
national or provincial catalogue would: its own database, site id and plugins, driven through
its own command line, reading the portal's /csw over HTTP."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from ckan.tests import helpers

from live_portal import LOG_DIR, write_ini

pytestmark = [pytest.mark.services,
              pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]

CKAN = os.path.join(os.path.dirname(sys.executable), "ckan")
SOURCE = "satu-peta-tangerang"


class HarvestingCkan:
    """A CKAN of its own (database, site id, plugins) reached only through its command line."""

    def __init__(self, ini, log):
        self.ini, self.log = ini, log

    def run(self, *args: str, input: str | None = None, timeout: float = 180):
        # the ini decides everything: no CKAN_* variable of the calling shell overrides it
        env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
        proc = subprocess.run([CKAN, "-c", str(self.ini), *args], input=input, capture_output=True,
                              text=True, timeout=timeout, env=env)
        with open(self.log, "a") as log:
            log.write(f"$ ckan {' '.join(args)}\n{proc.stdout}\n{proc.stderr}\n")
        return proc

    def cli(self, *args: str, input: str | None = None, timeout: float = 180) -> str:
        proc = self.run(*args, input=input, timeout=timeout)
        assert proc.returncode == 0, f"ckan {' '.join(args)}:\n{proc.stderr[-3000:]}"
        return proc.stdout

    def action(self, action: str, /, **data):
        """An action as the site user, through ckanapi's `ckan api` command."""
        return json.loads(self.cli("api", "action", action, "--input-json", input=json.dumps(data)))


def _psql_as_superuser(port: int, sql: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-p", str(port),
                    "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   capture_output=True, text=True, check=True, timeout=60)


@pytest.fixture
def harvesting_ckan(request, tmp_path, ckan_config):
    """A second CKAN with ckanext-harvest and ckanext-spatial's CSW harvester only, on a database
    of its own (made and dropped here: the ckan role may not create databases), sharing the
    test Solr core and Redis database under its own site id."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.fail("needs root to create the second CKAN's database as the postgres superuser")
    suffix = secrets.token_hex(4)
    url = make_url(ckan_config["sqlalchemy.url"])
    db = f"ckan_harvest_test_{suffix}"
    _psql_as_superuser(url.port, f"CREATE DATABASE {db} OWNER {url.username} ENCODING 'UTF8' "
                                 "TEMPLATE template0")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    second = HarvestingCkan(write_ini(
        tmp_path / "harvester.ini", request.config.getoption("ckan_ini"), **{
            "sqlalchemy.url": url.set(database=db).render_as_string(hide_password=False),
            "ckan.site_id": f"harvest-test-{suffix}",
            "ckan.site_url": "http://harvester.test",
            "ckan.plugins": "harvest csw_harvester spatial_metadata",
            "ckan.views.default_views": "",
        }), LOG_DIR / f"test-csw-harvester-{suffix}.log")
    try:
        second.cli("db", "init")
        second.cli("db", "upgrade", "-p", "harvest")
        yield second
    finally:
        try:  # its datasets leave the shared core (the clear is by site id), its queues Redis
            second.cli("search-index", "clear")
            second.cli("harvester", "purge-queues")
        finally:
            _psql_as_superuser(url.port, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def test_a_second_ckan_harvests_the_public_layer(csw_portal, layers, harvesting_ckan):
    second = harvesting_ckan
    org = second.action("organization_create", name="big", title="Badan Informasi Geospasial")
    # the action, not `ckan harvester source create`: that command prints the new source's job
    # status, which CKAN 2.12's package_create shows before ckanext-harvest 1.6.3 has flushed the
    # source object (an AttributeError once the source is made)
    source = second.action("harvest_source_create", name=SOURCE, url=csw_portal,
                           source_type="csw", title="Satu Peta Kota Tangerang", owner_org=org["id"])
    run = second.run("harvester", "run-test", SOURCE)
    if run.returncode and SPATIAL_2_3_2_IMPORT_BUG in run.stderr:
        _gathered_and_fetched_only(second, source, layers)
    assert run.returncode == 0, run.stderr[-3000:]

    found = second.action("package_search", fq="dataset_type:dataset", rows=50)
    assert [d["title"] for d in found["results"]] == ["Blok Bangunan"], found
    dataset = found["results"][0]
    extras = {e["key"]: e["value"] for e in dataset["extras"]}
    assert extras["guid"] == layers["public_pkg"]
    # the 5 x 5 grid of 0.005 degree blocks from (106.60, -6.25), one every 0.01 degree
    ring = json.loads(extras["spatial"])["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert (min(xs), max(xs)) == pytest.approx((106.60, 106.645))
    assert (min(ys), max(ys)) == pytest.approx((-6.25, -6.205))
    # the private dataset is in no answer of our CSW, so not in the harvester's catalogue
    assert second.action("package_search", q="Rahasia")["count"] == 0
    private = helpers.call_action("resource_show", id=layers["private"])["package_id"]
    for pkg_id, count in ((layers["public_pkg"], 1), (private, 0)):
        assert second.action("package_search", fq=f'extras_guid:"{pkg_id}"')["count"] == count


# ckanext-spatial 2.3.2's CSW harvester cannot import any record of any server: its CSW client
# prefixes each record with an XML declaration naming an encoding and its fetch stage no longer
# strips it (upstream commit a1f77d1 made the pattern '<xml(.*)>'), so its import stage hands
# lxml a str it refuses. Nothing a server answers changes that. The fix, not applied:
# docs/upstream/ckanext-spatial-csw-xml-declaration.patch
SPATIAL_2_3_2_IMPORT_BUG = "Unicode strings with encoding declaration are not supported"


def _gathered_and_fetched_only(second: HarvestingCkan, source: dict, layers: dict):
    """What the harvester got before its import stage failed: our public record, alone."""
    from ckanext.spatial.harvested_metadata import ISODocument
    from lxml import etree

    ids = second.action("harvest_object_list", source_id=source["id"], only_current=False)
    objects = [second.action("harvest_object_show", id=i) for i in ids]
    assert [o["guid"] for o in objects] == [layers["public_pkg"]], objects
    # as bytes, which lxml reads with their declaration
    values = ISODocument(xml_tree=etree.fromstring(objects[0]["content"].encode())).read_values()
    assert values["title"] == "Blok Bangunan"
    assert values["bbox"] == [{"west": "106.6", "east": "106.645",
                               "south": "-6.25", "north": "-6.205"}]
    pytest.xfail("ckanext-spatial 2.3.2's CSW harvester fails in its import stage on every "
                 "record: " + SPATIAL_2_3_2_IMPORT_BUG)
