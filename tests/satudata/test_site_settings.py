"""The site settings a sysadmin edits at run time (/ckan-admin/config): the feeds and the DCAT
catalogue for the national portal are built from the site's title and description, so the form
refuses to clear them and keeps what was stored."""
from __future__ import annotations

import lxml.html
import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF

import ckan.tests.factories as factories
from forms import post_form

pytestmark = pytest.mark.services


@pytest.fixture
def sysadmin(clean_db, clean_index):
    return factories.SysadminWithToken()


def _settings(app, sysadmin) -> dict:
    """The settings form's fields as the page fills them."""
    page = app.get("/ckan-admin/config", headers={"Authorization": sysadmin["token"]}).body
    form = lxml.html.fromstring(page).xpath("//form[.//*[@name='ckan.site_title']]")[0]
    return {name: value for name, value in form.form_values() if name != "_csrf_token"}


def _post(app, sysadmin, **changes):
    data = {**_settings(app, sysadmin), **changes, "save": ""}
    return post_form(app, "/ckan-admin/config", data, headers={"Authorization": sysadmin["token"]})


def _catalog_title(app) -> list[str]:
    g = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    return [str(t) for t in g.objects(catalog, DCTERMS.title)]


@pytest.mark.parametrize("field", ["ckan.site_title", "ckan.site_description"])
def test_clearing_the_title_or_description_is_refused_and_nothing_is_stored(app, sysadmin, field):
    before = _settings(app, sysadmin)
    assert before[field], f"{field} is empty in the shipped configuration"
    answer = _post(app, sysadmin, **{field: "", "ckan.site_about": "Tentang kami, diubah"})
    page = lxml.html.fromstring(answer.body)
    field_el = page.get_element_by_id("field-" + field.split(".", 1)[1].replace("_", "-"), None) \
        or page.xpath(f"//*[@name='{field}']")[0]
    assert field_el.get("aria-invalid") == "true", f"{field} is not marked as refused"
    described = " ".join(page.get_element_by_id(i).text_content()
                         for i in (field_el.get("aria-describedby") or "").split())
    assert described.strip(), f"{field} has no message tied to it"
    # nothing of the refused form was stored: not the cleared field, not the others
    after = _settings(app, sysadmin)
    assert after[field] == before[field]
    assert after["ckan.site_about"] == before["ckan.site_about"]
    feed = app.get("/feeds/dataset.atom")
    assert feed.status_code == 200
    assert _catalog_title(app) == [before["ckan.site_title"]]


def test_a_new_title_is_kept_and_reaches_the_feed_and_the_catalogue(app, sysadmin):
    answer = _post(app, sysadmin, **{"ckan.site_title": "Satu Data Kota Contoh"})
    assert answer.status_code == 200
    assert _settings(app, sysadmin)["ckan.site_title"] == "Satu Data Kota Contoh"
    assert "<title>Satu Data Kota Contoh</title>" in app.get("/feeds/dataset.atom").body
    assert _catalog_title(app) == ["Satu Data Kota Contoh"]
