"""Faults survived: Solr down during writes, Redis crashing with jobs queued, PostgreSQL
restarted under a running portal. Each test stops only the services it started itself."""
from __future__ import annotations

import re

import pytest
import requests

import ckan.plugins.toolkit as tk
import ckan.tests.factories as factories
import satu_factories
from satu_factories import standard_fields
from ckan.cli.cli import ckan

from ops_services import Portal, ckan_cli, write_ini


def _api(app, action, data, token, status=200):
    return app.post(f"/api/3/action/{action}", json=data, headers={"Authorization": token},
                    status=status).json


def _found(sysadmin, query):
    result = tk.get_action("package_search")(
        {"user": sysadmin["name"], "ignore_auth": True},
        {"q": query, "include_private": True})
    return sorted(d["name"] for d in result["results"])


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_datasets_written_while_solr_is_down_are_kept_and_indexed_when_it_is_back(
        app, cli, solr_node, monkeypatch, ckan_config):
    monkeypatch.setitem(ckan_config, "solr_url", solr_node.url)
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization()
    token = sysadmin["token"]
    old = _api(app, "package_create", {"name": "data-lama", "title": "Data Lama Puskesmas",
                                       "owner_org": org["id"], **standard_fields()}, token)["result"]
    assert _found(sysadmin, "puskesmas") == ["data-lama"]

    solr_node.stop()
    # the publisher's writes succeed although the search index cannot be reached
    created = _api(app, "package_create", {
        "name": "data-baru", "title": "Data Baru Puskesmas", "owner_org": org["id"],
        **standard_fields(), "resources": [{"url": "https://tangerangkota.go.id/data.csv", "name": "Tabel"}]},
        token)["result"]
    _api(app, "package_patch", {"id": old["id"], "title": "Data Lama Posyandu"}, token)
    # and are saved in PostgreSQL
    shown = _api(app, "package_show", {"id": "data-baru"}, token)["result"]
    assert shown["id"] == created["id"] and len(shown["resources"]) == 1
    assert _api(app, "package_show", {"id": "data-lama"}, token)["result"]["title"] == \
        "Data Lama Posyandu"

    solr_node.start()
    # the operator re-indexes what is missing (new datasets) and what changed (by id, as logged)
    assert cli.invoke(ckan, ["search-index", "rebuild", "-o"]).exit_code == 0
    assert _found(sysadmin, "puskesmas") == ["data-baru"]
    assert cli.invoke(ckan, ["search-index", "rebuild", old["id"]]).exit_code == 0
    assert _found(sysadmin, "posyandu") == ["data-lama"]


def _queued(ini) -> list[str]:
    out = ckan_cli(ini, "jobs", "list", "ops_redis").stdout
    return re.findall(r"^\S+ ([0-9a-f-]{36}) ops_redis ", out, re.M)


def test_jobs_survive_a_redis_crash_and_enqueueing_while_it_is_down_fails_loudly(
        redis_server, base_ini, tmp_path):
    ini = write_ini(tmp_path / "redis.ini", base_ini, **{"ckan.redis.url": redis_server.url})
    ckan_cli(ini, "jobs", "test", "ops_redis")
    queued = _queued(ini)
    assert len(queued) == 1

    redis_server.stop()
    failed = ckan_cli(ini, "jobs", "test", "ops_redis", check=False)
    # no silent loss: the command fails and says why
    assert failed.returncode != 0
    assert "ConnectionError" in failed.stderr or "Connection refused" in failed.stderr

    redis_server.start()
    # the job queued before the crash is still there (append-only file) and gets done
    assert _queued(ini) == queued
    ckan_cli(ini, "jobs", "worker", "--burst", "ops_redis")
    # the worker took it and finished it: the queue is empty again
    assert _queued(ini) == []
    assert _queued(ini) == []


def test_portal_serves_pages_while_redis_is_down(redis_server, base_ini, tmp_path):
    ini = write_ini(tmp_path / "redis.ini", base_ini, **{"ckan.redis.url": redis_server.url})
    portal = Portal(ini, workers=1)
    portal.start()
    try:
        redis_server.stop()
        for path in ("/", "/dataset/", "/api/3/action/package_search?q=data"):
            assert requests.get(portal.url + path, timeout=30).status_code == 200, path
    finally:
        portal.close()


GEOJSON = (b'{"type": "FeatureCollection", "features": ['
           b'{"type": "Feature", "properties": {"nama": "Puskesmas Cibodas"}, '
           b'"geometry": {"type": "Point", "coordinates": [106.61, -6.19]}}, '
           b'{"type": "Feature", "properties": {"nama": "Puskesmas Karawaci"}, '
           b'"geometry": {"type": "Point", "coordinates": [106.62, -6.18]}}]}')


@pytest.mark.usefixtures("with_plugins")
def test_a_map_upload_while_redis_is_down_is_kept_and_imported_when_started_again(
        redis_server, base_ini, tmp_path):
    ini = write_ini(tmp_path / "redis.ini", base_ini, **{"ckan.redis.url": redis_server.url,
                                                          "ckanext.tangerang.satupeta.auto_import": "true"})
    sysadmin = factories.SysadminWithToken()
    dataset = satu_factories.Dataset(owner_org=factories.Organization()["id"], title="Lokasi Puskesmas")
    headers = {"Authorization": sysadmin["token"]}
    portal = Portal(ini, workers=1)
    portal.start()

    def call(action, files=None, **data):
        reply = requests.post(f"{portal.url}/api/3/action/{action}", headers=headers, timeout=60,
                              **({"data": data, "files": files} if files else {"json": data}))
        assert reply.status_code == 200, reply.text
        return reply.json()["result"]

    try:
        redis_server.stop()
        # the officer's upload is saved although its import cannot be queued ...
        resource = call("resource_create", files={"upload": ("puskesmas.geojson", GEOJSON)},
                        package_id=dataset["id"], name="Lokasi", format="GeoJSON")
        assert call("package_show", id=dataset["id"])["resources"][0]["id"] == resource["id"]
        # ... and its layer page says why the import did not start
        run = call("tangerang_satupeta_layer_show", id=resource["id"])["import"]
        assert run["status"] == "failed"
        assert "job queue" in run["error_message"] or "antrean" in run["error_message"]

        redis_server.start()
        # started again once Redis is back, the import is queued and done by a worker
        assert call("tangerang_satupeta_layer_import", id=resource["id"])["status"] == "queued"
        ckan_cli(ini, "jobs", "worker", "--burst")
        state = call("tangerang_satupeta_layer_show", id=resource["id"])
        assert state["import"]["status"] == "done"
        assert state["layer"]["feature_count"] == 2
    finally:
        portal.close()


def test_portal_recovers_when_postgresql_restarts(postgres_cluster, base_ini, tmp_path):
    ini = write_ini(tmp_path / "pg.ini", base_ini, **{"sqlalchemy.url": postgres_cluster.url})
    ckan_cli(ini, "db", "init")
    portal = Portal(ini, workers=2)
    portal.start()
    try:
        paths = ("/api/3/action/package_list", "/api/3/action/organization_list", "/dataset/")
        # every worker holds pooled connections before the restart
        for _ in range(4):
            for path in paths:
                assert requests.get(portal.url + path, timeout=30).status_code == 200
        postgres_cluster.pg_ctl("restart")
        # no restart of the portal: the first requests after it already answer
        for _ in range(4):
            for path in paths:
                assert requests.get(portal.url + path, timeout=30).status_code == 200, path
    finally:
        portal.close()
