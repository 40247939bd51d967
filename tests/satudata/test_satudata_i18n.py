"""Bahasa Indonesia: the public pages, rendered in the default `id` locale, show no string left in
English. A string is "left in English" when a visible text (or a title/alt/placeholder/aria-label)
equals the English msgid of a message whose Indonesian translation differs: the msgids come from
every catalogue the portal uses (CKAN core, ckanext-scheming, -spatial, -dcat, our own)."""
from __future__ import annotations

import pathlib
import re
from html.parser import HTMLParser

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

import ckan
from ckanext.tangerang import i18n
from ckanext.tangerang.satudata.cli import satudata as satudata_command

ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
SKIPPED_TAGS = {"script", "style", "noscript", "template", "code", "pre"}
PLACEHOLDER = re.compile(r"%\([a-zA-Z_]\w*\)[sdif]|%[sdif]|\{[a-zA-Z_0-9]*\}")


class VisibleText(HTMLParser):
    """Text nodes a reader sees or a screen reader announces."""

    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.texts.append(data)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _msgids() -> set[str]:
    """Every English msgid of the catalogues the portal uses, translated or not."""
    ckan_pot = pathlib.Path(ckan.__file__).parent / "i18n" / "ckan.pot"
    paths = [ckan_pot, *sorted((i18n.DIRECTORY / "upstream" / "id").glob("*.po")),
             *sorted((i18n.DIRECTORY / "own" / "id").glob("*.po"))]
    ids: set[str] = set()
    for path in paths:
        with path.open("rb") as f:
            for msg in read_po(f):
                if msg.id:
                    ids.update(_norm(i) for i in (msg.id if isinstance(msg.id, tuple) else (msg.id,)))
    return ids


def _served() -> dict[str, str]:
    """The Indonesian the portal serves: CKAN's catalogue overlaid by our compiled one."""
    served: dict[str, str] = {}
    mos = [pathlib.Path(ckan.__file__).parent / "i18n" / "id" / "LC_MESSAGES" / "ckan.mo",
           i18n.DIRECTORY / "id" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"]
    for path in mos:
        with path.open("rb") as f:
            for msg in read_mo(f):
                strings = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
                if msg.id and all(strings):
                    ids = msg.id if isinstance(msg.id, (tuple, list)) else (msg.id,)
                    for english in ids:
                        served[_norm(english)] = _norm(strings[0])
    return served


def english_messages() -> tuple[set[str], list[re.Pattern]]:
    """Exact English msgids, and patterns for those with placeholders, that the portal does not
    serve in an Indonesian different from the English."""
    served = _served()
    exact: set[str] = set()
    patterns: list[re.Pattern] = []
    for text in _msgids():
        if not re.search(r"[A-Za-z]{2}", text) or served.get(text) == text:
            continue
        if PLACEHOLDER.search(text):
            literal = PLACEHOLDER.sub("", text)
            if len(re.findall(r"[A-Za-z]{3,}", literal)) >= 2:
                parts = [re.escape(p) for p in PLACEHOLDER.split(text)]
                patterns.append(re.compile(".+?".join(parts)))
        else:
            exact.add(text)
    return exact, patterns


def untranslated(html: str, exact: set[str], patterns: list[re.Pattern]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for raw in parser.texts:
        text = _norm(raw)
        if not text:
            continue
        if text in exact or text.rstrip(":") in exact or any(p.fullmatch(text) for p in patterns):
            found.append(text)
    return sorted(set(found))


def test_the_checker_finds_english_and_accepts_indonesian():
    exact, patterns = english_messages()
    assert untranslated("<p>Search datasets</p><a title='Log in'>x</a>", exact, patterns)
    assert untranslated("<p>Cari dataset</p><script>var a = 'Search'</script>", exact, patterns) == []


@pytest.fixture
def demo(clean_db, clean_index):
    for command in (["sync-opd"], ["sync-urusan"], ["demo"]):
        result = CliRunner().invoke(satudata_command, command)
        assert result.exit_code == 0, result.output


PUBLIC_PAGES = [
    "/",
    "/dataset/",
    "/dataset/?q=penduduk",
    "/dataset/jumlah-penduduk-per-kecamatan",
    "/dataset/titik-pantau-kualitas-udara",
    "/organization/",
    "/organization/dinkes",
    "/group/",
    "/group/kesehatan",
    "/about",
    "/user/login",
    "/user/register",
]


def test_public_pages_have_no_string_left_in_english(app, demo):
    exact, patterns = english_messages()
    resource = app.get("/api/3/action/package_show",
                       query_string={"id": "jumlah-penduduk-per-kecamatan"}).json["result"]["resources"][0]
    pages = PUBLIC_PAGES + [f"/dataset/jumlah-penduduk-per-kecamatan/resource/{resource['id']}"]
    problems = {}
    for url in pages:
        res = app.get(url)
        assert res.status_code == 200, url
        found = untranslated(res.body, exact, patterns)
        if found:
            problems[url] = found
    assert problems == {}


def test_english_stays_available_from_the_language_switcher(app, demo):
    body = app.get("/en/dataset/").body
    assert "Data producer (OPD)" in body and "Update frequency" in body
