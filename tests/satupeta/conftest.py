"""Fixtures of Satu Peta's tests: the feature store (a real PostGIS database)."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from live_portal import Portal

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
