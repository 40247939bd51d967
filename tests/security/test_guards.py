"""Requests CKAN 2.12's own views answer with a 500, turned into the answer they deserve by
security/guards.py, on the portal as shipped."""
from __future__ import annotations

import pytest

from ckan import model
from ckan.tests import factories

import satu_factories

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db")]


def _activities(dataset_id: str) -> dict[str, str]:
    from ckanext.activity.model import Activity
    rows = (model.Session.query(Activity).filter(Activity.object_id == dataset_id)
            .order_by(Activity.timestamp).all())
    return {row.activity_type: row.id for row in rows}


def test_resource_history_of_a_view_activity_is_not_found_not_a_server_error(app):
    admin = factories.Sysadmin()
    org = factories.Organization()
    ds = satu_factories.Dataset(owner_org=org["id"])
    res = factories.Resource(package_id=ds["id"], url="https://example.org/data.csv", format="CSV")
    factories.ResourceView(resource_id=res["id"], view_type="image_view",
                           image_url="https://example.org/a.png")
    ids = _activities(ds["id"])
    assert "new resource view" in ids, ids
    client = app.test_client(user=model.User.get(admin["name"]))
    base = f"/dataset/{ds['name']}/resources/{res['id']}/history"

    # the view's activity carries no dataset: CKAN's view raised KeyError on it
    resp = client.get(f"{base}/{ids['new resource view']}")
    assert resp.status_code == 404
    assert 'class="tg-topbar"' in resp.get_data(as_text=True)  # the portal's own error page

    # the dataset's own activities still show the resource as it was
    changed = ids.get("changed package") or ids["new package"]
    resp = client.get(f"{base}/{changed}")
    assert resp.status_code == 200
    assert res["id"] in resp.get_data(as_text=True)
