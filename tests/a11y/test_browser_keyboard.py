"""Keyboard-only walk-throughs in chromium: the skip link comes first and works, Tab
reaches each page's main actions, focus is always visible and never hidden, and Tab
leaves the page (no trap)."""
from __future__ import annotations

import pytest

from a11y_browser import FOCUS_STATE
from a11y_pages import MODES, PAGES

pytestmark = [pytest.mark.browser]



@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_skip_link_is_first_and_moves_focus_to_main(open_page, page):
    tab = open_page(page, MODES[0])
    tab.keyboard.press("Tab")
    first = tab.evaluate(FOCUS_STATE)
    assert first["tag"] == "A" and tab.evaluate("document.activeElement.getAttribute('href')") == "#content"
    assert first["inView"] and not first["covered"], "the skip link must show when focused"
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "content"
    assert tab.evaluate("document.activeElement.tagName") == "MAIN"
    # the next Tab continues inside main, not back in the header
    tab.keyboard.press("Tab")
    assert tab.evaluate("!!document.activeElement.closest('main')")


@pytest.mark.parametrize("mode", [MODES[0], MODES[1]], ids=["default", "text_200"])
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_tab_reaches_main_actions_with_visible_focus(open_page, page, mode):
    tab = open_page(page, mode)
    for selector in page.actions:
        assert tab.locator(selector).count() > 0, f"{page.key}: nothing matches {selector}"
    tab.evaluate("""(sels) => { window.__reached = new Set();
        document.addEventListener('focusin', (e) => sels.forEach((s, i) => {
          if (e.target.matches(s) || e.target.closest(s)) window.__reached.add(i); }));
      }""", list(page.actions))
    problems, steps, left = [], 0, False
    for steps in range(1, 300):
        tab.keyboard.press("Tab")
        state = tab.evaluate(FOCUS_STATE)
        if state is None:           # focus went past the last element: no keyboard trap
            left = True
            break
        label = f"{state['tag']}#{state['id']} {state['text']!r}"
        if not (state["outline"] or state["shadow"]):
            problems.append(f"no visible focus on {label}")
        if not state["inView"] or state["covered"]:
            problems.append(f"focus hidden on {label}")
        # 2.5.8 is about pointer targets: a chart's points are focused to be read, a click on
        # them does nothing (satudata/public/satudata/chart.js)
        if state["width"] < 24 and state["height"] < 24 and not state["inline"] and not state["readOnly"]:
            problems.append(f"target smaller than 24px: {label}")
    reached = tab.evaluate("[...window.__reached]")
    missing = [s for i, s in enumerate(page.actions) if i not in reached]
    assert not missing, f"Tab never reached {missing} in {steps} steps"
    assert left, f"focus never left the page after {steps} Tabs: a keyboard trap?"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_display_settings_reachable_from_header(open_page, page):
    tab = open_page(page, MODES[0])
    for _ in range(6):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.matches('.tg-prefs-link')"):
            break
    else:
        pytest.fail("the display settings link is not among the first Tab stops")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "/preferensi" in tab.url


@pytest.mark.parametrize("width", [375, 640])
def test_search_filters_open_and_close_by_keyboard_on_a_narrow_screen(open_page, width):
    """CKAN hides the filters behind "Filter Results" below 768px (so also at 200 % zoom): the
    toggle is reached by Tab, opens by Enter with focus moved into the filters, and Escape
    closes them with focus back on the toggle."""
    search = next(p for p in PAGES if p.key == "dataset_search")
    tab = open_page(search, MODES[0], width=width)
    assert tab.is_visible(".show-filters") and not tab.is_visible(".secondary .filters")
    for _ in range(60):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.matches('.show-filters')"):
            break
    else:
        pytest.fail("Tab never reached the filters' toggle")
    assert tab.get_attribute(".show-filters", "aria-expanded") == "false"
    tab.keyboard.press("Enter")
    assert tab.is_visible(".secondary .filters")
    assert tab.evaluate("!!document.activeElement.closest('.filters')")
    assert tab.get_attribute(".show-filters", "aria-expanded") == "true"
    tab.keyboard.press("Escape")
    assert not tab.evaluate("document.body.classList.contains('filters-modal')")
    assert tab.evaluate("document.activeElement.matches('.show-filters')")


def test_ppid_form_errors_take_focus_and_lead_to_each_field(open_page):
    """A request sent incomplete: focus is on the error summary (read first by a screen reader),
    and each of its links, followed by keyboard, puts focus in its field; for a group of radios
    or checkboxes, on its first choice."""
    form = next(p for p in PAGES if p.key == "ppid_request_form")
    tab = open_page(form, MODES[0])
    # the browser's own checks would stop the form before the portal sees it
    tab.evaluate("document.querySelectorAll('main form').forEach(f => f.noValidate = true)")
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").last.click()
    assert tab.evaluate("document.activeElement.id") == "error-summary"
    links = tab.evaluate("[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))")
    assert len(links) >= 3, links
    groups = 0
    for href in links:
        tab.focus(f"#error-summary a[href='{href}']")
        tab.keyboard.press("Enter")
        target = href[1:]
        state = tab.evaluate("""(id) => {
            const el = document.activeElement, target = document.getElementById(id);
            return {tag: el.tagName, inTarget: el === target || target.contains(el),
                    group: target.tagName === 'FIELDSET',
                    first: target.tagName === 'FIELDSET' && el === target.querySelector('input'),
                    top: (el.closest('fieldset') ? el.closest('fieldset').querySelector('legend')
                          : el.labels[0]).getBoundingClientRect().top};
        }""", target)
        assert state["tag"] in ("INPUT", "SELECT", "TEXTAREA") and state["inTarget"], (href, state)
        assert 0 <= state["top"] < 900, f"{href}: its label is out of view ({state['top']})"
        if state["group"]:
            groups += 1
            assert state["first"], f"{href}: focus is not on the group's first choice"
    assert groups >= 1, "no group of choices among the errors: the test lost its point"


def test_sort_menu_changes_nothing_until_applied(open_page):
    """3.2.2: choosing another order with the arrow keys does not reload the results; the
    button next to the menu applies it."""
    search = next(p for p in PAGES if p.key == "dataset_search")
    tab = open_page(search, MODES[0])
    before = tab.url
    tab.focus("#field-order-by")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    tab.wait_for_timeout(1500)
    assert tab.url == before and "sort=" not in tab.url
    assert tab.evaluate("document.activeElement.id") == "field-order-by", "focus was lost"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.matches('.control-order-by button[type=submit]')")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**sort=**")
    assert "sort=title_string+desc" in tab.url.replace("%20", "+")
    assert tab.input_value("#field-order-by") == "title_string desc"
