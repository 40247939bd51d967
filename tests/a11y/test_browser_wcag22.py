"""WCAG 2.2's criteria that axe cannot judge, tested directly in chromium, and the phone layout:
the page's heading on a phone's first screen, target size (2.5.8) of every pointer target,
dragging alternatives on the map (2.5.7), no redundant entry on the PPID forms (3.3.7) and
sign-in that allows pasting and password managers with no puzzle (3.3.8)."""
from __future__ import annotations

import re
import urllib.parse

import pytest

from a11y_browser import FOCUS_STATE, INLINE_LINK, login
from a11y_pages import MODES, PAGES

pytestmark = [pytest.mark.browser]
BY_KEY = {p.key: p for p in PAGES}
DEFAULT = MODES[0]
PHONE = {"width": 375, "height": 812}


@pytest.mark.parametrize("key", ["home", "dataset_search", "dataset", "satupeta_map",
                                 "ppid_request_form", "ppid_tracking"])
def test_main_heading_is_on_a_phones_first_screen(open_page, key):
    tab = open_page(BY_KEY[key], DEFAULT, **PHONE)
    heading = tab.evaluate("""() => {
        const h = document.querySelector('main h1');
        if (!h) return null;
        const r = h.getBoundingClientRect();
        return {text: h.innerText.trim(), top: r.top + scrollY, bottom: r.bottom + scrollY};
    }""")
    assert heading and heading["text"], "the page has no h1 in main"
    assert heading["top"] >= 0 and heading["bottom"] <= PHONE["height"], (
        f"{heading['text']!r} spans {heading['top']:.0f}-{heading['bottom']:.0f}px, "
        f"below a {PHONE['height']}px screen")


def test_phone_menu_is_a_disclosure_operated_by_keyboard(open_page):
    tab = open_page(BY_KEY["dataset"], DEFAULT, **PHONE)
    toggle = tab.locator(".tg-menu-toggle")
    assert toggle.is_visible() and not tab.is_visible(".tg-nav")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "tg-menu"
    toggle.focus()
    tab.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert tab.is_visible(".tg-nav") and tab.is_visible("#field-sitewide-search")
    tab.keyboard.press("Tab")       # into the menu, in reading order
    assert tab.evaluate("!!document.activeElement.closest('#tg-menu')")
    tab.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not tab.is_visible(".tg-nav")
    assert tab.evaluate("document.activeElement.matches('.tg-menu-toggle')")
    # on a wide screen there is nothing to fold
    wide = open_page(BY_KEY["dataset"], DEFAULT)
    assert wide.is_visible(".tg-nav") and not wide.is_visible(".tg-menu-toggle")


def test_phone_menu_stays_open_without_javascript(open_page):
    tab = open_page(BY_KEY["home"], DEFAULT, javascript=False, **PHONE)
    assert tab.is_visible(".tg-nav a") and tab.is_visible("#field-sitewide-search")
    assert not tab.is_visible(".tg-menu-toggle")


@pytest.mark.parametrize("mode", [MODES[0], MODES[1]], ids=["default", "text_200"])
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_focus_is_never_hidden_on_a_phone(open_page, page, mode):
    """2.4.11 on a 375 x 812 screen: every Tab stop, the folded menu's too (opened by Enter on
    its button when Tab reaches it), is in view, uncovered and visibly focused."""
    tab = open_page(page, mode, **PHONE)
    problems, opened = [], False
    for _ in range(300):
        tab.keyboard.press("Tab")
        state = tab.evaluate(FOCUS_STATE)
        if state is None:
            break
        label = f"{state['tag']}#{state['id']} {state['text']!r}"
        if not state["inView"] or state["covered"]:
            problems.append(f"focus hidden on {label}")
        if not (state["outline"] or state["shadow"]):
            problems.append(f"no visible focus on {label}")
        if not opened and tab.evaluate("document.activeElement.matches('.tg-menu-toggle')"):
            tab.keyboard.press("Enter")
            opened = True
    else:
        pytest.fail("focus never left the page: a keyboard trap?")
    assert opened, "Tab never reached the menu button"
    assert not problems, "\n".join(problems)


