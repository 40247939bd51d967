"""The language of the rendered pages, as a reader meets it: every visible text node and every
accessible name (aria-label, title, placeholder, alt, button values, live regions) of the portal's
pages, after their JavaScript ran (map controls, select2, DataTables), anonymously and signed in
as an organization admin, in Indonesian (``/...``) and in English (``/en/...``).

- Indonesian pages hold no English interface text: no string, or sentence of it, that is an
  English msgid of CKAN, its extensions, our own catalogues or the JavaScript libraries the pages
  use (MapLibre, select2, DataTables) whose Indonesian differs, nor a common English UI word.
- English pages hold no Indonesian interface text: the same against the Indonesian msgstrs.
- Indonesian pages show dates, numbers and codes as Babel's ``id`` formats and labels do:
  no "November 29, 2026", no ISO date, no "0.0", no slug such as "lingkungan-hidup" as a label.

Data content (titles, descriptions, tags, names typed by people) is not interface text: strings
equal to the seeded content are left out, and only whole strings and whole sentences are compared.
The figures go to var/log/a11y-language.txt.

The pages of every other role (citizens, the PPID officers with a request in each state, the
walidata, the sysadmin, and the map layers) are read the same way by test_browser_roles.py, on
the route walk's seeded portal, with ``settle`` and ``check`` below."""
from __future__ import annotations

import json
import pathlib
import re
from dataclasses import dataclass, field

import polib
import pytest
import requests

from a11y_browser import login
from a11y_pages import PAGES

pytestmark = [pytest.mark.browser]

ROOT = pathlib.Path(__file__).resolve().parents[2]
I18N = ROOT / "ckanext-tangerang" / "ckanext" / "tangerang" / "i18n"
SITE = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"
MAPLIBRE = ROOT / "ckanext-tangerang" / "ckanext" / "tangerang" / "satupeta" / "public" / "vendor" / "maplibre-gl" / "maplibre-gl.mjs"
SELECT2 = SITE / "ckan" / "public" / "base" / "vendor" / "select2" / "select2.full.js"
DATATABLES_I18N = SITE / "ckanext" / "datatablesview" / "public" / "datatablesview" / "i18n"
REPORT = ROOT / "var" / "log" / "a11y-language.txt"

# interface words a page must never show in Indonesian, whatever the catalogues say
ENGLISH_UI = (
    "Search", "Download", "Edit", "Delete", "Save", "Cancel", "Username", "Password", "Email",
    "Remove", "Field", "Show more", "Show less", "Zoom in", "Zoom out", "Close", "Submit", "Next",
    "Previous", "Back", "Home", "Login", "Log in", "Logout", "Log out", "Register", "Sign in",
    "Upload", "Update", "Create", "Add", "Manage", "Settings", "Dashboard", "Loading", "Yes",
    "None", "Other", "Name", "Description", "Title", "Organization", "Organizations", "Groups",
    "Activity", "Resources", "Views", "Filter", "Filters", "Clear", "Sort by", "Apply", "Required",
    "Optional", "Remove item", "Remove all items", "Has views", "Manage resource", "Image",
    "Link", "Choose", "Browse", "Select", "Followers", "Members", "Datasets", "Changes",
)
# and the Indonesian ones an English page must never show
INDONESIAN_UI = (
    "Cari", "Unduh", "Ubah", "Hapus", "Simpan", "Batal", "Beranda", "Masuk", "Keluar", "Daftar",
    "Kata sandi", "Nama pengguna", "Surel", "Perbesar", "Perkecil", "Tutup", "Kirim", "Berikutnya",
    "Sebelumnya", "Kembali", "Organisasi", "Grup", "Aktivitas", "Sumber data", "Tampilkan",
    "Tampilkan lebih banyak", "Unggah", "Tambah", "Kelola", "Pengaturan", "Ya", "Tidak", "Lainnya",
    "Nama", "Deskripsi", "Judul", "Wajib", "Pilih", "Memuat", "Terapkan", "Urutkan",
)

PLACEHOLDER = re.compile(r"%\([a-zA-Z_]\w*\)[sdif]|%[sdif]|\{[a-zA-Z_0-9]*\}|_[a-zA-Z]+_")
TAGS = re.compile(r"<[^>]+>")
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*[|·•]\s*|:\s+|\s+[-–—]\s+")
LETTER = re.compile(r"[A-Za-z]")

