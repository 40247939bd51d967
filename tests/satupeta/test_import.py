"""Importing resources as layers through CKAN: the job, the report, atomic replacement, access."""
from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.tangerang.satupeta import model as store

import satu_factories

from satupeta_testlib import PLACES, bowtie, feature, feature_tables, geojson_bytes, points_geojson, \
    shapefile_zip, square

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


def upload(create_with_upload, editor, data: bytes, filename: str, fmt: str, **dataset):
    ds = satu_factories.Dataset(owner_org=editor["org"]["id"], **dataset)
    return create_with_upload(data, filename, package_id=ds["id"], format=fmt,
                              context={"user": editor["user"]["name"]})


def test_geojson_becomes_a_layer_with_a_report(create_with_upload, editor, run_import, peta_store):
    res = upload(create_with_upload, editor, geojson_bytes([
        feature(square(*PLACES[0]), nama="Blok A"), feature(bowtie(*PLACES[3]), nama="Blok B"),
        feature(None, nama="tanpa geometri")]), "blok.geojson", "GeoJSON")
    run = run_import(res)
    assert run["status"] == "done", run["error_message"]
    report = run["report"]
    assert (report["features_read"], report["features_written"], report["repaired"],
            report["dropped_empty"]) == (3, 2, 1, 1)
    assert report["source_crs"] == "EPSG:4326"
    layer = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"]
    assert layer["feature_count"] == 2 and layer["geometry_family"] == "polygon"
    with peta_store.connect() as conn:
        table = conn.execute(sa.text("SELECT table_name FROM tangerang_satupeta_layer")).scalar()
        srid, valid, gist = conn.execute(sa.text(
            f'SELECT min(ST_SRID(geom)), bool_and(ST_IsValid(geom)), '
            f"(SELECT count(*) FROM pg_indexes WHERE tablename = '{table}' AND indexdef LIKE '%gist (geom)') "
            f'FROM "{table}"')).one()
    assert (srid, valid, gist) == (4326, True, 1)


def test_layer_state_survives_the_store_dropping_its_connections(create_with_upload, editor, run_import,
                                                                peta_store):
    """A connection to the store the database dropped (a restart, an idle timeout), the layer
    states' listener among them, is replaced by a fresh one, not shown as no layer."""
    res = upload(create_with_upload, editor, points_geojson(3), "titik.geojson", "GeoJSON")
    assert run_import(res)["status"] == "done"

    def state():
        return _shown_state(res)[0]

    assert state() == "active"  # the states' listener is now connected
    with peta_store.connect() as conn:
        dropped = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert dropped >= 1
    assert state() == "active"


def _shown_state(res):
    pkg = helpers.call_action("package_show", id=res["package_id"])
    return pkg["resources"][0].get("satupeta_layer_state"), pkg["resources"][0].get("satupeta_last_import")


def _eventually(read, expected, seconds=5.0):
    """Another process's change reaches this one's copy of the states with its notification."""
    deadline = time.monotonic() + seconds
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return value


