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
