"""`make run` loads the city's OPDs and demo datasets through CKAN's actions."""
import pytest

import ckan.tests.helpers as helpers

from ckanext.tangerang import city


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_demo_loads_opds_and_datasets_once(cli, ckan_config):
    from ckan.cli.cli import ckan as ckan_command

    result = cli.invoke(ckan_command, ["tangerang", "satudata", "sync-opd"])
    assert result.exit_code == 0, result.output
    orgs = helpers.call_action("organization_list")
    assert set(orgs) == {o.name for o in city.load("tangerang").opds}

    result = cli.invoke(ckan_command, ["tangerang", "satudata", "sync-urusan"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(ckan_command, ["tangerang", "satudata", "demo"])
    assert result.exit_code == 0, result.output
    found = helpers.call_action("package_search", q="kecamatan", rows=50)
    assert found["count"] >= 1
    demo = helpers.call_action("package_show", id="daftar-kecamatan-kota-tangerang")
    assert demo["organization"]["name"] == "bappeda"
    assert demo["resources"][0]["url_type"] == "upload"

    again = cli.invoke(ckan_command, ["tangerang", "satudata", "demo"])
    assert "0 created" in again.output

    # every demo CSV was queued for the DataStore; loaded now as the worker would, they are
    # tables with CKAN's table view
    tables = [r for name in ("daftar-kecamatan-kota-tangerang", "jumlah-penduduk-per-kecamatan")
              for r in helpers.call_action("package_show", id=name)["resources"]]
    assert all(helpers.call_action("tangerang_table_load_show", id=r["id"])["status"] == "queued"
               for r in tables)
    result = cli.invoke(ckan_command, ["tangerang", "satudata", "load-table", *[r["id"] for r in tables]])
    assert result.exit_code == 0, result.output
    for res in tables:
        assert helpers.call_action("resource_show", id=res["id"])["datastore_active"] is True
        views = helpers.call_action("resource_view_list", id=res["id"])
        assert "datatables_view" in {v["view_type"] for v in views}
    penduduk = helpers.call_action("datastore_search", resource_id=tables[1]["id"], sort="jumlah desc", limit=1)
    assert {f["id"]: f["type"] for f in penduduk["fields"]}["jumlah"] == "int4"