def test_layer_states_follow_changes_made_by_another_process(create_with_upload, editor, run_import,
                                                             peta_store, monkeypatch):
    """The states package_show shows are kept in memory: a change another worker commits (here
    another session of the store) is shown once announced, and a lookup while nothing changed
    asks the store nothing."""
    res = upload(create_with_upload, editor, points_geojson(3), "titik.geojson", "GeoJSON")
    assert run_import(res)["status"] == "done"
    assert _shown_state(res) == ("active", "done")

    reads = []
    original = store._StateCache._read
    monkeypatch.setattr(store._StateCache, "_read", lambda self, ids: (reads.append(ids), original(self, ids)))
    for _ in range(3):
        assert _shown_state(res) == ("active", "done")
    assert reads == []

    # a re-import queued elsewhere: the previous version is still served
    with peta_store.begin() as conn:
        conn.execute(sa.text("INSERT INTO tangerang_satupeta_import (id, layer_id, package_id, status) "
                             "VALUES ('elsewhere', :id, :pkg, 'queued')"),
                     {"id": res["id"], "pkg": res["package_id"]})
    assert _eventually(lambda: _shown_state(res), ("active", "queued")) == ("active", "queued")
    assert reads and reads[-1] == [res["id"]]  # only the changed resource was read again
    # an import under way is read afresh on each lookup, announced or not
    with peta_store.begin() as conn:
        conn.execute(sa.text("UPDATE tangerang_satupeta_import SET status = 'failed' WHERE id = 'elsewhere'"))
    assert _shown_state(res) == ("active", "failed")
    # another worker deletes the layer (as tangerang_satupeta_layer_delete does): no state is shown
    with peta_store.begin() as conn:
        conn.execute(sa.text("DELETE FROM tangerang_satupeta_layer WHERE id = :id"), {"id": res["id"]})
        conn.execute(sa.text("DELETE FROM tangerang_satupeta_import WHERE layer_id = :id"), {"id": res["id"]})
    assert _eventually(lambda: _shown_state(res), (None, None)) == (None, None)
    with peta_store.begin() as conn:
        conn.execute(sa.text("INSERT INTO tangerang_satupeta_import (id, layer_id, package_id, status) "
                             "VALUES ('again', :id, :pkg, 'failed')"),
                     {"id": res["id"], "pkg": res["package_id"]})
    assert _eventually(lambda: _shown_state(res), ("failed", "failed")) == ("failed", "failed")
    # the store emptied
    with peta_store.begin() as conn:
        conn.execute(sa.text("TRUNCATE tangerang_satupeta_import"))
    assert _eventually(lambda: _shown_state(res), (None, None)) == (None, None)
    assert reads[-1] is None  # a TRUNCATE announces every state: all were read again


@pytest.mark.ckan_config("ckanext.tangerang.satupeta.layer_state_cache", "false")
def test_layer_states_without_the_cache_are_read_from_the_store(create_with_upload, editor, run_import,
                                                                peta_store):
    res = upload(create_with_upload, editor, points_geojson(3), "titik.geojson", "GeoJSON")
    assert run_import(res)["status"] == "done"
    assert _shown_state(res) == ("active", "done")
    with peta_store.begin() as conn:
        conn.execute(sa.text("DELETE FROM tangerang_satupeta_layer WHERE id = :id"), {"id": res["id"]})
    assert _shown_state(res) == (None, None)  # at once: no notification to wait for


def test_dataset_extent_is_filled_and_searchable(create_with_upload, editor, run_import):
    res = upload(create_with_upload, editor, points_geojson(5), "titik.geojson", "GeoJSON",
                 title="Titik Pantau")
    assert run_import(res)["status"] == "done"
    pkg = helpers.call_action("package_show", id=res["package_id"])
    spatial = json.loads(pkg["spatial"])
    xs = [c[0] for c in spatial["coordinates"][0]]
    assert min(xs) == pytest.approx(106.61) and max(xs) == pytest.approx(106.70)
    # ckanext-spatial's search by area: a box over Tangerang finds it, one over Bandung does not
    found = helpers.call_action("package_search", extras={"ext_bbox": "106.5,-6.3,106.8,-6.1"})
    assert [d["id"] for d in found["results"]] == [res["package_id"]]
    assert helpers.call_action("package_search", extras={"ext_bbox": "107.5,-7.0,107.7,-6.8"})["count"] == 0


def test_shapefile_without_prj_asks_then_uses_the_chosen_crs(create_with_upload, editor, run_import,
                                                             tmp_path):
    res = upload(create_with_upload, editor, shapefile_zip(tmp_path, 23834, prj=False), "bidang.zip", "SHP")
    run = run_import(res)
    assert run["status"] == "failed"
    assert "Choose one from the list" in run["error_message"]
    assert helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"] is None
    run = run_import(res, "EPSG:23834")
    assert run["status"] == "done"
    assert run["report"]["source_crs"] == "EPSG:23834"
    assert run["report"]["bbox"][0] == pytest.approx(106.61, abs=1e-5)


