"""Display settings in chromium: set without JavaScript by keyboard alone, applied by the
server on the next page with no flash, and the system's own settings followed by default."""
from __future__ import annotations

import pytest

from a11y_pages import MODES, PAGES

pytestmark = [pytest.mark.browser]
HOME = next(p for p in PAGES if p.key == "home")
DEFAULT = MODES[0]
INK = "getComputedStyle(document.documentElement).getPropertyValue('--tg-ink').trim()"


def test_settings_work_by_keyboard_without_javascript(open_page, a11y_portal):
    tab = open_page(HOME, DEFAULT, javascript=False)
    # from the header's link, by keyboard only
    for _ in range(6):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.matches('.tg-prefs-link')"):
            break
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "/preferensi" in tab.url
    tab.focus("#pref-text-100")
    for _ in range(4):              # arrow keys move within the radio group: 100 -> 200
        tab.keyboard.press("ArrowDown")
    tab.focus("#pref-contrast-auto")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")  # auto -> standard -> high
    with tab.expect_navigation():
        tab.locator("button[name=save]").press("Enter")
    # back where the reader came from, restyled by the server
    assert tab.url == a11y_portal.url + "/"
    classes = tab.evaluate("document.documentElement.className").split()
    assert "a11y-text-200" in classes and "a11y-contrast-high" in classes
    assert tab.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    assert tab.locator("[role=status]").first.inner_text().strip() != ""


def test_text_size_doubles_every_text(open_page):
    normal = open_page(HOME, DEFAULT)
    large = open_page(HOME, next(m for m in MODES if m.key == "text_200"))
    probe = "parseFloat(getComputedStyle(document.querySelector('{}')).fontSize)"
    for selector in ("h1", ".tg-nav a", "#tg-home-q", ".tg-footer p"):
        assert large.evaluate(probe.format(selector)) >= 1.9 * normal.evaluate(probe.format(selector)), selector


def test_form_labels_and_choices_grow_with_the_text_and_stand_apart(open_page):
    """The PPID request form: labels follow the text size (CKAN's are 14px), end in no ":",
    and each radio stands beside its label with a gap, on a target at least 44px high."""
    form = next(p for p in PAGES if p.key == "ppid_request_form")
    normal = open_page(form, DEFAULT)
    large = open_page(form, next(m for m in MODES if m.key == "text_200"))
    size = "parseFloat(getComputedStyle(document.querySelector('{}')).fontSize)"
    for selector in ("label[for=field-name]", ".form-check-label"):
        assert normal.evaluate(size.format(selector)) >= 16, selector
        assert large.evaluate(size.format(selector)) >= 1.9 * normal.evaluate(size.format(selector)), selector
    assert normal.evaluate("""[...document.querySelectorAll('main label')].filter(
        l => getComputedStyle(l, '::after').content.includes(':')).length""") == 0
    gaps = normal.evaluate("""[...document.querySelectorAll('main .form-check')].map(c => {
        const box = c.querySelector('input').getBoundingClientRect();
        const label = c.querySelector('label').getBoundingClientRect();
        return [label.left - box.right, c.getBoundingClientRect().height];
    })""")
    assert gaps and all(gap >= 8 and height >= 44 for gap, height in gaps), gaps


def test_system_contrast_is_followed_unless_the_reader_chose_standard(open_page):
    plain = open_page(HOME, DEFAULT)
    assert plain.evaluate(INK) != "#000"
    asks_more = next(m for m in MODES if m.key == "system_settings")
    followed = open_page(HOME, asks_more)
    assert followed.evaluate(INK) == "#000"
    chose_standard = type(asks_more)("standard", "contrast=standard", "a11y-contrast-standard",
                                     asks_more.media)
    kept = open_page(HOME, chose_standard)
    assert kept.evaluate(INK) != "#000"


def test_reduced_motion_stops_transitions(open_page):
    tab = open_page(HOME, next(m for m in MODES if m.key == "motion_reduce"))
    duration = tab.evaluate("getComputedStyle(document.querySelector('.btn')).transitionDuration")
    assert all(float(d.rstrip("s")) <= 0.0001 for d in duration.split(","))


