"""The Satu Peta page, the layer page of a resource and the resource view."""
from __future__ import annotations

import json

import pytest

from ckan.tests import factories, helpers

import satu_factories

from satupeta_testlib import PLACES, feature, geojson_bytes, points_geojson, square, two_layer_geopackage

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


def test_map_page_groups_public_layers_by_theme(app, create_with_upload, run_import, editor):
    user, org = editor["user"], editor["org"]
    health = factories.Group(title="Kesehatan")
    context = {"user": user["name"]}
    ds = satu_factories.Dataset(owner_org=org["id"], groups=[{"id": health["id"]}], title="Fasilitas")
    res = create_with_upload(points_geojson(1200), "puskesmas.geojson", package_id=ds["id"],
                             format="GeoJSON", name="Puskesmas", context=context)
    run_import(res)
    hidden = satu_factories.Dataset(owner_org=org["id"], private=True)
    secret = create_with_upload(points_geojson(2), "rahasia.geojson", package_id=hidden["id"],
                                format="GeoJSON", name="Rahasia", context=context)
    run_import(secret)
    page = app.get("/en/peta").body
    assert "<legend>Kesehatan</legend>" in page
    assert "Puskesmas" in page and "Rahasia" not in page
    assert "Points, 1,200 features (Fasilitas)" in page  # the legend in text
    # in Indonesian: the number as Indonesian writes it, the map's own buttons named in Indonesian
    halaman = app.get("/peta").body
    assert "Titik, 1.200 fitur (Fasilitas)" in halaman
    config = json.loads(halaman.split('data-config="')[1].split('"')[0].replace("&#34;", '"'))
    assert config["locale"]["NavigationControl.ZoomIn"] == "Perbesar"
    assert json.loads(page.split('data-config="')[1].split('"')[0].replace("&#34;", '"'))[
        "locale"]["NavigationControl.ZoomIn"] == "Zoom in"
    assert "/vendor/maplibre-gl/maplibre-gl.css" in page and "Pan north" in page
    assert "http" not in page.split('data-config="')[1].split('"')[0].replace("&#34;", '"').split('"ogc"')[0]


def test_layer_page_imports_with_a_chosen_crs(app, create_with_upload, editor, tmp_path):
    user, org = editor["user"], editor["org"]
    ds = satu_factories.Dataset(owner_org=org["id"])
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


def test_resource_view_shows_the_layer(app, create_with_upload, run_import, editor):
    user, org = editor["user"], editor["org"]
    ds = satu_factories.Dataset(owner_org=org["id"])
    res = create_with_upload(geojson_bytes([feature(square(*PLACES[0]), nama="A")]), "a.geojson",
                             package_id=ds["id"], format="GeoJSON", context={"user": user["name"]})
    run_import(res)
    view = helpers.call_action("resource_view_create", {"user": user["name"]}, resource_id=res["id"],
                               view_type="satupeta_view",
                               title="Peta")
    page = app.get(f"/en/dataset/{ds['id']}/resource/{res['id']}/view/{view['id']}").body
    assert 'id="satupeta-map"' in page and "Show table of features" in page


def test_layer_page_offers_the_layers_of_a_geopackage_and_imports_the_chosen(
        app, create_with_upload, run_import, editor, tmp_path):
    path = two_layer_geopackage(tmp_path)
    user, org = editor["user"], editor["org"]
    ds = satu_factories.Dataset(owner_org=org["id"])
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


def test_datasets_are_searched_by_kecamatan_from_the_area_layer(
        app, create_with_upload, run_import, editor, ckan_config, monkeypatch):
    user, org = editor["user"], editor["org"]
    # the boundaries layer: Kecamatan Barat is split in two features, which share one box
    areas = geojson_bytes([feature(square(106.60, -6.20, 0.02), nama="Kecamatan Barat"),
                           feature(square(106.62, -6.20, 0.02), nama="Kecamatan Barat"),
                           feature(square(106.70, -6.20, 0.02), nama="Kecamatan Timur")])
    boundaries = satu_factories.Dataset(owner_org=org["id"], title="Batas kecamatan")
    layer = create_with_upload(areas, "batas.geojson", package_id=boundaries["id"], format="GeoJSON",
                               context={"user": user["name"]})
    assert run_import(layer)["status"] == "done"
    monkeypatch.setitem(ckan_config, "ckanext.tangerang.satupeta.area_layer", layer["id"])

    listed = helpers.call_action("tangerang_satupeta_area_list", context={"user": "", "ignore_auth": False})
    assert listed == [{"name": "Kecamatan Barat", "bbox": [106.6, -6.2, 106.64, -6.18]},
                      {"name": "Kecamatan Timur", "bbox": [106.7, -6.2, 106.72, -6.18]}]

    def extent(lon, lat):
        return json.dumps(square(lon, lat, 0.001))
    satu_factories.Dataset(owner_org=org["id"], name="sekolah-barat", title="Sekolah di barat",
                      spatial=extent(106.61, -6.19))
    satu_factories.Dataset(owner_org=org["id"], name="sekolah-timur", title="Sekolah di timur",
                      spatial=extent(106.71, -6.19))

    west = "106.6,-6.2,106.64,-6.18"
    page = app.get(f"/en/dataset/?q=sekolah&ext_bbox={west}").body
    assert "Sekolah di barat" in page and "Sekolah di timur" not in page
    assert f'<option value="{west}" selected>Kecamatan Barat</option>' in page
    # the form keeps the words searched for, and the filter can be removed
    assert '<input type="hidden" name="q" value="sekolah">' in page
    assert "Remove the area filter" in page

    # a box drawn on the map that is no kecamatan is named as such
    page = app.get("/en/dataset/?ext_bbox=106.705,-6.195,106.715,-6.185").body
    assert "Sekolah di timur" in page and "Sekolah di barat" not in page
    assert "The area chosen on the map</option>" in page

    # new boundaries (here a third kecamatan) are offered as soon as their import is done
    areas = geojson_bytes([feature(square(106.60, -6.20, 0.02), nama="Kecamatan Barat"),
                           feature(square(106.70, -6.20, 0.02), nama="Kecamatan Timur"),
                           feature(square(106.66, -6.26, 0.02), nama="Kecamatan Selatan")])
    layer = create_with_upload(areas, "batas.geojson", action="resource_update", id=layer["id"],
                               format="GeoJSON", context={"user": user["name"]})
    assert run_import(layer)["status"] == "done"
    listed = helpers.call_action("tangerang_satupeta_area_list", context={"user": "", "ignore_auth": False})
    assert [(a["name"], a["bbox"]) for a in listed] == [
        ("Kecamatan Barat", [106.6, -6.2, 106.62, -6.18]),
        ("Kecamatan Selatan", [106.66, -6.26, 106.68, -6.24]),
        ("Kecamatan Timur", [106.7, -6.2, 106.72, -6.18])]
    assert "Kecamatan Selatan</option>" in app.get("/en/dataset/").body

    # a private boundaries layer is not offered to the public
    helpers.call_action("package_patch", context={"user": user["name"]}, id=boundaries["id"], private=True)
    assert helpers.call_action("tangerang_satupeta_area_list", context={"user": "", "ignore_auth": False}) == []
    assert "Kecamatan Barat" not in app.get("/en/dataset/").body


