"""Every key page, in every display mode, in Debian's chromium: no axe-core violation of
the WCAG 2.0/2.1/2.2 A and AA rules, and the server applied the chosen mode to <html>."""
from __future__ import annotations

import pytest

from a11y_pages import MODES, PAGES
from a11y_browser import run_axe

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("mode", MODES, ids=[m.key for m in MODES])
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_no_axe_violations(open_page, axe_source, page, mode):
    tab = open_page(page, mode)
    if mode.html_class:
        assert mode.html_class in tab.evaluate("document.documentElement.className")
    violations = run_axe(tab, axe_source)
    assert violations == [], "\n".join(
        f"{v['id']} ({v['help']}):\n    " + "\n    ".join(v["nodes"][:5]) for v in violations)


@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_page_language_is_declared(open_page, page):
    tab = open_page(page, MODES[0])
    assert tab.evaluate("document.documentElement.lang") == "id"
