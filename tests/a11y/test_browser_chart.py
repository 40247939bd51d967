"""The chart view in chromium, as a keyboard and screen-reader user meets it: one Tab stop, the
arrow keys walk the points, each point has a spoken label, series differ by more than colour."""
from __future__ import annotations

import pytest

from a11y_browser import run_axe

pytestmark = [pytest.mark.browser]


@pytest.fixture
def chart_tab(browser, a11y_portal):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    url = (f"{a11y_portal.url}/dataset/{a11y_portal.table_dataset}/resource/"
           f"{a11y_portal.table_resource_id}?view_id={a11y_portal.chart_view_id}")
    assert tab.goto(url).status == 200
    tab.wait_for_selector(".tg-chart-point", timeout=30_000)
    yield tab
    ctx.close()


def _focused(tab) -> str:
    return tab.evaluate("document.activeElement.getAttribute('aria-label') || ''")


def test_arrow_keys_walk_the_points_and_say_each(chart_tab):
    tab = chart_tab
    points = tab.locator(".tg-chart-point")
    assert points.count() == 15  # 3 kecamatan x 5 years
    # one Tab stop for the whole chart (roving tabindex)
    assert tab.locator(".tg-chart-point[tabindex='0']").count() == 1
    for _ in range(200):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.classList.contains('tg-chart-point')"):
            break
    else:
        pytest.fail("Tab never reached the chart")
    assert _focused(tab) == "Cibodas, 2020: 3"
    tab.keyboard.press("ArrowRight")
    assert _focused(tab) == "Cibodas, 2021: 3"
    tab.keyboard.press("End")
    assert _focused(tab) == "Cibodas, 2024: 5"
    tab.keyboard.press("ArrowDown")
    assert _focused(tab) == "Ciledug, 2024: 4"
    # what is focused is also written under the chart, for sighted keyboard users
    assert tab.locator(".tg-chart-focused").inner_text() == "Ciledug, 2024: 4"
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert float(outline.rstrip("px")) >= 2
    # Tab leaves the chart: no trap
    tab.keyboard.press("Tab")
    assert not tab.evaluate("document.activeElement.classList.contains('tg-chart-point')")


def test_series_differ_by_symbol_and_label_and_the_data_is_a_table(chart_tab, axe_source):
    tab = chart_tab
    symbols = tab.evaluate("""() => { const by = {};
        document.querySelectorAll('.tg-chart-point').forEach(p => {
          const series = p.getAttribute('aria-label').split(',')[0];
          by[series] = p.tagName + ':' + (p.getAttribute('d') || '').slice(0, 12); });
        return by; }""")
    assert len(set(symbols.values())) == 3, symbols
    labels = tab.evaluate("[...document.querySelectorAll('.tg-chart-plot svg text')].map(t => t.textContent)")
    assert {"Cibodas", "Ciledug", "Karawaci"} <= set(labels)
    summary = tab.locator(".tg-chart-summary").inner_text()
    assert "Karawaci, 2024: 6" in summary and "2020" in summary
    assert tab.locator(".tg-chart-table tbody tr").count() == 15
    assert run_axe(tab, axe_source) == []
