"""Error pages (403, 404, 500) in the portal's theme and the reader's language (Indonesian by
default, English under /en/), with no stack trace or library wording, for CKAN's pages and the
portal's own blueprints; OGC API clients asking for JSON keep getting JSON.

403 and 404 go through CKAN's test client. A 500 page only exists outside testing mode (CKAN and
the theme leave unexpected errors to the test there), so it is checked on the portal under
gunicorn with testing and debug off, whose feature store is unreachable: a real failure of a
dependency, provoked by configuration alone."""
from __future__ import annotations

import re

import pytest
import requests

from live_portal import Portal, free_port

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
LEAKS = ("Traceback", "File \"", ".py", "/work/", "site-packages", "werkzeug", "Werkzeug",
         "sqlalchemy", "psycopg", "The requested URL was not found on the server",
         "Internal Server Error")

TITLES = {
    ("id", 400): "Kesalahan 400", ("en", 400): "Error 400",
    ("id", 403): "Akses ditolak", ("en", 403): "Access denied",
    ("id", 404): "Halaman tidak ditemukan", ("en", 404): "Page not found",
    ("id", 500): "Terjadi kesalahan di sisi kami", ("en", 500): "Something went wrong on our side",
}


def assert_themed_error(body: str, status: int, lang: str) -> None:
    assert re.search(rf'<html[^>]*lang="{lang}"', body), body[:300]
    # the theme's own header and footer around it
    assert 'class="tg-topbar"' in body and 'class="tg-footer"' in body
    h1 = re.search(r'<h1 id="error-title">(.*?)</h1>', body, re.S)
    assert h1 and h1.group(1).strip() == TITLES[(lang, status)], body[:3000]
    for leak in LEAKS:
        assert leak not in body, leak


def _prefix(lang: str) -> str:
    return "" if lang == "id" else "/en"


# --- 403 and 404, through CKAN's test client -----------------------------------------------------

@pytest.fixture
def private_dataset(clean_db):
    from ckan.tests import factories
    import satu_factories

    org = factories.Organization(name="dinas-kesehatan")
    return satu_factories.Dataset(name="data-rahasia", owner_org=org["id"], private=True)


@pytest.fixture
def peta_store_schema(ckan_config):
    from ckanext.tangerang.satupeta import storemigration

    storemigration.upgrade(ckan_config["ckanext.tangerang.satupeta.sqlalchemy.url"])


pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_private_dataset_is_denied_to_an_anonymous_reader_in_the_theme(app, private_dataset, lang):
    # its files' management page: CKAN checks the right to edit before anything else
    res = app.get(f"{_prefix(lang)}/dataset/resources/{private_dataset['name']}", headers=HTML,
                  status=403)
    assert_themed_error(res.body, 403, lang)
    assert "/user/login" in res.body
    # its page does not reveal that it exists (ckan.auth.reveal_private_datasets off): a 404
    read = app.get(f"{_prefix(lang)}/dataset/{private_dataset['name']}", headers=HTML, status=404)
    assert_themed_error(read.body, 404, lang)


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_our_blueprints_deny_in_the_theme(app, clean_db, lang):
    res = app.get(f"{_prefix(lang)}/walidata", headers=HTML, status=403)
    assert_themed_error(res.body, 403, lang)
    assert {"id": "Hanya Walidata yang dapat melihat halaman ini",
            "en": "Only the Walidata may see this page"}[lang] in res.body
    # an anonymous reader is pointed at the login
    assert "/user/login" in res.body


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_dataset_is_a_themed_404(app, clean_db, lang):
    res = app.get(f"{_prefix(lang)}/dataset/tidak-ada", headers=HTML, status=404)
    assert_themed_error(res.body, 404, lang)
    # an address with no page at all, too
    res = app.get(f"{_prefix(lang)}/tidak/ada/halaman", headers=HTML, status=404)
    assert_themed_error(res.body, 404, lang)


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_ppid_request_is_a_themed_404(app, clean_db, lang):
    res = app.get(f"{_prefix(lang)}/ppid/lacak/TIDAKADA123", headers=HTML, status=404)
    assert_themed_error(res.body, 404, lang)
    assert {"id": "Permohonan tidak ditemukan", "en": "Request not found"}[lang] in res.body


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_ogc_collection_is_a_themed_404_for_a_browser(app, clean_db, peta_store_schema, lang):
    for query, headers in (("?f=html", {}), ("", HTML)):
        res = app.get(f"{_prefix(lang)}/ogc/collections/tidak-ada{query}", headers=headers,
                      status=404)
        assert res.headers["Content-Type"].startswith("text/html")
        assert_themed_error(res.body, 404, lang)
    # an OGC API client keeps the standard's JSON exception document
    for query, headers in (("", {}), ("?f=json", HTML), ("", JSON)):
        res = app.get(f"{_prefix(lang)}/ogc/collections/tidak-ada{query}", headers=headers,
                      status=404)
        assert res.json["code"] == "NotFound", query


