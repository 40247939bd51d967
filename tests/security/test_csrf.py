"""CSRF: every state-changing POST of the portal (ours and CKAN's) needs the form's token when the
sender is signed in by the session cookie, whoever called the view before; API tokens and
anonymous API calls carry no cookie credential and stay usable without it."""
from __future__ import annotations

import re

import pytest

from ckan import model
from ckan.tests import factories

import satu_factories

from forms import csrf_field

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")]

REFUSED = ("security token", "token keamanan")


def refused(resp) -> bool:
    return resp.status_code == 400 and any(t in resp.get_data(as_text=True) for t in REFUSED)


def form_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    return csrf_field(page.get_data(as_text=True))["_csrf_token"]


@pytest.fixture
def seeded():
    """One of everything a URL rule's variables can name."""
    admin = factories.Sysadmin(password="correct horse battery")
    org = factories.Organization()
    group = factories.Group()
    ds = satu_factories.Dataset(owner_org=org["id"])
    res = factories.Resource(package_id=ds["id"])
    return {"admin": admin, "org": org, "group": group, "dataset": ds, "resource": res}


def fill(rule, seeded) -> str:
    """The rule's URL with real ids for its variables (the refusal comes before the view, so an
    id of the wrong kind still tells a refused POST from an accepted one)."""
    values = {"id": seeded["dataset"]["name"], "resource_id": seeded["resource"]["id"],
              "package_id": seeded["dataset"]["id"], "group_type": "group",
              "package_type": "dataset", "type": "dataset", "token": "0" * 40, "user_id": seeded["admin"]["id"]}
    url = rule.rule
    for name in rule.arguments:
        value = values.get(name, "x")
        url = re.sub(r"<(?:[^:<>]+:)?" + name + r">", value, url)
    return url


# blueprints exempted once, at registration, with CKAN's csrf.exempt: read-only services that
# non-browser clients POST to (Satu Peta's CSW)
STATIC_EXEMPT = ("satupeta_csw",)


def post_rules(flask_app):
    for rule in flask_app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if "POST" in rule.methods and blueprint not in ("api", "static", *STATIC_EXEMPT) \
                and rule.endpoint != "static":
            yield rule


def test_only_read_only_services_are_exempt_at_registration(app):
    from ckan.config.middleware.flask_app import csrf

    assert {bp.name for bp in csrf._exempt_blueprints} == set(STATIC_EXEMPT)


def test_every_form_refuses_a_signed_in_post_without_token(app, seeded):
    flask_app = app.flask_app
    admin = model.User.get(seeded["admin"]["name"])
    anonymous = app.test_client()
    officer = app.test_client(user=admin)
    rules = list(post_rules(flask_app))
    assert len(rules) > 60  # CKAN's forms and ours (69 when written)
    accepted = []
    for rule in rules:
        url = fill(rule, seeded)
        # an anonymous POST first: in CKAN 2.12 it exempts the view from CSRF for the worker's life
        anonymous.post(url, data={"x": "1"})
        resp = officer.post(url, data={"x": "1"})
        if not refused(resp):
            accepted.append(f"{rule.endpoint} {url} -> {resp.status_code}")
    assert accepted == []


def test_our_forms_are_among_those_walked(app, seeded):
    blueprints = {r.endpoint.split(".")[0] for r in post_rules(app.flask_app)}
    assert {"ppid", "satupeta", "tangerang_a11y", "tangerang_satudata", "dataset", "user",
            "organization", "admin"} <= blueprints


def test_a_form_with_its_token_is_accepted_and_without_refused(app, seeded):
    client = app.test_client(user=model.User.get(seeded["admin"]["name"]))
    resp = client.post("/preferensi", data={"reset": "1"})
    assert refused(resp) and "tangerang_a11y=" not in resp.headers.get("Set-Cookie", "")
    token = form_token(client, "/preferensi")
    resp = client.post("/preferensi", data={"_csrf_token": token, "reset": "1"}, follow_redirects=False)
    assert resp.status_code in (302, 303)


def test_login_form_needs_its_token_and_sets_safe_cookies(app, seeded):
    client = app.test_client()
    resp = client.post("/user/login", data={"login": seeded["admin"]["name"],
                                            "password": "correct horse battery"})
    assert refused(resp)
    token = form_token(client, "/user/login")
    resp = client.post("/user/login", data={"login": seeded["admin"]["name"], "password": "correct horse battery",
                                            "remember": "63072000", "_csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code in (302, 303)
    cookies = resp.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember, cookies
    for cookie in remember + [c for c in cookies if c.startswith("ckan=")]:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def signed_in_browser(app, seeded):
    client = app.test_client()
    token = form_token(client, "/user/login")
    resp = client.post("/user/login", data={"login": seeded["admin"]["name"], "password": "correct horse battery",
                                            "_csrf_token": token}, follow_redirects=False)
    assert resp.status_code in (302, 303)
    return client


def test_the_api_with_a_session_cookie_needs_the_token_but_not_with_an_api_token(app, seeded):
    browser = signed_in_browser(app, seeded)
    body = {"id": seeded["dataset"]["id"], "title": "Diubah"}
    assert refused(browser.post("/api/3/action/package_patch", json=body))
    # CKAN's own JavaScript sends the page's token in a header
    token = form_token(browser, "/preferensi")
    resp = browser.post("/api/3/action/package_patch", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    token = factories.APIToken(user=seeded["admin"]["name"])["token"]
    body["title"] = "Diubah lagi"
    resp = app.test_client().post("/api/3/action/package_patch", json=body, headers={"Authorization": token})
    assert resp.status_code == 200 and resp.json["result"]["title"] == "Diubah lagi"
    # an anonymous API client: refused by authorisation, not by CSRF
    resp = app.test_client().post("/api/3/action/package_patch", json=body)
    assert resp.status_code == 403
