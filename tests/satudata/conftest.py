"""Fixtures of the Satu Data tests; they run the portal as shipped (config/test.ini)."""
from __future__ import annotations

import pytest

import ckan.tests.factories as factories

from live_portal import Portal

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
                        workers=1, name="test-satudata-server", debug="false") as portal:
        yield portal.url