def test_failed_reimport_keeps_the_previous_version(create_with_upload, editor, run_import, peta_store):
    res = upload(create_with_upload, editor, points_geojson(5), "titik.geojson", "GeoJSON")
    assert run_import(res)["status"] == "done"
    tables = feature_tables(peta_store)
    # a new file whose fourth feature is far outside the CRS's area
    bad = geojson_bytes([feature({"type": "Point", "coordinates": [106.6, -6.2]})] * 3
                        + [feature({"type": "Point", "coordinates": [677000, 9314000]})])
    res = create_with_upload(bad, "titik.geojson", action="resource_update", id=res["id"], format="GeoJSON",
                             context={"user": editor["user"]["name"]})
    run = run_import(res)
    assert run["status"] == "failed"
    assert "outside the area" in run["error_message"]
    state = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])
    assert state["layer"]["feature_count"] == 5
    assert feature_tables(peta_store) == tables  # the half-built table went with the rollback


def test_reimport_replaces_the_layer(create_with_upload, editor, run_import, peta_store):
    res = upload(create_with_upload, editor, points_geojson(5), "titik.geojson", "GeoJSON")
    run_import(res)
    old = feature_tables(peta_store)
    res = create_with_upload(points_geojson(3, start=10), "titik.geojson", action="resource_update",
                             id=res["id"], format="GeoJSON", context={"user": editor["user"]["name"]})
    assert run_import(res)["status"] == "done"
    layer = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"]
    assert layer["feature_count"] == 3
    new = feature_tables(peta_store)
    assert len(new) == 1 and new != old


def test_import_action_validates_the_crs(create_with_upload, editor):
    res = upload(create_with_upload, editor, points_geojson(2), "titik.geojson", "GeoJSON")
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("tangerang_satupeta_layer_import", editor["context"], id=res["id"],
                            crs="EPSG:23830")
    assert "EPSG:23830" in e.value.error_dict["crs"][0]
    assert "EPSG:23834" in e.value.error_dict["crs"][0]


def test_import_needs_edit_rights(create_with_upload, editor):
    res = upload(create_with_upload, editor, points_geojson(2), "titik.geojson", "GeoJSON")
    stranger = factories.User()
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("tangerang_satupeta_layer_import", {"user": stranger["name"],
                                                                "ignore_auth": False}, id=res["id"])


def test_private_layer_state_is_hidden(create_with_upload, editor, run_import):
    res = upload(create_with_upload, editor, points_geojson(2), "titik.geojson", "GeoJSON", private=True)
    run_import(res)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("tangerang_satupeta_layer_show", {"user": "", "ignore_auth": False}, id=res["id"])
    state = helpers.call_action("tangerang_satupeta_layer_show", editor["context"], id=res["id"])
    assert state["layer"]["feature_count"] == 2


@pytest.mark.usefixtures("with_test_worker", "clean_queues")
def test_upload_is_imported_by_the_worker_with_progress(create_with_upload, editor, app, ckan_config,
                                                        monkeypatch):
    from ckan.lib import jobs as ckan_jobs

    monkeypatch.setitem(ckan_config, "ckanext.tangerang.satupeta.auto_import", "true")
    res = upload(create_with_upload, editor, points_geojson(25), "titik.geojson", "GeoJSON")
    state = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])
    assert state["import"]["status"] == "queued"
    page = app.get(f"/dataset/{res['package_id']}/resource/{res['id']}")  # Indonesian by default
    assert "Impor sedang menunggu dalam antrean." in page.body
    ckan_jobs.Worker().work(burst=True)
    state = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])
    assert state["import"]["status"] == "done"
    assert (state["import"]["features_read"], state["import"]["features_written"]) == (25, 25)
    page = app.get(f"/en/dataset/{res['package_id']}/resource/{res['id']}")
    assert "Import report" in page.body and "EPSG:4326" in page.body


def test_deleting_the_resource_drops_its_layer(create_with_upload, editor, run_import, peta_store):
    res = upload(create_with_upload, editor, points_geojson(2), "titik.geojson", "GeoJSON")
    run_import(res)
    helpers.call_action("resource_delete", {"user": editor["user"]["name"]}, id=res["id"])
    assert feature_tables(peta_store) == []