# Every pointer target that is not a link inside a sentence: at least 24 x 24 CSS px, or, when
# smaller, a 24px circle on its centre touching no other target (the spacing exception).
TARGETS = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], '
            + '[role=link], [role=checkbox], [role=radio], [role=tab], [onclick], label[for]';
  const seen = [...document.querySelectorAll(sel)].filter(el => {
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || !el.getClientRects().length) return false;
    if (el.closest('.visually-hidden, .visually-hidden-focusable, .tg-skip, [aria-hidden=true]')) return false;
    if ((""" + INLINE_LINK + """)(el, s)) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  });
  // a control and its label are one target
  const targets = seen.filter(el => !(el.tagName === 'INPUT' && el.labels && [...el.labels].some(l => seen.includes(l))));
  const boxes = targets.map(el => ({el, r: el.getBoundingClientRect()}));
  const small = boxes.filter(b => b.r.width < 24 || b.r.height < 24);
  const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
  const near = (c, r) => {          // distance from a point to a rectangle
    const dx = Math.max(r.left - c[0], 0, c[0] - r.right), dy = Math.max(r.top - c[1], 0, c[1] - r.bottom);
    return Math.hypot(dx, dy);
  };
  return small.filter(b => {
    const c = centre(b.r);
    return boxes.some(o => o !== b && !o.el.contains(b.el) && !b.el.contains(o.el) && (
      small.includes(o) ? Math.hypot(...centre(o.r).map((v, i) => v - c[i])) < 24 : near(c, o.r) < 12));
  }).map(b => `${b.el.tagName}.${b.el.className} ${Math.round(b.r.width)}x${Math.round(b.r.height)} `
              + `${(b.el.innerText || b.el.getAttribute('aria-label') || b.el.value || '').trim().slice(0, 30)}`);
}"""


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_pointer_targets_are_large_enough_or_spaced(open_page, page, width):
    tab = open_page(page, DEFAULT, width=width)
    if width < 768 and tab.locator(".tg-menu-toggle").is_visible():
        tab.click(".tg-menu-toggle")          # the folded menu's targets count too
    assert tab.evaluate(TARGETS) == []


def _view(tab) -> list[float]:
    href = tab.get_attribute("#satupeta-search-view", "href")
    return [float(v) for v in urllib.parse.parse_qs(urllib.parse.urlparse(href).query)["ext_bbox"][0].split(",")]


def _settled(tab) -> list[float]:
    """The map's view once it has stopped moving (the same for a second)."""
    last = None
    for _ in range(40):
        now = _view(tab)
        if now == last:
            return now
        last = now
        tab.wait_for_timeout(1000)
    raise AssertionError(f"the map never settled: {last}")


def _poll(tab, check, what: str, seconds: float = 30):
    # page.wait_for_function evaluates a string, which the portal's CSP refuses: poll instead
    for _ in range(int(seconds * 4)):
        if check():
            return
        tab.wait_for_timeout(250)
    raise AssertionError(f"{what}: not within {seconds}s")


def _wait_for_a_move(tab, before: list[float]) -> list[float]:
    _poll(tab, lambda: _view(tab) != before, "the map did not move")
    return _settled(tab)


