"""Plain helpers of the browser tests (fixtures are in conftest.py)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests


@dataclass
class Portal:
    url: str
    user: str
    password: str
    dataset: str
    resource_id: str
    organization: str
    table_dataset: str = ""
    table_resource_id: str = ""
    chart_view_id: str = ""


# 2.5.8's "inline" exception, one rule for the focus and the target checks: a link inside a
# sentence, whose size is the text's
INLINE_LINK = """(el, s) => el.tagName === 'A' && s.display === 'inline' && !!el.parentElement
  && (el.parentElement.innerText || '').trim().length > (el.innerText || '').trim().length"""

# What the focused element looks like: its focus indicator and whether something covers it.
FOCUS_STATE = """async () => {
  // let a smooth scroll to the focused element finish before judging where it is
  let last = -1, still = 0;
  for (let i = 0; i < 90 && still < 3; i++) {
    still = (scrollY === last) ? still + 1 : 0;
    last = scrollY;
    await new Promise(r => requestAnimationFrame(r));
  }
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  return {
    tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 40),
    readOnly: el.classList.contains('tg-chart-point'),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
    shadow: s.boxShadow !== 'none',
    width: r.width, height: r.height,
    inline: (""" + INLINE_LINK + """)(el, s),
    inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
    covered: !!top && top !== el && !el.contains(top) && !top.contains(el)
             && !(el.labels && [...el.labels].some(l => l.contains(top))),
  };
}"""

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_status_cache: dict[str, int] = {}


def resolve_path(page, portal: Portal) -> str:
    """The first of the page's paths that answers; skip (with the reason) when none does."""
    fields = {"dataset": portal.dataset, "resource_id": portal.resource_id,
              "organization": portal.organization, "user": portal.user,
              "table_dataset": portal.table_dataset, "table_resource_id": portal.table_resource_id,
              "chart_view_id": portal.chart_view_id}
    tried = []
    for raw in page.paths:
        path = raw.format(**fields)
        if path not in _status_cache:
            _status_cache[path] = requests.get(portal.url + path, timeout=60,
                                               allow_redirects=False).status_code
        status = _status_cache[path]
        # a page behind login redirects anonymous visitors: it exists
        if status < 400 or (page.login and status in (302, 303, 401, 403)):
            return path
        if status != 404:  # it exists but is broken: that must fail, never skip
            pytest.fail(f"page {page.key!r} ({page.owner}): {path} answered {status}")
        tried.append(f"{path} -> {status}")
    pytest.skip(f"page {page.key!r} ({page.owner}) does not exist yet: {', '.join(tried)}")


def login(tab, portal: Portal) -> None:
    tab.goto(portal.url + "/user/login")
    tab.fill("#field-login", portal.user)
    tab.fill("#field-password", portal.password)
    tab.locator("form button[type=submit]").last.click()
    tab.wait_for_load_state()
    assert tab.locator(".tg-topbar form button").count() == 1, "login failed"


def run_axe(tab, axe_source: str) -> list[dict]:
    """axe-core's violations of the WCAG 2.0/2.1/2.2 A and AA rules on the page."""
    # evaluated through the DevTools protocol: an added <script> would be inline script, which
    # the portal's Content-Security-Policy blocks
    tab.evaluate(axe_source + "\n;void 0")
    return tab.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""", AXE_TAGS)
