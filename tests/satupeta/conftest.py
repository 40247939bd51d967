"""Fixtures of Satu Peta's tests: the feature store (a real PostGIS database)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from live_portal import Portal

import satu_factories

from satupeta_testlib import PLACES, feature, geojson_bytes, square

from ckanext.tangerang.satupeta import gdal

# GDAL registered with Satu Peta's drivers only, as the portal's imports and downloads do, before
# a test module's own `import pyogrio` would register them all (gdal.check() then refuses)
gdal.library()

@pytest.fixture
def editor():
    """An editor of a fresh organization, and the context of their actions."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    return {"user": user, "org": org, "context": {"user": user["name"], "ignore_auth": False}}


@pytest.fixture
def run_import():
    """Imports a resource now, as the worker would, and returns the import run."""
    from ckanext.tangerang.satupeta import jobs
    from ckanext.tangerang.satupeta import model as store

    def runner(resource: dict, crs: str | None = None, layer: str | None = None) -> dict:
        run = store.create_import(resource["id"], resource["package_id"], crs, layer)
        jobs.import_layer(run["id"])
        state = tk.get_action("tangerang_satupeta_layer_show")({"ignore_auth": True}, {"id": resource["id"]})
        return state["import"]

    return runner


@pytest.fixture(scope="session")
def peta_server(request, tmp_path_factory):
    """The portal under gunicorn with the ini this run was given (--ckan-ini)."""
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("peta-server"),
                        name="test-peta-server", timeout=120) as portal:
        yield portal.url


@pytest.fixture
def layers(create_with_upload, run_import):
    """A public polygon layer of 25 blocks (a 5 x 5 grid of 0.005 degree squares from
    106.60, -6.25, one every 0.01 degree) and a private point layer, their WMS/WFS names, their
    editor and an API token of theirs (tests/satupeta/test_ogc.py, test_ows.py)."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    context = {"user": user["name"]}
    blocks = [feature(square(106.60 + 0.01 * (i % 5), -6.25 + 0.01 * (i // 5), 0.005),
                      nama=f"Blok {i}", kecamatan="Cipondoh" if i % 2 else "Pinang", nomor=i)
              for i in range(25)]
    public = satu_factories.Dataset(owner_org=org["id"], title="Blok Bangunan")
    res = create_with_upload(geojson_bytes(blocks), "blok.geojson", package_id=public["id"],
                             format="GeoJSON", name="Blok bangunan", context=context)
    assert run_import(res)["status"] == "done"
    private = satu_factories.Dataset(owner_org=org["id"], private=True, title="Aset Rahasia")
    secret = create_with_upload(geojson_bytes([feature({"type": "Point", "coordinates": list(p)}, nama="aset")
                                               for p in PLACES]), "aset.geojson",
                                package_id=private["id"], format="GeoJSON", name="Aset", context=context)
    assert run_import(secret)["status"] == "done"
    token = factories.APIToken(user=user["name"])["token"]
    return {"public": res["id"], "private": secret["id"], "token": token, "user": user,
            "public_pkg": public["id"], "name": "layer_" + res["id"].replace("-", "_"),
            "private_name": "layer_" + secret["id"].replace("-", "_")}


@pytest.fixture(scope="session")
def csw_portal(request, tmp_path_factory, csw_backend):
    """The portal's /csw, forwarding to the test's pycsw (test_csw.py, test_csw_harvest.py)."""
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("csw"),
                        name="test-csw-portal", **{
                            "ckanext.tangerang.satupeta.csw.backend_url": csw_backend}) as portal:
        yield portal.url + "/csw"