def test_without_an_area_layer_the_box_is_typed_and_bad_boxes_are_explained(app):
    page = app.get("/en/dataset/").body
    assert 'name="ext_bbox"' in page and "Area (west, south, east, north)" in page
    bad = app.get("/en/dataset/?ext_bbox=106.7,-6.2,106.6").body
    assert "must be four numbers separated by commas" in bad
    flipped = app.get("/dataset/?ext_bbox=106.7,-6.2,106.6,-6.1").body
    assert "bukan kotak" in flipped or "bukan sebuah kotak" in flipped


def test_map_page_links_to_a_search_of_the_view(app):
    page = app.get("/en/peta").body
    assert 'id="satupeta-search-view"' in page and "ext_bbox=" in page.split('id="satupeta-search-view"')[1][:300]


def test_officer_sets_a_style_on_the_layer_page_and_the_map_page_shows_its_legend(
        app, create_with_upload, run_import, editor):
    user, org = editor["user"], editor["org"]
    ds = satu_factories.Dataset(owner_org=org["id"], title="Blok")
    blocks = [feature(square(lon, lat), nama=f"Blok {i}", kecamatan=["Pinang", "Cipondoh"][i % 2])
              for i, (lon, lat) in enumerate(PLACES)]
    res = create_with_upload(geojson_bytes(blocks), "blok.geojson", package_id=ds["id"], format="GeoJSON",
                             name="Blok", context={"user": user["name"]})
    assert run_import(res)["status"] == "done"
    url = f"/en/dataset/{ds['name']}/resource/{res['id']}/layer"
    token = factories.APIToken(user=user["name"])["token"]
    page = app.get(url, headers={"Authorization": token}).body
    form = page.split('action="' + url + '/style"')[1].split("</form>")[0]
    assert 'name="_csrf_token"' in form and 'name="classify_field"' in form
    assert "?SERVICE=WMS&amp;REQUEST=GetCapabilities" in page  # the services, for GIS users
    # categories from the data, then their legend labels edited
    app.post(url + "/style", data={"fill": "#444444", "classify_field": "kecamatan",
                                   "classify_method": "categories", "classify_count": "4"},
             headers={"Authorization": token})
    style = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"]["style"]
    assert [c["value"] for c in style["classify"]["classes"]] == ["Pinang", "Cipondoh"]  # 3 vs 2
    page = app.get(url, headers={"Authorization": token}).body
    assert 'value="Pinang"' in page
    app.post(url + "/style", data={
        "fill": "#444444", "classify_field": "kecamatan", "classify_method": "categories", "keep_classes": "1",
        "class_value": ["Pinang", "Cipondoh"], "class_min": ["", ""], "class_max": ["", ""],
        "class_label": ["Kecamatan Pinang", "Kecamatan Cipondoh"], "class_color": ["#e69f00", "#0072b2"]},
        headers={"Authorization": token})
    legend = app.get("/en/peta").body.split('aria-label="Legend of Blok"')[1].split("</ul>")[0]
    assert "Kecamatan Pinang" in legend and "Kecamatan Cipondoh" in legend and "Other" in legend
    # a bad value: the page says which field and what is allowed; the saved style stays
    bad = app.post(url + "/style", data={"fill": "merah"}, headers={"Authorization": token},
                   follow_redirects=True).body
    assert "Fill colour: Use a colour as #rrggbb" in bad
    kept = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"]["style"]
    assert kept["classify"]["classes"][0]["label"] == "Kecamatan Pinang"
    # a visitor reads the legend but gets no form, and cannot post one
    assert 'name="classify_field"' not in app.get(url).body
    assert app.post(url + "/style", data={"fill": "#000000"}).status_code in (400, 403)
