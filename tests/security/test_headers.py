"""The security headers of every response: a Content-Security-Policy the portal's pages meet
without inline script, nosniff, referrer and permissions policies, no framing by other sites,
private caching of answers to API tokens, and links built from the configured site URL."""
from __future__ import annotations

import email
import email.policy
import pathlib
import re
import socket

import pytest

from ckan.tests import factories

import satu_factories

from forms import csrf_field
from headers_check import (assert_no_inline_code, assert_security_headers, nonce_of, parse_csp)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ckanext-tangerang" / "ckanext" / "tangerang"
SITE = "http://test.ckan.net"
FORGED = "http://evil.example"


def _dataset():
    user = factories.UserWithToken()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    ds = satu_factories.Dataset(owner_org=org["id"], notes="Jumlah puskesmas.")
    factories.Resource(package_id=ds["id"], url="https://data.example.org/a.csv", format="CSV")
    return user, ds


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_sample_of_pages_carry_the_security_headers(app):
    user, ds = _dataset()
    pages = ["/", "/dataset/", f"/dataset/{ds['name']}", "/ppid/permohonan", "/peta",
             "/user/login", "/nothing-here"]
    for path in pages:
        response = app.get(path, status=404 if path == "/nothing-here" else 200)
        policy = assert_security_headers(response)
        assert response.headers["Content-Type"].startswith("text/html"), path
        # the page's inline scripts (e.g. the dataset's JSON-LD) carry this response's nonce
        body = response.get_data(as_text=True)
        for nonce in re.findall(r'<script[^>]*\snonce="([^"]*)"', body):
            assert nonce == nonce_of(policy), path
    api = app.get("/api/3/action/package_show", query_string={"id": ds["id"]},
                  headers={"Authorization": user["token"]})
    assert api.json["success"]
    assert_security_headers(api)


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_the_dataset_page_json_ld_carries_the_nonce_of_its_response(app):
    _user, ds = _dataset()
    response = app.get(f"/dataset/{ds['name']}")
    nonce = nonce_of(parse_csp(response.headers["Content-Security-Policy"]))
    second = app.get(f"/dataset/{ds['name']}")
    again = nonce_of(parse_csp(second.headers["Content-Security-Policy"]))
    # a fresh, unguessable nonce for each response
    assert nonce and again and nonce != again and len(nonce) >= 16
    assert_no_inline_code(response.get_data(as_text=True), nonce)


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_answers_to_an_api_token_are_never_stored_by_shared_caches(app):
    user = factories.UserWithToken()
    anonymous = app.get("/api/3/action/status_show")
    assert "public" in anonymous.headers["Cache-Control"]
    with_token = app.get("/api/3/action/status_show", headers={"Authorization": user["token"]})
    cache = with_token.headers["Cache-Control"]
    assert "private" in cache and "public" not in cache, cache
    mine = app.get("/api/3/action/user_show", query_string={"id": user["name"]},
                   headers={"Authorization": user["token"]})
    assert mine.json["result"]["email"] and "public" not in mine.headers["Cache-Control"]


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.basemap_url",
                         "https://tile.peta.example.go.id/{z}/{x}/{y}.png")
@pytest.mark.ckan_config("ckanext.tangerang.a11y.bisindo_videos",
                         "home=https://video.example.go.id/bisindo/beranda.mp4")
def test_the_map_base_layer_and_sign_language_videos_are_allowed_sources(app):
    policy = parse_csp(app.get("/api/3/action/status_show").headers["Content-Security-Policy"])
    assert "https://tile.peta.example.go.id" in policy["connect-src"]
    assert "https://tile.peta.example.go.id" in policy["img-src"]
    assert "https://video.example.go.id" in policy["media-src"]
    assert "https://tile.peta.example.go.id" not in policy["script-src"]


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.tangerang.security.frame_ancestors",
                         "'self' https://tangerangkota.go.id")
def test_a_configured_site_may_frame_the_portal(app):
    response = app.get("/api/3/action/status_show")
    policy = assert_security_headers(response)
    assert policy["frame-ancestors"] == ["'self'", "https://tangerangkota.go.id"]
    # X-Frame-Options cannot name another site: left out so that it does not forbid it
    assert "X-Frame-Options" not in response.headers




