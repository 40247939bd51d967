"""The Satu Peta page, the layer page of a resource and the resource view."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from satupeta_testlib import PLACES, feature, geojson_bytes, points_geojson, square, two_layer_geopackage

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


@pytest.fixture
def org_editor():
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    return user, org


def test_map_page_groups_public_layers_by_theme(app, create_with_upload, run_import, org_editor):
    user, org = org_editor
    health = factories.Group(title="Kesehatan")
    context = {"user": user["name"]}
    ds = factories.Dataset(owner_org=org["id"], groups=[{"id": health["id"]}], title="Fasilitas")
    res = create_with_upload(points_geojson(5), "puskesmas.geojson", package_id=ds["id"],
                             format="GeoJSON", name="Puskesmas", context=context)
    run_import(res)
    hidden = factories.Dataset(owner_org=org["id"], private=True)
    secret = create_with_upload(points_geojson(2), "rahasia.geojson", package_id=hidden["id"],
                                format="GeoJSON", name="Rahasia", context=context)
    run_import(secret)
    page = app.get("/en/peta").body
    assert "<legend>Kesehatan</legend>" in page
    assert "Puskesmas" in page and "Rahasia" not in page
    assert "Points, 5 features (Fasilitas)" in page  # the legend in text
    assert "/vendor/maplibre-gl/maplibre-gl.css" in page and "Pan north" in page
    assert "http" not in page.split('data-config="')[1].split('"')[0].replace("&#34;", '"').split('"ogc"')[0]


def test_layer_page_imports_with_a_chosen_crs(app, create_with_upload, org_editor, tmp_path):
    user, org = org_editor
    ds = factories.Dataset(owner_org=org["id"])
    res = create_with_upload(points_geojson(2), "titik.geojson", package_id=ds["id"], format="GeoJSON",
                             context={"user": user["name"]})
    url = f"/en/dataset/{ds['name']}/resource/{res['id']}/layer"
    token = factories.APIToken(user=user["name"])["token"]
    page = app.get(url, headers={"Authorization": token}).body
    assert "EPSG:23834" in page and "This resource has not been imported" in page
    bad = app.post(url, data={"crs": "EPSG:23830"}, headers={"Authorization": token}).body
    assert "Unknown coordinate reference system EPSG:23830" in bad
    app.post(url, data={"crs": ""}, headers={"Authorization": token})
    state = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])
    assert state["import"]["status"] == "queued"
    assert app.get(url).status_code == 200  # a public dataset's layer page is public; no form
    assert "Import again" not in app.get(url).body


def test_resource_view_shows_the_layer(app, create_with_upload, run_import, org_editor):
    user, org = org_editor
    ds = factories.Dataset(owner_org=org["id"])
    res = create_with_upload(geojson_bytes([feature(square(*PLACES[0]), nama="A")]), "a.geojson",
                             package_id=ds["id"], format="GeoJSON", context={"user": user["name"]})
    run_import(res)
    view = helpers.call_action("resource_view_create", {"user": user["name"]}, resource_id=res["id"],
                               view_type="satupeta_view",
                               title="Peta")
    page = app.get(f"/en/dataset/{ds['id']}/resource/{res['id']}/view/{view['id']}").body
    assert 'id="satupeta-map"' in page and "Show table of features" in page


def test_layer_page_offers_the_layers_of_a_geopackage_and_imports_the_chosen(
        app, create_with_upload, run_import, org_editor, tmp_path):
    path = two_layer_geopackage(tmp_path)
    user, org = org_editor
    ds = factories.Dataset(owner_org=org["id"])
    res = create_with_upload(path.read_bytes(), "fasilitas.gpkg", package_id=ds["id"], format="GPKG",
                             context={"user": user["name"]})
    run = run_import(res)
    assert run["status"] == "failed"
    assert "2 layers (sekolah, puskesmas)" in run["error_message"]

    url = f"/en/dataset/{ds['name']}/resource/{res['id']}/layer"
    token = factories.APIToken(user=user["name"])["token"]
    page = app.get(url, headers={"Authorization": token}).body
    assert 'name="layer"' in page and '<option value="puskesmas"' in page
    app.post(url, data={"crs": "", "layer": "puskesmas"}, headers={"Authorization": token})
    queued = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["import"]
    assert queued["status"] == "queued" and queued["source_layer"] == "puskesmas"

    run = run_import(res, layer="puskesmas")
    assert run["status"] == "done" and run["features_written"] == 3
    page = app.get(url, headers={"Authorization": token}).body
    assert "Layer read from the file" in page and '<option value="puskesmas" selected' in page
