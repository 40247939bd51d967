"""The theme's pages through CKAN's test client: preferences applied by the server, the
accessibility statement in both languages, the barrier report reaching the officer by
real SMTP, the braille-ready text, BISINDO videos only where configured."""
from __future__ import annotations

import re
import time

import pytest

from forms import post_form

from ckanext.tangerang.a11y.logic import prefs

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]


def _html_class(body: str) -> str:
    return re.search(r'<html[^>]*class="([^"]*)"', body).group(1)


def test_saved_preferences_are_rendered_on_html_by_the_server(app):
    resp = post_form(app, "/preferensi", data={"text": "200", "contrast": "high", "spacing": "wide",
                                          "font": "readable", "motion": "reduce",
                                          "came_from": "/dataset/"},
                    follow_redirects=False)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/dataset/")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith(prefs.COOKIE + "=") and "HttpOnly" in cookie

    page = app.get("/dataset/")
    classes = _html_class(page.body).split()
    assert {"a11y-text-200", "a11y-contrast-high", "a11y-spacing-wide",
            "a11y-font-readable", "a11y-motion-reduce"} <= set(classes)
    # the readable font's stylesheet is only sent to readers who chose it
    assert "readable_font" in page.body


def test_default_page_has_no_preference_classes_and_no_font_download(app):
    body = app.get("/").body
    assert _html_class(body).split() == ["js", "tg"]
    assert "readable_font" not in body
    assert 'lang="id"' in body


def test_reset_removes_the_cookie(app):
    post_form(app, "/preferensi", data={"text": "150"})
    resp = post_form(app, "/preferensi", data={"reset": "1", "came_from": "/"}, follow_redirects=False)
    assert prefs.COOKIE + "=;" in resp.headers["Set-Cookie"] or "Max-Age=0" in resp.headers["Set-Cookie"]
    assert "a11y-text-150" not in _html_class(app.get("/").body)


def test_bad_value_names_the_field_and_the_allowed_values(app):
    resp = post_form(app, "/preferensi", data={"text": "500"}, status=400)
    assert "Ukuran teks" in resp.body and "200" in resp.body
    assert "Set-Cookie" not in resp.headers or prefs.COOKIE not in resp.headers.get("Set-Cookie", "")


def test_preferences_never_redirect_off_site(app):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        resp = post_form(app, "/preferensi", data={"text": "125", "came_from": target},
                        follow_redirects=False)
        assert "evil" not in resp.headers["Location"] and "javascript" not in resp.headers["Location"]


def test_every_page_header_links_to_the_display_settings(app):
    for path in ("/", "/dataset/", "/user/login", "/aksesibilitas"):
        body = app.get(path).body
        assert 'class="tg-prefs-link"' in body, path
        assert body.index("tg-skip") < body.index("tg-prefs-link") < body.index('id="content"')


def test_statement_in_indonesian_and_english(app):
    id_page = app.get("/aksesibilitas").body
    assert "Pernyataan Aksesibilitas" in id_page and 'lang="id"' in id_page
    en_page = app.get("/en/aksesibilitas").body
    assert "Accessibility statement" in en_page and 'lang="en"' in en_page
    for body in (id_page, en_page):
        assert "(WCAG) 2.2" in body and "AA" in body


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    import socket

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"127.0.0.1:{port}", received
    controller.stop()


def test_barrier_report_reaches_the_officer_by_email(app, smtp_server, ckan_config, monkeypatch):
    address, received = smtp_server
    monkeypatch.setitem(ckan_config, "smtp.server", address)
    monkeypatch.setitem(ckan_config, "ckanext.tangerang.a11y.officer_email",
                        "petugas.aksesibilitas@example.org")
    resp = post_form(app, "/aksesibilitas", data={
        "page_url": "/dataset/jumlah-puskesmas", "description": "Tombol unduh tidak terbaca NVDA.",
        "assistive_tech": "NVDA 2025", "name": "Sari", "email": "sari@example.org"})
    assert "Laporan Anda telah dikirim" in resp.body
    for _ in range(50):
        if received:
            break
        time.sleep(0.1)
    assert len(received) == 1
    mail = received[0]
    assert mail["To"].endswith("<petugas.aksesibilitas@example.org>")
    assert mail["Reply-To"] == "sari@example.org"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "Tombol unduh tidak terbaca NVDA." in body and "NVDA 2025" in body


def test_barrier_report_errors_are_named_per_field_and_nothing_is_sent(app, smtp_server, ckan_config,
                                                                      monkeypatch):
    address, received = smtp_server
    monkeypatch.setitem(ckan_config, "smtp.server", address)
    resp = post_form(app, "/aksesibilitas", data={"page_url": "", "description": "",
                                            "email": "bukan-email"}, status=400)
    body = resp.body
    for field in ("page_url", "description", "email"):
        assert f'id="field-{field}-error"' in body, field
        assert f'aria-describedby="field-{field}-error"' in body, field
    assert "Periksa isian ini" in body  # the suggestion after each error
    time.sleep(0.3)
    assert received == []


