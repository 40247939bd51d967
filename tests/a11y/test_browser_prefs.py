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