@pytest.mark.services
@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
@pytest.mark.parametrize("lang", ["id", "en"])
def test_error_raised_before_any_view_is_a_themed_page(app, clean_db, lang):
    """The form-token check refuses the request in a before-request hook, before a view runs."""
    from ckan import model
    from ckan.tests import factories
    import satu_factories

    user = factories.User()
    browser = app.test_client(user=model.User.get(user["name"]))
    res = browser.post(f"{_prefix(lang)}/preferensi", data={"text": "150"}, headers=HTML)
    assert res.status_code == 400
    body = res.get_data(as_text=True)
    assert_themed_error(body, 400, lang)
    assert {"id": "token keamanan", "en": "security token"}[lang] in body


# --- 500, on the portal as it runs in production ---------------------------------------------------

@pytest.fixture(scope="module")
def broken_store_portal(request, tmp_path_factory):
    """The portal with testing and debug off whose feature store (PostGIS) does not answer."""
    dead = f"postgresql://ckan:ckan@127.0.0.1:{free_port()}/ckan_peta_test"
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("errors"),
                        workers=1, name="test-error-pages", debug="false", testing="false",
                        **{"ckanext.tangerang.satupeta.sqlalchemy.url": dead}) as portal:
        yield portal


def _logged(portal: Portal) -> str:
    portal.log.flush()
    return portal.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.services
@pytest.mark.parametrize("lang", ["id", "en"])
def test_server_error_is_a_themed_page_with_a_reference_in_the_log(broken_store_portal, lang):
    portal = broken_store_portal
    res = requests.get(f"{portal.url}{_prefix(lang)}/ogc/collections", headers=HTML, timeout=30)
    assert res.status_code == 500
    assert res.headers["Content-Type"].startswith("text/html")
    assert_themed_error(res.text, 500, lang)
    # what to do: try later, go back home, and whom to tell
    assert {"id": "coba lagi", "en": "try again"}[lang] in res.text
    assert "satudata@tangerangkota.go.id" in res.text
    found = re.search(r'class="tg-error-reference">([0-9A-F]{10})<', res.text)
    assert found, res.text[:3000]
    # the operator finds the trace by the reference the reader quotes
    log = _logged(portal)
    at = log.find(f"Error reference {found.group(1)}")
    assert at >= 0
    assert "Traceback" in log[at:] and "OperationalError" in log[at:]


@pytest.mark.services
def test_server_error_of_the_ogc_api_stays_json_for_its_clients(broken_store_portal):
    portal = broken_store_portal
    for query, headers in (("", {}), ("", JSON), ("?f=json", HTML)):
        res = requests.get(f"{portal.url}/ogc/collections{query}", headers=headers, timeout=30)
        assert res.status_code == 500
        doc = res.json()
        assert doc["code"] == "ServerError"
        assert "Traceback" not in res.text and "sqlalchemy" not in res.text.lower()
        assert f"Error reference {doc['reference']}" in _logged(portal)
