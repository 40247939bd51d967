"""The running stack: our plugins load, and a dataset goes through the action API, PostgreSQL,
Solr (text and spatial search) and the file store as a user would see it."""
from __future__ import annotations

import io
import json
import os
import re
import pathlib
import subprocess
import sys

import pytest
import requests

import ckan.tests.factories as factories

from satu_factories import standard_fields

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent

PLUGINS = {"tangerang_satudata", "spatial_metadata", "spatial_query"}
# a polygon inside Kota Tangerang (Cipondoh area)
EXTENT = {"type": "Polygon", "coordinates": [[[106.68, -6.20], [106.72, -6.20], [106.72, -6.16],
                                              [106.68, -6.16], [106.68, -6.20]]]}


def _api(app, action, data, token, status=200):
    res = app.post(f"/api/3/action/{action}", json=data,
                   headers={"Authorization": token}, status=status)
    return res.json


@pytest.fixture
def editor(clean_db):
    """An editor of the Walidata's office (the city profile's walidata_org): what they create is
    published at once; another OPD's dataset waits for the Walidata's review."""
    user = factories.UserWithToken()
    org = factories.Organization(name="diskominfo",
                                 users=[{"name": user["name"], "capacity": "editor"}])
    return {"user": user, "token": user["token"], "org": org}


def test_status_show_lists_our_plugins(app):
    result = app.get("/api/3/action/status_show").json["result"]
    assert PLUGINS <= set(result["extensions"])
    assert result["ckan_version"] == "2.12.0"


def test_live_gunicorn_serves_the_api(live_server):
    res = requests.get(f"{live_server}/api/3/action/status_show", timeout=10)
    assert res.status_code == 200
    assert "tangerang_satudata" in res.json()["result"]["extensions"]


@pytest.mark.usefixtures("clean_index")
def test_dataset_created_via_api_is_found_by_search(app, editor):
    _api(app, "package_create", {
        "name": "jumlah-puskesmas", "title": "Jumlah Puskesmas per Kecamatan",
        "owner_org": editor["org"]["id"],
        **standard_fields(notes="Puskesmas menurut kecamatan"),
    }, editor["token"])

    found = app.get("/api/3/action/package_search", query_string={"q": "puskesmas"}).json["result"]
    assert [d["name"] for d in found["results"]] == ["jumlah-puskesmas"]
    none = app.get("/api/3/action/package_search", query_string={"q": "sekolah"}).json["result"]
    assert none["count"] == 0


@pytest.mark.usefixtures("clean_index")
def test_search_by_ext_bbox_uses_the_spatial_extent(app, editor):
    _api(app, "package_create", {
        "name": "taman-kota", "title": "Taman Kota", "owner_org": editor["org"]["id"],
        "spatial": json.dumps(EXTENT), **standard_fields(),
    }, editor["token"])
    _api(app, "package_create", {
        "name": "tanpa-wilayah", "title": "Tanpa Wilayah", "owner_org": editor["org"]["id"],
        **standard_fields(),
    }, editor["token"])

    def names(bbox):
        res = app.get("/api/3/action/package_search", query_string={"ext_bbox": bbox})
        return {d["name"] for d in res.json["result"]["results"]}

    assert names("106.6,-6.25,106.75,-6.1") == {"taman-kota"}  # the city
    assert names("106.70,-6.18,106.71,-6.17") == {"taman-kota"}  # a box inside the extent
    assert names("110.0,-7.5,110.5,-7.0") == set()  # Yogyakarta: elsewhere


def test_malformed_extent_is_rejected_and_nothing_saved(app, editor):
    res = _api(app, "package_create", {
        "name": "wilayah-rusak", "title": "Wilayah Rusak", "owner_org": editor["org"]["id"],
        "spatial": "{not geojson", **standard_fields(),
    }, editor["token"], status=409)
    assert res["success"] is False
    assert "spatial" in json.dumps(res["error"])
    assert app.get("/api/3/action/package_show", query_string={"id": "wilayah-rusak"},
                   status=404).json["success"] is False


def test_uploaded_resource_downloads_byte_for_byte(app, editor):
    dataset = _api(app, "package_create", {
        "name": "data-unggah", "title": "Data Unggah", "owner_org": editor["org"]["id"],
        **standard_fields(),
    }, editor["token"])["result"]
    content = "kode_wilayah,kecamatan,jumlah\n36.71.05,Cipondoh,4\n".encode() + bytes(range(256))
    res = app.post("/api/3/action/resource_create",
                   data={"package_id": dataset["id"], "name": "Data mentah",
                         "upload": (io.BytesIO(content), "data-mentah.csv")},
                   headers={"Authorization": editor["token"]},
                   content_type="multipart/form-data")
    resource = res.json["result"]
    assert resource["url_type"] == "upload"

    download = app.get(resource["url"].replace("http://test.ckan.net", ""))
    assert download.status_code == 200
    assert download.data == content


def _ckan(ini: str, *args: str) -> subprocess.CompletedProcess:
    # CKAN_* variables of this test process would read as config options
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    return subprocess.run([str(VENV_BIN / "ckan"), "-c", str(ROOT / "config" / ini), *args],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.services  # the ckan CLI loads the portal, which connects to its database
@pytest.mark.parametrize("ini", ["ckan.ini", "test.ini"])
def test_config_validate_is_clean(ini):
    proc = _ckan(ini, "config", "validate")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    problems = [line for line in output.splitlines()
                if ("ERROR" in line or "error" in line) and "tangerang" in line]
    assert problems == []

    undeclared = [line for line in _ckan(ini, "config", "undeclared").stdout.splitlines()
                  if re.fullmatch(r"[\w.]+", line)]
    # ckanext-spatial 2.3, ckanext-scheming 3.1 and ckanext-dcat 2.4 declare none of their
    # options; ours and CKAN's are all declared
    upstream = ("ckanext.spatial.", "scheming.", "ckanext.dcat.")
    assert [key for key in undeclared if not key.startswith(upstream)] == []
