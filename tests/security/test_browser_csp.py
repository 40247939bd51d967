"""The policy in Debian's chromium: it blocks injected script, the portal's editor pages keep
working under it (the `browser` fixture fails a test on any CSP violation), and an uploaded
HTML page is downloaded, never shown."""
from __future__ import annotations

import requests
import pytest

from ckan.tests import factories

import satu_factories

from headers_check import nonce_of, parse_csp

pytestmark = [pytest.mark.browser, pytest.mark.services,
              pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]

PASSWORD = "Sandi-Uji-12345"
HTML_PAGE = b"<script>document.title='ran'</script>"


def _login(page, base, user):
    page.goto(f"{base}/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_the_policy_blocks_injected_script_and_runs_ours(browser, live_server):
    policy = requests.get(f"{live_server}/", timeout=60).headers["Content-Security-Policy"]
    nonce = nonce_of(parse_csp(policy))
    html = ("<!doctype html><html lang=id><title>x</title><body>"
            "<script>window.injected = 1</script>"
            f"<script nonce=\"{nonce}\">window.ours = 1</script>"
            "<img alt=\"\" src=\"data:,\" onerror=\"window.handler = 1\"></body></html>")
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        # a page at the portal's origin under the portal's own policy header
        page.route(f"{live_server}/probe", lambda route: route.fulfill(
            body=html, content_type="text/html", headers={"Content-Security-Policy": policy}))
        page.goto(f"{live_server}/probe")
        ran = page.evaluate(
            "[window.injected ?? null, window.ours ?? null, window.handler ?? null]")
    finally:
        ctx.close()
    assert ran == [None, 1, None]
    # the browser fixture saw both blocked attempts (and would fail a test of the portal's pages)
    seen = browser.take_violations()
    assert len(seen) >= 2, seen


def test_editor_forms_work_without_inline_handlers(browser, live_server):
    user = factories.User(name="editor-csp", password=PASSWORD)
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = satu_factories.Dataset(owner_org=org["id"])
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _login(page, live_server, user["name"])
        # the resource form: Link / Remove / Upload were onclick handlers in CKAN's template
        page.goto(f"{live_server}/dataset/{dataset['name']}/resource/new")
        page.click("#resource-link-button")
        assert page.is_checked("#resource-url-link")
        assert page.evaluate("document.activeElement.id") == "field-resource-url"
        page.fill("#field-resource-url", "https://data.example.org/a.csv")
        page.locator("#resource-url-link ~ .select-type .btn-remove-url").click()
        assert page.is_checked("#resource-url-none")
        assert page.input_value("#field-resource-url") == ""
        with page.expect_file_chooser() as chooser:
            page.click("#resource-upload-button")
        assert chooser.value is not None and page.is_checked("#resource-url-upload")
        # API tokens (htmx): ticking a token enables "Revoke", which hx-on/onchange did
        page.goto(f"{live_server}/user/{user['name']}/api-tokens")
        page.fill("form[hx-post$='/api-tokens'] input[name=name]", "uji")
        page.locator("form[hx-post$='/api-tokens'] button[type=submit]").click()
        page.wait_for_selector("[name=token][data-tg-token]")
        assert page.is_disabled("#revoke-tokens-button")
        page.check("[name=token][data-tg-token]")
        assert page.is_enabled("#revoke-tokens-button")
    finally:
        ctx.close()


def test_an_uploaded_html_page_is_downloaded_not_shown(browser, live_server):
    user = factories.UserWithToken()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = satu_factories.Dataset(owner_org=org["id"])
    created = requests.post(f"{live_server}/api/3/action/resource_create", timeout=60,
                            headers={"Authorization": user["token"]},
                            data={"package_id": dataset["id"], "name": "laporan.html"},
                            files={"upload": ("laporan.html", HTML_PAGE, "text/html")}).json()
    assert created["success"], created
    resource_id = created["result"]["id"]
    url = f"{live_server}/dataset/{dataset['id']}/resource/{resource_id}/download/laporan.html"
    ctx = browser.new_context(accept_downloads=True)
    try:
        page = ctx.new_page()
        with page.expect_download() as download:
            try:
                page.goto(url)
            except Exception as exc:  # chromium aborts the navigation: it is a download
                assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
        assert download.value.suggested_filename == "laporan.html"
        assert page.title() != "ran"
    finally:
        ctx.close()
