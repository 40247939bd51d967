"""Reflow (1.4.10) and text spacing (1.4.12): at 320 CSS px nothing scrolls sideways, in the
default look and with the widest spacing; at 200% text a 640px window still reflows."""
from __future__ import annotations

import pytest

from a11y_pages import MODES, PAGES

pytestmark = [pytest.mark.browser]
BY_KEY = {m.key: m for m in MODES}

OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1
                  && getComputedStyle(el).position !== 'fixed'
                  && !el.closest('.visually-hidden, .tg-skip, .visually-hidden-focusable')
                  && el.getClientRects().length)
    .slice(0, 5).map(el => el.tagName + '.' + el.className);
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""


@pytest.mark.parametrize(("mode_key", "width"), [("default", 320), ("spacing_wide", 320),
                                                 ("text_200", 320), ("text_200", 640)])
@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_no_horizontal_scrolling(open_page, page, mode_key, width):
    tab = open_page(page, BY_KEY[mode_key], width=width)
    result = tab.evaluate(OVERFLOW)
    assert result["scroll"] <= result["client"], f"scrolls sideways: {result}"
