"""Urusan pemerintahan as CKAN groups: the dataset's urusan decides its topic group."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from satudata_testlib import api, valid_dataset


def _groups(app, name, user):
    return {g["name"] for g in api(app, "package_show", {"id": name}, user)["result"]["groups"]}


def _sync(cli):
    # the subsystem's group itself: `ckan ...` would load the ini again, without this suite's plugins
    from ckanext.tangerang.satudata.cli import satudata

    return cli.invoke(satudata, ["sync-urusan"])


@pytest.fixture
def urusan_groups(cli, opd):
    result = _sync(cli)
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_urusan_makes_a_group_per_urusan_and_places_datasets_made_before(app, cli, opd):
    before = api(app, "package_create", valid_dataset(owner_org="dinkes", name="lama"), opd)["result"]
    assert _groups(app, before["name"], opd) == set()
    result = _sync(cli)
    assert result.exit_code == 0, result.output
    assert "31 created" in result.output and "placed in their urusan group: 1" in result.output
    assert helpers.call_action("group_show", id="kesehatan")["title"] == "Kesehatan"
    assert _groups(app, "lama", opd) == {"kesehatan"}
    # a second run changes nothing
    again = _sync(cli)
    assert "0 created, 31 updated" in again.output and "placed in their urusan group: 0" in again.output


def test_changing_the_urusan_moves_the_dataset_and_keeps_other_themes(app, opd, urusan_groups):
    theme = factories.Group(name="banjir", title="Banjir")
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    assert _groups(app, created["name"], opd) == {"kesehatan"}
    helpers.call_action("member_create", id=theme["id"], object=created["id"], object_type="package",
                        capacity="public")

    api(app, "package_patch", {"id": created["id"], "urusan": "pendidikan"}, opd)
    assert _groups(app, created["name"], opd) == {"pendidikan", "banjir"}
    # the index follows too: the group's page and the groups facet find it there
    found = helpers.call_action("package_search", fq="groups:pendidikan", include_private=True)
    assert [d["name"] for d in found["results"]] == [created["name"]]
    assert helpers.call_action("package_search", fq="groups:kesehatan", include_private=True)["count"] == 0


def test_an_urusan_without_its_group_leaves_memberships_alone(app, opd):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    assert _groups(app, created["name"], opd) == set()
