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


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_generated_datasets_are_accepted_and_found_by_bbox():
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    profile = city.current()
    generator._ensure_organizations(tk, site_user, profile.opds)
    schema = generator.dataset_schema(tk)
    created = []
    for n in range(5):
        data = generator.dataset_dict(n, 7, profile.opds, profile.kecamatan, profile.bbox)
        if schema:
            data = generator.satudata_fields(tk, schema, data, n, 7)
        created.append(tk.get_action("package_create")(
            {"user": site_user, "ignore_auth": True}, data))
    minx, miny, maxx, maxy = profile.bbox
    found = tk.get_action("package_search")(
        {"user": site_user, "ignore_auth": True},
        {"extras": {"ext_bbox": f"{minx},{miny},{maxx},{maxy}"}, "include_private": True})
    assert found["count"] == 5
    assert all(d["num_resources"] >= 1 for d in created)