@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
def test_signed_in_pages_and_forms_have_no_inline_code(app):
    """The pages a sysadmin and an editor use, CKAN's forms among them: every inline script has
    the nonce, no element has an inline handler."""
    admin = factories.SysadminWithToken()
    org = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
    group = factories.Group()
    ds = satu_factories.Dataset(owner_org=org["id"], groups=[{"id": group["id"]}])
    res = factories.Resource(package_id=ds["id"], url="https://data.example.org/a.txt",
                             format="TXT")
    view = factories.ResourceView(resource_id=res["id"], view_type="text_view")
    auth = {"Authorization": admin["token"]}
    paths = [
        "/dataset/new", f"/dataset/edit/{ds['name']}", f"/dataset/{ds['name']}/resource/new",
        f"/dataset/{ds['name']}/resource/{res['id']}",
        f"/dataset/{ds['name']}/resource/{res['id']}/edit",
        f"/dataset/{ds['name']}/resource/{res['id']}/view/{view['id']}",
        "/organization/", f"/organization/{org['name']}", f"/organization/edit/{org['name']}",
        "/group/", f"/group/{group['name']}", f"/user/{admin['name']}",
        f"/user/edit/{admin['name']}", f"/user/{admin['name']}/api-tokens", "/dashboard/datasets",
        "/ckan-admin/", "/ckan-admin/config",
        "/about", "/ppid/", "/ppid/lacak", "/ppid/petugas", "/peta", "/ogc?f=html", "/preferensi",
        "/aksesibilitas", "/walidata", "/user/register",
    ]
    checked = []
    for path in paths:
        response = app.get(path, headers=auth)
        assert response.status_code < 500, path
        try:
            assert_security_headers(response)
        except AssertionError as error:
            raise AssertionError(f"{path}: {error}") from None
        if response.status_code == 200:
            checked.append(path)
    assert len(checked) >= 20, checked


# --- links follow ckan.site_url, not the Host header of the request ---------------------------

class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def inbox(ckan_config):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = _Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    ckan_config["smtp.server"] = f"127.0.0.1:{port}"
    yield box
    controller.stop()


_csrf_token = csrf_field


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_password_reset_mail_links_to_the_site_url_whatever_the_host_header(app, inbox):
    user = factories.User(email="warga@example.org")
    form = app.get("/user/reset", base_url=FORGED)
    app.post("/user/reset", base_url=FORGED, data={"user": user["name"], **_csrf_token(form.body)},
             follow_redirects=False)
    assert len(inbox.messages) == 1
    body = inbox.messages[0].get_body(("plain",)).get_content()
    links = re.findall(r"https?://[^\s]+", body)
    assert any(link.startswith(f"{SITE}/user/reset/") for link in links), body
    assert "evil.example" not in body


@pytest.mark.services
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_map_api_and_ppid_tracking_links_use_the_site_url(app):
    landing = app.get("/ogc", base_url=FORGED, headers={"Accept": "application/json"}).json
    hrefs = [link["href"] for link in landing["links"]]
    assert hrefs and all(href.startswith(f"{SITE}/") for href in hrefs), hrefs
    # the link mailed to a citizen who asked the PPID for information
    from ckanext.tangerang.ppid import lib as ppid_lib

    with app.flask_app.test_request_context("/ppid/permohonan", base_url=FORGED):
        assert ppid_lib.tracking_url("kode-lacak").startswith(f"{SITE}/")


# --- sources of the portal: no inline code, HSTS at the proxy ---------------------------------

_INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.S)


def test_our_templates_have_no_inline_handlers_and_nonce_their_inline_scripts():
    problems = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(PACKAGE)
        for match in _INLINE_HANDLER.finditer(text):
            problems.append(f"{rel}: inline handler {match.group(1)}=")
        for match in _SCRIPT.finditer(text):
            attrs = match.group(1)
            if "src=" not in attrs and "h.tangerang_csp_nonce()" not in attrs:
                problems.append(f"{rel}: inline <script{attrs}> without nonce")
        if "javascript:" in text.replace("javascript:void(0)", "").replace("javascript:;", ""):
            problems.append(f"{rel}: javascript: URL")
    assert problems == [], "\n".join(problems)


def test_the_production_proxy_sends_hsts():
    cfg = (ROOT / "docker" / "haproxy" / "haproxy.cfg").read_text()
    match = re.search(r'http-response set-header Strict-Transport-Security "max-age=(\d+)', cfg)
    assert match and int(match.group(1)) >= 15552000, "HSTS of at least 180 days at the proxy"
