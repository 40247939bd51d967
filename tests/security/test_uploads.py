"""Files that editors upload are served as downloads that cannot run in the portal's origin:
an HTML page or an SVG with a script, uploaded through CKAN's own API as a client would
(multipart), comes back as an attachment of a type no browser renders, under a sandbox."""
from __future__ import annotations

import base64
import io

import pytest

from ckan.tests import factories

import satu_factories

from headers_check import assert_user_file_headers

pytestmark = [pytest.mark.services,
              pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")]

HTML = b"<!doctype html><html><body><script>fetch('/api/3/action/user_show')</script></body></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(document.cookie)</script></svg>")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg==")
SITE = "http://test.ckan.net"


@pytest.fixture
def editor():
    user = factories.UserWithToken()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = satu_factories.Dataset(owner_org=org["id"])
    return {"user": user, "org": org, "dataset": dataset}


def _upload(app, editor, filename, content, **extra):
    response = app.post("/api/3/action/resource_create",
                        headers={"Authorization": editor["user"]["token"]},
                        data={"package_id": editor["dataset"]["id"], "name": filename,
                              "upload": (io.BytesIO(content), filename), **extra})
    assert response.json["success"], response.json
    return response.json["result"]


def _download(app, resource):
    assert resource["url_type"] == "upload"
    return app.get(resource["url"].replace(SITE, ""))


@pytest.mark.parametrize("filename, content", [("laporan.html", HTML), ("peta.svg", SVG)],
                         ids=["html", "svg"])
def test_an_uploaded_page_or_svg_is_downloaded_not_run(app, editor, filename, content):
    resource = _upload(app, editor, filename, content)
    response = _download(app, resource)
    assert response.status_code == 200
    assert_user_file_headers(response)
    assert response.headers["Content-Type"] == "application/octet-stream"
    # the file itself, under its own name
    assert response.get_data() == content
    assert f"filename={filename}" in response.headers["Content-Disposition"]


def test_a_type_the_editor_claims_does_not_make_a_file_run(app, editor):
    resource = _upload(app, editor, "data.csv", HTML, mimetype="text/html", format="CSV")
    response = _download(app, resource)
    assert_user_file_headers(response)
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_an_ordinary_data_file_keeps_its_type_and_name(app, editor):
    resource = _upload(app, editor, "puskesmas 2025.csv", b"kecamatan,jumlah\nCipondoh,3\n")
    response = _download(app, resource)
    assert_user_file_headers(response)
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "puskesmas" in response.headers["Content-Disposition"]
    assert response.get_data() == b"kecamatan,jumlah\nCipondoh,3\n"


def test_a_linked_resource_still_redirects(app, editor):
    resource = factories.Resource(package_id=editor["dataset"]["id"],
                                  url="https://data.example.org/a.csv")
    response = app.get(f"/dataset/{editor['dataset']['id']}/resource/{resource['id']}/download",
                       follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "https://data.example.org/a.csv"


@pytest.mark.ckan_config("ckan.upload.group.mimetypes", "image/png image/svg+xml")
def test_organization_images_png_inline_svg_never(app):
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization()
    shown = {}
    for filename, content in (("logo.png", PNG), ("logo.svg", SVG)):
        response = app.post("/api/3/action/organization_patch",
                            headers={"Authorization": sysadmin["token"]},
                            data={"id": org["id"], "image_upload": (io.BytesIO(content), filename)})
        assert response.json["success"], response.json
        url = response.json["result"]["image_display_url"]
        assert "/uploads/group/" in url
        shown[filename] = app.get(url.replace(SITE, ""))
    png = shown["logo.png"]
    # a logo still shows in <img>: inline, its own type, and nosniff
    assert png.headers["Content-Type"] == "image/png" and png.get_data() == PNG
    assert_user_file_headers(png, inline=True)
    svg = shown["logo.svg"]
    assert_user_file_headers(svg)
    assert svg.headers["Content-Type"] == "application/octet-stream"