# pages: (key, path, signed in only); {x} are the seed's values
PATHS: tuple[tuple[str, str, bool], ...] = tuple(
    (p.key, p.paths[0], p.login) for p in PAGES if p.owner in ("a11y", "satudata")) + (
    ("dataset_list", "/dataset/", False),
    ("organization_list", "/organization/", False),
    ("organization_about", "/organization/about/{organization}", False),
    ("group_list", "/group/", False),
    ("group", "/group/kesehatan", False),
    ("register", "/user/register", False),
    ("reset", "/user/reset", False),
    ("about", "/about", False),
    ("dataset_activity", "/dataset/activity/{dataset}", False),
    ("standards", "/standar-data", False),
    ("satupeta_map", "/peta", False),
    ("ogc", "/ogc", False),
    ("ogc_collections", "/ogc/collections", False),
    ("ppid", "/ppid/", False),
    ("ppid_request_form", "/ppid/permohonan", False),
    ("ppid_tracking", "/ppid/lacak", False),
    ("ppid_dip", "/ppid/dip", False),
    ("ppid_statistics", "/ppid/statistik", False),
    # an organization admin's pages
    ("dashboard_news", "/dashboard/", True),
    ("dashboard_organizations", "/dashboard/organizations", True),
    ("user", "/user/{user}", True),
    ("user_edit", "/user/edit/{user}", True),
    ("user_activity", "/user/activity/{user}", True),
    ("dataset_new", "/dataset/new", True),
    ("dataset_edit", "/dataset/edit/{dataset}", True),
    ("dataset_resources", "/dataset/resources/{dataset}", True),
    ("resource_new", "/dataset/{dataset}/resource/new", True),
    ("resource_edit", "/dataset/{dataset}/resource/{resource_id}/edit", True),
    ("resource_views", "/dataset/{dataset}/resource/{resource_id}/views", True),
    ("organization_edit", "/organization/edit/{organization}", True),
    ("organization_members", "/organization/members/{organization}", True),
    ("organization_member_new", "/organization/member_new/{organization}", True),
    ("organization_bulk", "/organization/bulk_process/{organization}", True),
    ("organization_activity", "/organization/activity/{organization}", True),
)

# every string a reader meets, with where it sits (JavaScript has run; closed menus and
# <details> are opened so their text counts too)
COLLECT = r"""() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  for (const m of document.querySelectorAll('.dropdown-menu')) m.classList.add('show');
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'CODE', 'PRE', 'KBD', 'SAMP',
                        'TEXTAREA', 'svg']);
  const out = [];
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 3 && e !== document.body; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + '#' + e.id); break; }
      const cls = [...e.classList].slice(0, 2).join('.');
      parts.unshift(cls ? s + '.' + cls : s);
    }
    const row = el.closest('tr');
    const head = row && row.querySelector('th');
    return parts.join(' > ') + (head && !head.contains(el) ? ' [row ' + head.textContent.trim().slice(0, 40) + ']' : '');
  };
  const skipped = (el) => {
    for (let e = el; e; e = e.parentElement) if (SKIP.has(e.tagName)) return true;
    return false;
  };
  const shown = (el) => el.tagName === 'OPTION' || el.tagName === 'OPTGROUP'
    || el.closest('[aria-live], [role=status], [role=alert]')
    || el.checkVisibility({visibilityProperty: true});
  const push = (text, kind, el) => {
    text = (text || '').replace(/\s+/g, ' ').trim();
    if (text) out.push({text, kind, where: where(el)});
  };
  push(document.title, 'document title', document.head);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const blocks = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.data.trim() || skipped(el) || !shown(el)) continue;
    push(n.data, el.closest('[aria-live], [role=status], [role=alert]') ? 'live region' : 'text', el);
    blocks.add(el);
  }
  // an element's whole text, so that a sentence split by inline markup is read whole
  for (const el of blocks) {
    const whole = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
    if (whole.length < 400) push(whole, 'element text', el);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[alt], area[alt], [aria-roledescription], [aria-valuetext]')) {
    if (skipped(el) || !(el.checkVisibility({visibilityProperty: true}) || el.closest('.select2-container, .maplibregl-ctrl'))) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-roledescription', 'aria-valuetext'])
      if (el.hasAttribute(a)) push(el.getAttribute(a), a, el);
  }
  for (const el of document.querySelectorAll('input[type=submit], input[type=button], input[type=reset]'))
    if (el.checkVisibility()) push(el.value, 'button value', el);
  return out;
}"""

# select2's messages only appear while it is open: open the first one and type nonsense
OPEN_SELECT2 = """() => {
  const s = document.querySelector('.select2-container:not(.select2-container--disabled) .select2-selection');
  if (!s) return false;
  s.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
  return true;
}"""


def _norm(text: str) -> str:
    text = TAGS.sub(" ", text).replace("&nbsp;", " ").replace("&amp;", "&")
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" :*…").removesuffix("...").strip().casefold()