def test_readable_font_is_served_by_the_portal(open_page, a11y_portal):
    tab = open_page(HOME, next(m for m in MODES if m.key == "font_readable"))
    tab.evaluate("document.fonts.ready")
    family = tab.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Atkinson Hyperlegible"')
    assert tab.evaluate("document.fonts.check('16px \"Atkinson Hyperlegible\"')")
    loaded = tab.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                          ".filter(n => n.includes('atkinson'))")
    assert loaded and all(n.startswith(a11y_portal.url) for n in loaded)


# The elements a reader meets on the pages with forms, results, tables and the map
ELEMENTS = ("h1", "h2", "p", "label", "input.form-control", "select", "textarea", ".btn",
            ".dataset-heading a", ".nav-facet .item-label", "td", "th", ".breadcrumb a",
            ".tg-nav a", "summary", "#satupeta-layers label, .satupeta-layers label",
            ".maplibregl-ctrl-scale")
PREF_PAGES = ("dataset_search", "dataset", "table_resource", "ppid_request_form", "satupeta_map")
COMPUTED = """([sels, prop]) => Object.fromEntries(sels.map(s => [s,
    [...document.querySelectorAll(s)].filter(e => e.getClientRects().length
        && !e.closest('.visually-hidden, .tg-skip'))
      .map(e => getComputedStyle(e)[prop])]))"""


def _opened(open_page, page, mode):
    tab = open_page(page, mode)
    if page.key == "satupeta_map":      # the map's scale is drawn once the map has loaded
        tab.wait_for_selector(".maplibregl-ctrl-scale", timeout=30_000)
    return tab


@pytest.mark.parametrize("key", PREF_PAGES)
def test_large_text_reaches_every_element(open_page, key):
    """Labels, inputs, buttons, result titles, tables, the map's layer list: all at twice the
    size with text at 200 %, not only the body text."""
    page = next(p for p in PAGES if p.key == key)
    normal = _opened(open_page, page, DEFAULT).evaluate(COMPUTED, [list(ELEMENTS), "fontSize"])
    large = _opened(open_page, page, next(m for m in MODES if m.key == "text_200")).evaluate(
        COMPUTED, [list(ELEMENTS), "fontSize"])
    found = [s for s in ELEMENTS if normal[s]]
    assert len(found) >= 5, f"too few of the elements on {key}: {found}"
    small = [f"{s} #{i}: {a} -> {b}" for s in found
             for i, (a, b) in enumerate(zip(normal[s], large[s]))
             if float(b.rstrip("px")) < 1.9 * float(a.rstrip("px"))]
    assert not small, "\n".join(small)


@pytest.mark.parametrize("key", PREF_PAGES)
def test_readable_font_and_wide_spacing_reach_every_element(open_page, key):
    page = next(p for p in PAGES if p.key == key)
    readable = _opened(open_page, page, next(m for m in MODES if m.key == "font_readable")).evaluate(
        COMPUTED, [list(ELEMENTS), "fontFamily"])
    other = [f"{s}: {f}" for s, fams in readable.items() for f in fams
             if not f.startswith('"Atkinson Hyperlegible"')]
    assert not other, "\n".join(sorted(set(other)))
    wide = open_page(page, next(m for m in MODES if m.key == "spacing_wide"))
    spacing = wide.evaluate("""(sels) => [...document.querySelectorAll(sels.join(','))]
        .filter(e => e.getClientRects().length).map(e => {
          const s = getComputedStyle(e), size = parseFloat(s.fontSize);
          return [e.tagName + '.' + e.className, parseFloat(s.letterSpacing) / size,
                  parseFloat(s.wordSpacing) / size, parseFloat(s.lineHeight) / size]; })""",
                            list(ELEMENTS))
    # WCAG 1.4.12's values: letters 0.12, words 0.16, lines 1.5 times the font size
    narrow = [f"{name}: {ls:.2f} {ws:.2f} {lh:.2f}" for name, ls, ws, lh in spacing
              if ls < 0.119 or ws < 0.159 or lh < 1.49]
    assert spacing and not narrow, "\n".join(narrow[:20])