def test_map_moves_and_zooms_by_single_clicks_without_dragging(open_page):
    """2.5.7: what a drag does on the map (pan) and a pinch or wheel (zoom) is also done by a
    single click on a button; the map's own view is read from its "search in this view" link."""
    tab = open_page(BY_KEY["satupeta_map"], DEFAULT)
    _poll(tab, lambda: tab.locator(".maplibregl-canvas").count() > 0, "the map did not load")
    tab.click("[data-reset]")
    # the link is rewritten by the map (five decimals) once it has moved
    _poll(tab, lambda: re.search(r"ext_bbox=-?[0-9]+\.[0-9]{5}%2C",
                                 tab.get_attribute("#satupeta-search-view", "href")),
          "the map did not report its view")
    start = _settled(tab)
    tab.click("[data-pan='0,-1']")            # north
    north = _wait_for_a_move(tab, start)
    assert north[1] > start[1] and north[3] > start[3], (start, north)
    tab.click("[data-pan='1,0']")             # east
    east = _wait_for_a_move(tab, north)
    assert east[0] > north[0] and east[2] > north[2], (north, east)
    tab.click("[data-zoom='1']")
    closer = _wait_for_a_move(tab, east)
    assert (closer[2] - closer[0]) < 0.7 * (east[2] - east[0]), (east, closer)


def test_ppid_forms_take_the_signed_in_requesters_name_and_email(open_page, browser, a11y_portal):
    """3.3.7: a signed-in citizen is not asked again for what the account holds; a form sent
    back with an error keeps what was typed."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = ctx.new_page()
        login(tab, a11y_portal)
        tab.goto(a11y_portal.url + "/ppid/permohonan")
        assert tab.input_value("#field-name") == "Warga Uji"
        assert tab.input_value("#field-email") == "warga@example.org"
        tab.goto(a11y_portal.url + "/ppid/lacak")
        assert tab.input_value("#field-email") == "warga@example.org"
        # sent with a mistake: the answer keeps every typed value
        tab.goto(a11y_portal.url + "/ppid/permohonan")
        tab.fill("#field-phone", "0812 3456 7890")
        tab.fill("#field-information", "Daftar puskesmas per kecamatan")
        tab.locator("main form button[type=submit]").last.click()
        tab.wait_for_load_state()
        assert tab.locator("#error-summary").count() > 0
        assert tab.input_value("#field-name") == "Warga Uji"
        assert tab.input_value("#field-phone") == "0812 3456 7890"
        assert tab.input_value("#field-information") == "Daftar puskesmas per kecamatan"
    finally:
        ctx.close()
    # nobody signed in: nothing to prefill
    anonymous = open_page(BY_KEY["ppid_request_form"], DEFAULT)
    assert anonymous.input_value("#field-name") == "" and anonymous.input_value("#field-email") == ""


def test_sign_in_by_pasting_from_a_password_manager(browser, a11y_portal):
    """3.3.8: the sign-in and sign-up fields say what they hold (username, current-password,
    new-password) so password managers fill them, pasting works, and there is no puzzle."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=a11y_portal.url)
    try:
        tab = ctx.new_page()
        tab.goto(a11y_portal.url + "/user/register")
        purposes = tab.evaluate("""Object.fromEntries([...document.querySelectorAll('main form input')]
            .filter(i => i.name).map(i => [i.name, i.getAttribute('autocomplete')]))""")
        assert purposes["name"] == "username" and purposes["email"] == "email"
        assert purposes["password1"] == purposes["password2"] == "new-password"
        tab.goto(a11y_portal.url + "/user/login")
        assert tab.get_attribute("#field-login", "autocomplete") == "username"
        assert tab.get_attribute("#field-password", "autocomplete") == "current-password"
        assert tab.locator("iframe, [class*=captcha], [id*=captcha]").count() == 0
        for field, text in (("#field-login", a11y_portal.user), ("#field-password", a11y_portal.password)):
            tab.evaluate("(text) => navigator.clipboard.writeText(text)", text)
            tab.focus(field)
            tab.keyboard.press("Control+V")
            assert tab.input_value(field) == text, f"pasting into {field} was refused"
        tab.locator("main form button[type=submit]").last.click()
        tab.wait_for_load_state()
        assert tab.locator(".tg-topbar form button").count() == 1, "signing in with pasted text failed"
    finally:
        ctx.close()
