"""The benchmark catalogue generator makes datasets the portal accepts, with or without the
Satu Data schema, spread over the city."""
from __future__ import annotations

import json
import pathlib
import sys

import pytest
from shapely.geometry import box, shape

import ckan.plugins.toolkit as tk

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import generate_catalogue as generator  # noqa: E402

from ckanext.tangerang import city  # noqa: E402


def test_datasets_are_deterministic_and_inside_the_city():
    profile = city.load("tangerang")
    first = [generator.dataset_dict(n, 7, profile.opds, profile.kecamatan, profile.bbox)
             for n in range(200)]
    again = [generator.dataset_dict(n, 7, profile.opds, profile.kecamatan, profile.bbox)
             for n in range(200)]
    assert first == again
    assert len({d["name"] for d in first}) == 200
    city_box = box(*profile.bbox)
    for d in first:
        extent = shape(json.loads(d["extras"][0]["value"]))
        assert city_box.contains(extent)
        assert 1 <= len(d["resources"]) <= 3
        assert d["owner_org"] in {o.name for o in profile.opds}


def create_generated(count: int) -> list[dict]:
    """Datasets 0..count-1 of the generator, through package_create as the generator saves them."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    profile = city.current()
    generator._ensure_organizations(tk, site_user, profile.opds)
    schema = generator.dataset_schema(tk)
    created = []
    for n in range(count):
        data = generator.dataset_dict(n, 7, profile.opds, profile.kecamatan, profile.bbox)
        if schema:
            data = generator.satudata_fields(tk, schema, data, n, 7)
        created.append(tk.get_action("package_create")({"user": site_user, "ignore_auth": True}, data))
    return created


def found_in_the_city() -> int:
    minx, miny, maxx, maxy = city.current().bbox
    return tk.get_action("package_search")(
        {"ignore_auth": True},
        {"extras": {"ext_bbox": f"{minx},{miny},{maxx},{maxy}"}, "include_private": True})["count"]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_generated_datasets_are_accepted_and_found_by_bbox():
    created = create_generated(5)
    assert found_in_the_city() == 5
    assert all(d["num_resources"] >= 1 for d in created)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_copies_are_whole_datasets_of_their_own():
    """The 100,000-dataset catalogue copies created datasets in SQL: a copy must read back through
    package_show like the original (resources, tags, publisher, extent) under its own id and name,
    and be indexed and found like any dataset."""
    context = {"ignore_auth": True}
    originals = create_generated(2)

    generator.copy_datasets([2, 3, 4], 2)

    names = tk.get_action("package_list")(dict(context), {})
    assert len(names) == 5
    for n in (2, 3, 4):
        copy_name = next(name for name in names if name.startswith(f"ds-{n:06d}-"))
        copy = tk.get_action("package_show")(dict(context), {"id": copy_name})
        original = originals[n % 2]
        assert copy["id"] != original["id"]
        assert copy["title"] == original["title"]
        assert copy["organization"]["name"] == original["organization"]["name"]
        assert sorted(t["name"] for t in copy["tags"]) == sorted(t["name"] for t in original["tags"])
        assert [r["url"] for r in copy["resources"]] == [r["url"] for r in original["resources"]]
        assert {r["id"] for r in copy["resources"]}.isdisjoint(r["id"] for r in original["resources"])
        assert all(r["package_id"] == copy["id"] for r in copy["resources"])
        assert copy.get("spatial") == original.get("spatial")

    # the original's resources are untouched by its copies
    again = tk.get_action("package_show")(dict(context), {"id": originals[0]["id"]})
    assert [r["id"] for r in again["resources"]] == [r["id"] for r in originals[0]["resources"]]

    from ckan.lib import search
    search.rebuild()
    assert found_in_the_city() == 5