def test_barrier_report_action_validates(ckan_config):
    import ckan.plugins.toolkit as tk

    with pytest.raises(tk.ValidationError) as err:
        tk.get_action("tangerang_a11y_barrier_report")({"ignore_auth": False}, {"page_url": "x" * 600})
    assert set(err.value.error_dict) >= {"page_url", "description"}


def test_ppid_procedure_as_braille_ready_text(app):
    resp = app.get("/aksesibilitas/ppid-prosedur.txt")
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert "attachment" in resp.headers["Content-Disposition"]
    text = resp.body
    lines = text.split("\r\n")
    assert len(lines) > 20
    assert all(len(line) <= 40 for line in lines), [l for l in lines if len(l) > 40]
    assert "&#" not in text and "<" not in text
    assert "10 hari kerja" in " ".join(line.strip() for line in lines)
    page = app.get("/aksesibilitas/ppid-mudah-dibaca").body
    assert "ppid-prosedur.txt" in page and "Langkah 1" in page


def test_bisindo_video_only_where_configured(app, ckan_config, monkeypatch):
    assert "<video" not in app.get("/").body
    monkeypatch.setitem(ckan_config, "ckanext.tangerang.a11y.bisindo_videos",
                        ["home=https://video.example.org/beranda.mp4"])
    assert 'src="https://video.example.org/beranda.mp4"' in app.get("/").body
    assert "<video" not in app.get("/aksesibilitas").body


def test_city_identity_comes_from_the_city_profile(app):
    from ckanext.tangerang import city

    meta = city.current().meta
    body = app.get("/").body
    assert f"--tg-primary:{meta['colors']['primary']}" in body
    assert meta["portal_title"] in body and meta["name"] in body
    logo = app.get("/kota/logo")
    assert logo.status_code == 200 and b"<svg" in logo.data



def _lang_of(body: str, text: str) -> str | None:
    """The language a screen reader uses for `text` in the page's main part (the breadcrumb
    aside): the lang of the closest element that has one; every occurrence must agree."""
    import lxml.html

    main = lxml.html.fromstring(body).find(".//main")
    hits = [el for el in main.iter() if isinstance(el.tag, str) and el.tag not in ("script", "style")
            and text in "".join([el.text or ""] + [c.tail or "" for c in el])
            and not any("breadcrumb" in (a.get("class") or "") for a in el.iterancestors())]
    assert hits, f"{text!r} is not on the page"
    langs = {next((a.get("lang") for a in [el, *el.iterancestors()] if a.get("lang")), None)
             for el in hits}
    assert len(langs) == 1, f"{text!r} appears in languages {langs}"
    return langs.pop()


def test_content_is_marked_with_its_own_language_in_the_english_interface(app):
    import lxml.html

    from ckan.tests import factories
    import satu_factories

    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 description="Dinas yang mengurus kesehatan warga kota.")
    ds = satu_factories.Dataset(name="jumlah-puskesmas", title="Jumlah Puskesmas per Kecamatan",
                           notes="Jumlah puskesmas di setiap kecamatan.", owner_org=org["id"],
                           tags=[{"name": "kesehatan-ibu"}])
    res = factories.Resource(package_id=ds["id"], name="Tabel puskesmas 2025",
                             url="https://x.example/p.csv", format="CSV", description="Tabel per kecamatan.")

    page = app.get("/en/dataset/jumlah-puskesmas").body
    assert re.search(r'<html lang="en"', page)
    for text in ("Jumlah Puskesmas per Kecamatan", "Jumlah puskesmas di setiap kecamatan.",
                 "Tabel puskesmas 2025", "Tabel per kecamatan.", "kesehatan-ibu"):
        assert _lang_of(page, text) == "id", text

    crumb = lxml.html.fromstring(page).xpath('//*[contains(@class, "breadcrumb")]//li[@class="active"]')[0]
    assert crumb.get("lang") == "id"

    resource = app.get(f"/en/dataset/jumlah-puskesmas/resource/{res['id']}").body
    assert _lang_of(resource, "Tabel puskesmas 2025") == "id"
    assert _lang_of(resource, "Tabel per kecamatan.") == "id"

    search = app.get("/en/dataset/").body
    assert _lang_of(search, "Jumlah Puskesmas per Kecamatan") == "id"
    assert _lang_of(search, "Jumlah puskesmas di setiap kecamatan.") == "id"
    # the interface's own words around them keep the page's language
    assert _lang_of(resource, "URL:") == "en"

    offices = app.get("/en/organization/").body
    assert _lang_of(offices, "Dinas yang mengurus kesehatan warga kota.") == "id"


def test_an_english_dataset_is_marked_english_in_the_indonesian_interface(app):
    from ckan.tests import factories
    import satu_factories

    org = factories.Organization()
    satu_factories.Dataset(name="population", title="Population by district", notes="Residents per district.",
                           owner_org=org["id"], language="en")
    page = app.get("/dataset/population").body
    assert re.search(r'<html lang="id"', page)
    assert _lang_of(page, "Population by district") == "en"
    assert _lang_of(page, "Residents per district.") == "en"
    # the schema's default: the city's content language
    satu_factories.Dataset(name="penduduk", title="Penduduk", owner_org=org["id"])
    assert _lang_of(app.get("/dataset/penduduk").body, "Penduduk") == "id"
