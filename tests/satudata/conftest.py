"""Satu Data tests run with the plugins of the portal's catalogue: the satudata plugin, the
scheming schema of the Satu Data standard, spatial search and DCAT."""
from __future__ import annotations

import pathlib

import pytest

import ckan.tests.factories as factories

from live_portal import Portal

HERE = pathlib.Path(__file__).parent
PLUGINS = ("tangerang_satudata activity spatial_metadata spatial_query scheming_datasets "
           "dcat structured_data")
CONFIG = {
    "ckan.plugins": PLUGINS,
    "scheming.dataset_schemas": "ckanext.tangerang.satudata:dataset_schema.yaml",
    "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3 tangerang_satudata",
    "ckanext.tangerang.satudata.review_required": "true",
    "ckanext.spatial.search_backend": "solr-spatial-field",
}
def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in pathlib.Path(item.fspath).parents:
            for key, value in CONFIG.items():
                item.add_marker(pytest.mark.ckan_config(key, value))


@pytest.fixture(autouse=True)
def _satudata_plugins(with_plugins):
    yield


@pytest.fixture
def opd(clean_db, clean_index):
    """An editor of the Dinas Kesehatan (a Produsen Data)."""
    user = factories.UserWithToken()
    org = factories.Organization(name="dinkes", title="Dinas Kesehatan",
                                 users=[{"name": user["name"], "capacity": "editor"}])
    return {**user, "org": org}


@pytest.fixture
def walidata(opd):
    """A Diskominfo editor: the walidata organization of the city profile."""
    user = factories.UserWithToken()
    factories.Organization(name="diskominfo", title="Dinas Komunikasi dan Informatika",
                           users=[{"name": user["name"], "capacity": "editor"}])
    return user


@pytest.fixture(scope="module")
def satudata_server(request, tmp_path_factory):
    """The portal under gunicorn with the Satu Data plugins, on this run's database and Solr core."""
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("satudata-server"),
                        workers=1, name="test-satudata-server", debug="false", **CONFIG) as portal:
        yield portal.url