def _po_pairs() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every catalogue the portal's Indonesian is compiled from; an
    untranslated msgid shows its English, so it counts with an empty msgstr."""
    pairs = []
    for po in sorted((I18N / "upstream" / "id").glob("*.po")) + sorted((I18N / "own" / "id").glob("*.po")):
        for entry in polib.pofile(str(po)):
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                forms = list(entry.msgstr_plural.values()) or [""]
                pairs += [(entry.msgid, forms[0]), (entry.msgid_plural, forms[-1])]
            else:
                pairs.append((entry.msgid, "" if "fuzzy" in entry.flags else entry.msgstr))
    return pairs


def _js_pairs() -> list[tuple[str, str]]:
    """The English strings of the JavaScript libraries (and DataTables' Indonesian beside them)."""
    pairs = []
    maplibre = MAPLIBRE.read_text(encoding="utf-8")
    pairs += [(text, "") for text in re.findall(r'"[A-Za-z]+\.[A-Za-z]+":`([^`]*)`', maplibre)]
    select2 = SELECT2.read_text(encoding="utf-8")
    english = select2[select2.index("S2.define('select2/i18n/en'"):]
    english = english[:english.index("S2.define(", 10)]
    pairs += [(text, "") for text in re.findall(r"'([^'\n]{3,})'", english)]

    def flat(node, prefix=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from flat(value, f"{prefix}.{key}")
        elif isinstance(node, str):
            yield prefix, node

    en = dict(flat(json.loads((DATATABLES_I18N / "en-gb.json").read_text(encoding="utf-8"))))
    id_ = dict(flat(json.loads((DATATABLES_I18N / "id.json").read_text(encoding="utf-8"))))
    pairs += [(text, id_.get(key, "")) for key, text in en.items()]
    return pairs


@dataclass
class Reference:
    """Strings of one language that must not show on the other's pages: whole strings, and
    patterns for the messages with placeholders."""
    exact: set[str] = field(default_factory=set)
    patterns: re.Pattern | None = None

    def finds(self, text: str) -> str | None:
        norm = _norm(text)
        candidates = [norm] + [_norm(s) for s in SENTENCE.split(text) if s]
        for c in candidates:
            if len(c) < 2 or not LETTER.search(c):
                continue
            if c in self.exact:
                return c
            if self.patterns is not None and len(c) < 300 and self.patterns.fullmatch(c):
                return c
        return None


def _reference(pairs, forced, own_side: int, other_side: int, allowed: set[str]) -> Reference:
    """The strings of side ``own_side`` of the pairs (0 English msgid, 1 Indonesian msgstr) whose
    other side differs, without those the other language also uses."""
    exact, patterns = set(), []
    for pair in pairs:
        mine, theirs = _norm(pair[own_side]), _norm(pair[other_side])
        if not mine or mine == theirs or mine in allowed or not LETTER.search(mine):
            continue
        if PLACEHOLDER.search(mine):
            literal = PLACEHOLDER.split(mine)
            # a message of only placeholders and a word says too little to recognise it
            if sum(len(re.findall(r"[a-z]{3,}", part)) for part in literal) < 2:
                continue
            patterns.append(".+?".join(re.escape(part) for part in literal))
        elif len(mine) > 1:
            exact.add(mine)
    exact |= {_norm(word) for word in forced}
    return Reference(exact, re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None)


def build_references() -> dict[str, Reference]:
    """Per page locale, the other language's interface strings that must not show there."""
    pairs = _po_pairs() + _js_pairs()
    english_words = {_norm(msgid) for msgid, _ in pairs}
    indonesian_words = {_norm(msgstr) for _, msgstr in pairs if msgstr}
    # a word both languages use (Data, Status, Format, Portal) is nobody's leftover
    english = _reference(pairs, ENGLISH_UI, 0, 1, indonesian_words - {_norm(w) for w in ENGLISH_UI})
    indonesian = _reference(pairs, INDONESIAN_UI, 1, 0, english_words - {_norm(w) for w in INDONESIAN_UI})
    return {"id": english, "en": indonesian}


@pytest.fixture(scope="module")
def references():
    return build_references()


def test_references_know_the_leftovers_of_the_issue(references):
    """The reference sets hold what the issue found, so the crawl can find them."""
    for text in ("Zoom in", "Drag to rotate map, click to reset north", "Remove item",
                 "No results found", "Show more", "Username", "Has views", "Manage resource",
                 "Showing 1 to 10 of 57 entries", "Field"):
        assert references["id"].finds(text), text
    for text in ("Unduh", "Cari", "Kata sandi"):
        assert references["en"].finds(text), text
    # data and words shared by both languages are not findings
    for text in ("Jumlah Puskesmas per Kecamatan", "Data", "CSV", "Kota Tangerang"):
        assert not references["id"].finds(text), text
        assert not references["en"].finds(text), text


MONTHS_EN = ("January|February|March|April|May|June|July|August|September|October|November|"
             "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
FORMATS = (
    ("English date", re.compile(rf"\b(?:{MONTHS_EN})\.? \d{{1,2}}, \d{{4}}\b")),
    ("English weekday", re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")),
    ("ISO date", re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b")),
    ("English decimal", re.compile(r"(?<![\d.,/:v])\d+\.\d{1,2}(?![\d.])")),
    ("English thousands", re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")),
    ("ago in English", re.compile(r"\b\d+ (?:minutes?|hours?|days?|months?|years?) ago\b")),
)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
NUMBER_LIST = re.compile(r"-?\d+(?:,\d+)?(?:; -?\d+(?:,\d+)?)+")
# dotted numbers that are not decimals: a standard's version ("WCAG 2.2", "WFS 2.0", "version=3.0"), a
# coordinate list typed into a field ("106.6,-6.25,..."), a Kemendagri area code ("36.71 Kota
# Tangerang", "(36.71)"), the example of a decimal point a help text explains ("titik (1234.56)")
NOT_DECIMAL = (re.compile(r"(?:WCAG\)?|WFS|WMS|CSW|version[= ]?|=)\s*$", re.I), re.compile(r"^,-?\d"),
               re.compile(r"titik \($"))
AREA_CODE = re.compile(r"\(?\d{2}\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?\)?(?: (?:Kota|Kabupaten|Kecamatan|Kelurahan|Desa|Provinsi)\b.*)?")


def _not_a_decimal(text: str, match: re.Match) -> bool:
    before, after = text[:match.start()], text[match.end():]
    return (bool(NOT_DECIMAL[0].search(before) or NOT_DECIMAL[1].search(after)
                 or NOT_DECIMAL[2].search(before))
            or bool(AREA_CODE.fullmatch(text.strip()))
            or bool(re.search(r"(?:Kota|Kabupaten|Kecamatan|Kelurahan|Provinsi) [^()]*\($", before)))


@dataclass
class Crawl:
    pages: dict = field(default_factory=lambda: {"id": 0, "en": 0})
    strings: dict = field(default_factory=lambda: {"id": 0, "en": 0})
    findings: dict = field(default_factory=lambda: {"id": [], "en": [], "format": []})
    skipped: list = field(default_factory=list)
    broken: list = field(default_factory=list)


def _content(portal) -> set[str]:
    """What people typed into the seeded portal (titles, notes, tags, names): data, not interface."""
    api = portal.url + "/api/3/action/"
    values = set()
    datasets = requests.get(api + "package_search", params={"rows": 1000}, timeout=60).json()["result"]["results"]
    for ds in datasets:
        values |= {ds.get("title"), ds.get("notes"), ds.get("name"), ds["organization"]["title"],
                   ds["organization"]["name"]}
        values |= {t["name"] for t in ds.get("tags", [])} | {t.get("display_name") for t in ds.get("tags", [])}
        values |= {r.get("name") for r in ds["resources"]} | {r.get("description") for r in ds["resources"]}
    for kind in ("organization_list", "group_list"):
        for item in requests.get(api + kind, params={"all_fields": "true"}, timeout=60).json()["result"]:
            values |= {item.get("title"), item.get("description"), item.get("name"),
                       item.get("display_name")}
    values |= {portal.user, "Warga Uji", "puskesmas.csv", "tahun", "kecamatan", "jumlah_puskesmas",
               "Cibodas", "Ciledug", "Karawaci"}
    return {_norm(v) for v in values if v}


def _visit(tab, url: str) -> int:
    response = tab.goto(url, wait_until="load")
    settle(tab, url)
    return response.status if response else 0


def settle(tab, url: str, idle_ms: int = 8000, by_url: bool = True) -> None:
    """Let the page's JavaScript draw what it draws (map controls, tables, select2) and open
    select2 with a search that finds nothing, so its messages show. ``by_url``: wait for them on
    every map or resource page too, not only where the page already holds their element."""
    try:
        tab.wait_for_load_state("networkidle", timeout=idle_ms)
    except Exception:  # a map keeps fetching tiles: what it shows by then is enough
        pass
    for selector in (".maplibregl-ctrl-zoom-in", ".dataTables_info, .dt-info", ".select2-container"):
        guessed = by_url and ("peta" in url or "resource" in url)
        if tab.locator(selector).count() == 0 and not guessed and not (
                selector.startswith(".maplibregl") and tab.locator("#satupeta-map").count()):
            continue
        try:
            tab.wait_for_selector(selector, timeout=4000, state="attached")
        except Exception:  # the page has none
            pass
    if tab.evaluate(OPEN_SELECT2):
        tab.keyboard.type("zzqx")
        tab.wait_for_timeout(800)


def check(crawl: Crawl, references, content, locale, who: str, path, items) -> None:
    """Record in the crawl what the page's strings (COLLECT's items) show of the other
    language, and on Indonesian pages of non-Indonesian dates, numbers and codes."""
    reference = references[locale]
    seen = set()
    for item in items:
        text, norm = item["text"], _norm(item["text"])
        if (text, item["kind"]) in seen or norm in content:
            continue
        seen.add((text, item["kind"]))
        crawl.strings[locale] += 1
        found = reference.finds(text)
        # the seeded content inside a sentence is not the interface's
        if found and found not in content:
            crawl.findings[locale].append(
                f"[{who}] {path} {item['kind']} at {item['where']}: {text[:120]!r} (matches {found!r})")
        if locale != "id" or item["kind"] in ("document title",):
            continue
        for label, pattern in FORMATS:
            m = pattern.search(text)
            if m and label == "English decimal" and _not_a_decimal(text, m):
                continue
            # numbers parted by semicolons (a map's extent) keep the comma as the decimal mark
            if m and label == "English thousands" and NUMBER_LIST.fullmatch(text.strip()):
                continue
            if m and _norm(m.group(0)) not in content:
                crawl.findings["format"].append(
                    f"[{who}] {path} {item['kind']} at {item['where']}: {label} {m.group(0)!r} in {text[:100]!r}")
        if item["kind"] in ("text", "aria-label", "title") and SLUG.fullmatch(text) and norm not in content:
            crawl.findings["format"].append(
                f"[{who}] {path} {item['kind']} at {item['where']}: code shown as a label {text!r}")


@pytest.fixture(scope="module")
def crawl(browser, a11y_portal, references) -> Crawl:
    result = Crawl()
    content = _content(a11y_portal)
    fields = {"dataset": a11y_portal.dataset, "resource_id": a11y_portal.resource_id,
              "organization": a11y_portal.organization, "user": a11y_portal.user,
              "table_dataset": a11y_portal.table_dataset,
              "table_resource_id": a11y_portal.table_resource_id,
              "chart_view_id": a11y_portal.chart_view_id}
    for signed_in in (False, True):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = ctx.new_page()
        if signed_in:
            login(tab, a11y_portal)
        for key, raw, needs_login in PATHS:
            if needs_login and not signed_in:
                continue
            path = raw.format(**fields)
            for locale, prefix in (("id", ""), ("en", "/en")):
                status = _visit(tab, a11y_portal.url + prefix + path)
                if status == 404:
                    result.skipped.append(f"{prefix}{path}: 404")
                    continue
                if status >= 400:
                    result.broken.append(f"{prefix}{path} answered {status}")
                    continue
                result.pages[locale] += 1
                check(result, references, content, locale, "signed in" if signed_in else "anonymous",
                      prefix + path, tab.evaluate(COLLECT))
        ctx.close()
    lines = []
    for locale, other in (("id", "English"), ("en", "Indonesian")):
        lines.append(f"{locale}: {result.pages[locale]} pages crawled, {result.strings[locale]} strings "
                     f"checked, {len(result.findings[locale])} {other} strings found")
    lines.append(f"id: {len(result.findings['format'])} dates, numbers or codes not in Indonesian form")
    if result.skipped or result.broken:
        lines.append("not crawled: " + ", ".join(result.skipped + result.broken))
    for kind in ("id", "en", "format"):
        lines += [f"{kind}: {f}" for f in result.findings[kind]]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:4]))
    return result


def test_indonesian_pages_hold_no_english(crawl):
    assert crawl.broken == []
    assert crawl.pages["id"] > 40 and crawl.strings["id"] > 1000
    assert crawl.findings["id"] == [], "\n".join(crawl.findings["id"])


def test_english_pages_hold_no_indonesian(crawl):
    assert crawl.pages["en"] > 40 and crawl.strings["en"] > 1000
    assert crawl.findings["en"] == [], "\n".join(crawl.findings["en"])


def test_indonesian_pages_show_dates_numbers_and_codes_in_indonesian(crawl):
    assert crawl.findings["format"] == [], "\n".join(crawl.findings["format"])
