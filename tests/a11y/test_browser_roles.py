"""Every page of every role in chromium: the portal seeded as the route walk seeds it (demo
content, one object of each kind, a PPID request in each state), served under gunicorn, and
every GET URL of the walk that answers a themed HTML page to a role checked with axe-core
(WCAG 2.0/2.1/2.2 A and AA) while signed in as that role; then every form the walk would post,
submitted empty in the browser, and its answer checked the same way.

Pages are fetched first over HTTP (cheap) to pick the ones worth a browser visit: a page is
checked when one of its parts (top bar, header, content, footer) has a structure no checked page
had: the interactive elements, form controls, headings and landmarks with their classes, types,
names and ARIA attributes, ignoring text and record ids. So the same dataset page of another
record or of another role with the same menus is not checked twice. The table of what was
checked goes to var/log/a11y-roles.txt.

The same pages (and each PPID request page once per request state) are read for their language
as test_browser_language.py reads its own: in Indonesian (``/...``, right after axe) and in
English (``/en/...``); the figures and findings go to var/log/a11y-language-roles.txt.

This test reseeds the database: tests/a11y/conftest.py runs it after the tests that use the
seeded a11y portal."""
from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import pathlib
import re
import sys
import time
import types
import urllib.parse

import pytest
from bs4 import BeautifulSoup

from a11y_browser import login, run_axe
from live_portal import Portal as LivePortal
import test_browser_language as language

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "walk"))
import routewalk  # noqa: E402
from test_route_walk import seed_portal  # noqa: E402

pytestmark = [pytest.mark.browser]

# answers that are never pages: data, feeds, assets, tiles
NOT_PAGES = ("/api/", "/static/", "/webassets/", "/feeds/", "/ogc/collections/", "/csw",
             "/catalog.", "/dataset/export/")
# the parts of a page whose structure is compared; the rest of <body> is the content
CHROME = {"topbar": "div.tg-topbar", "header": "header.tg-header", "footer": "footer.tg-footer"}
STRUCTURAL = {"a", "button", "input", "select", "textarea", "option", "label", "fieldset", "legend",
              "details", "summary", "iframe", "img", "svg", "table", "th", "td", "ul", "ol", "dl",
              "h1", "h2", "h3", "h4", "h5", "h6", "header", "nav", "main", "footer", "aside",
              "section", "article", "form", "dialog"}
TEXT_INPUTS = "input:not([type]), input[type=text], input[type=email], input[type=url], " \
              "input[type=tel], input[type=number], input[type=search], input[type=password], " \
              "input[type=date], textarea"


def _signed_in(browser, url: str, credentials: tuple[str, str] | None):
    """A fresh browser context, signed in with the role's (user, password) when it has one."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    if credentials:
        login(tab, types.SimpleNamespace(url=url, user=credentials[0], password=credentials[1]))
    return ctx, tab


def _norm(value) -> str:
    value = " ".join(value) if isinstance(value, list) else str(value or "")
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{16,}|\d+", "N", value)


def _parts(soup: BeautifulSoup, cut=True) -> dict[str, frozenset]:
    """Each part's structure: the set of (tag, classes, type, name, role, ARIA attributes) of its
    structural elements (a set: ten resources look like three)."""
    def structure(root) -> frozenset:
        found = set()
        for el in root.find_all(True):
            if el.name not in STRUCTURAL and not el.get("role") and not el.get("tabindex"):
                continue
            found.add((el.name, _norm(sorted(el.get("class") or [])), el.get("type", ""),
                       _norm(el.get("name", "")), el.get("role", ""),
                       " ".join(sorted(a for a in el.attrs if a.startswith("aria-"))),
                       "href" if el.get("href") else "", "tabindex" if el.get("tabindex") else ""))
        return frozenset(found)

    body = soup.body or soup
    parts = {}
    for key, selector in CHROME.items():
        el = body.select_one(selector)
        parts[key] = structure(el) if el is not None else frozenset()
        if el is not None and cut:
            el.extract()
    parts["content"] = structure(body)
    return parts


@dataclasses.dataclass
class Tally:
    pages: int = 0          # themed HTML pages the role is shown (URLs)
    checked: int = 0
    duplicates: int = 0
    forms: int = 0
    forms_skipped: int = 0
    violations: int = 0


@dataclasses.dataclass
class Violation:
    role: str
    path: str
    endpoint: str
    rule: str
    help: str
    nodes: list[str]

    def __str__(self) -> str:
        return (f"{self.role} {self.path} [{self.endpoint}] {self.rule} ({self.help}):\n    "
                + "\n    ".join(self.nodes[:6]))


def _is_page(answer: routewalk.Answer, endpoint: str) -> bool:
    return (answer.status == 200 and "html" in answer.content_type
            and endpoint not in routewalk.UNTHEMED and routewalk.THEME_MARKER in answer.body)


def _pages_of(url: str, login, plan, adapter) -> list[tuple]:
    """The role's themed HTML pages: (path, endpoint, parts' structure, forms the walk posts)."""
    client = routewalk.HttpClient(url, login)
    out = []
    for route, path in plan:
        answer = client.get(path)
        if not _is_page(answer, route.endpoint):
            continue
        page_forms = []
        for form in routewalk.post_forms(answer.body, path):
            action = urllib.parse.urlsplit(form.action).path
            endpoint = routewalk.endpoint_of(adapter, action)
            if endpoint is None or endpoint in routewalk.DESTRUCTIVE | routewalk.SIGN_OUT:
                continue
            # one per URL rule and set of fields (a step of the PPID officer page has its own)
            key = (endpoint, frozenset(_norm(name) for name, _ in form.fields))
            page_forms.append((key, action, endpoint))
        out.append((path, route.endpoint, _parts(BeautifulSoup(answer.body, "lxml")), page_forms))
    return out


def _plan(routes, seed) -> list[tuple[routewalk.Route, str]]:
    plan = []
    for route in routes:
        if "GET" not in route.methods or route.endpoint == "user.logout":
            continue
        for values in routewalk.fills(seed, route.endpoint, route.arguments) or []:
            path = route.build(values)
            if not path.startswith(NOT_PAGES):
                plan.append((route, path))
    # as in the walk: pages that end the session last
    plan.sort(key=lambda item: item[0].endpoint in routewalk.SIGN_OUT)
    return plan


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store", "clean_queues")
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "true")
def test_every_page_of_every_role_has_no_axe_violation(app, cli, browser, axe_source, request,
                                                       tmp_path, capsys):
    started = time.monotonic()
    seed = seed_portal(cli)
    assert seed is not None, "the public layer was not imported"
    flask_app = app.flask_app
    adapter = flask_app.url_map.bind("localhost")
    plan = _plan(routewalk.routes_of(flask_app.url_map), seed)
    reset_limits = request.config.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py"))._reset_limits
    tally = {role: Tally() for role in routewalk.ROLES}
    violations: list[Violation] = []
    seen: dict[str, set] = collections.defaultdict(set)
    forms: dict[tuple, tuple[str, str, str, str]] = {}  # key -> (role, page, action path, endpoint)
    visits: dict[str, list[tuple[str, str]]] = {}
    timings = {}

    with LivePortal.serving(request.config.getoption("ckan_ini"), tmp_path, workers=2,
                            name="test-a11y-roles") as live:
        timings["seed"] = time.monotonic() - started
        # 1. which URLs are pages for whom (the roles fetched side by side), then, in the
        # roles' order, which of them show something new
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            fetched = dict(zip(routewalk.ROLES, pool.map(
                lambda role: _pages_of(live.url, seed.logins.get(role), plan, adapter),
                routewalk.ROLES)))
        for role in routewalk.ROLES:
            visits[role] = []
            for path, endpoint, parts, page_forms in fetched[role]:
                tally[role].pages += 1
                for key, action, form_endpoint in page_forms:
                    forms.setdefault(key, (role, path, action, form_endpoint))
                if all(sig in seen[part] for part, sig in parts.items()):
                    tally[role].duplicates += 1
                    continue
                for part, sig in parts.items():
                    seen[part].add(sig)
                visits[role].append((path, endpoint))
        more_states = _request_pages_by_state(seed, fetched, visits)
        timings["http"] = time.monotonic() - started - timings["seed"]

        # 2. the pages in chromium, signed in as the role; each read for its language too
        reading = _Reading(language.Crawl(), language.build_references(), _typed_content(seed))
        for role in routewalk.ROLES:
            reset_limits(request.config)
            ctx, tab = _signed_in(browser, live.url, seed.logins.get(role))
            for path, endpoint in visits[role]:
                response = tab.goto(live.url + path)
                assert response is not None and response.status == 200, \
                    f"{role} {path}: {response and response.status}"
                found = run_axe(tab, axe_source)
                tally[role].checked += 1
                for v in found:
                    tally[role].violations += 1
                    violations.append(Violation(role, path, endpoint, v["id"], v["help"], v["nodes"]))
                reading.read(tab, live.url, role, path, loaded=True)
            for path, endpoint in more_states[role]:
                reading.read(tab, live.url, role, path, loaded=False)
            ctx.close()
        timings["language"] = reading.seconds
        timings["pages"] = time.monotonic() - started - timings["seed"] - timings["http"] - reading.seconds

        # 3. every form the walk posts (one per URL rule and set of fields), submitted empty as
        # a person would: text cleared, the form's submit button pressed; the answer checked,
        # and its error messages tied to their fields
        by_role = collections.defaultdict(list)
        for role, path, action, endpoint in forms.values():
            by_role[role].append((path, action, endpoint))
        form_log = []
        for role in routewalk.ROLES:
            if not by_role[role]:
                continue
            reset_limits(request.config)
            ctx, tab = _signed_in(browser, live.url, seed.logins.get(role))
            for path, action, endpoint in by_role[role]:
                outcome = _submit_empty(tab, live.url + path, action)
                if isinstance(outcome, str):
                    tally[role].forms_skipped += 1
                    form_log.append(f"  skipped {endpoint} on {path} ({role}): {outcome}")
                    continue
                tally[role].forms += 1
                form_log.append(f"  checked {endpoint} on {path} ({role}): answered {outcome} "
                                f"{urllib.parse.urlsplit(tab.url).path}")
                where = f"{path} -> POST {action} (empty)"
                for v in run_axe(tab, axe_source):
                    tally[role].violations += 1
                    violations.append(Violation(role, where, endpoint, v["id"], v["help"], v["nodes"]))
                untied = untied_errors(tab)
                if untied:
                    tally[role].violations += 1
                    violations.append(Violation(role, where, endpoint, "error-not-tied",
                                                "Error messages must be tied to their field", untied))
            ctx.close()
        timings["forms"] = time.monotonic() - started - sum(timings.values())

    lines = [f"axe-core WCAG 2.0/2.1/2.2 A/AA, every page of every role ({time.monotonic() - started:.0f} s: "
             + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ")",
             f"{'role':17} {'pages':>5} {'checked':>7} {'dupl.':>5} {'forms':>5} {'f.skip':>6} {'viol.':>5}"]
    for role, t in tally.items():
        lines.append(f"{role:17} {t.pages:5} {t.checked:7} {t.duplicates:5} {t.forms:5} "
                     f"{t.forms_skipped:6} {t.violations:5}")
    total = Tally(*(sum(getattr(t, f.name) for t in tally.values()) for f in dataclasses.fields(Tally)))
    lines.append(f"{'total':17} {total.pages:5} {total.checked:7} {total.duplicates:5} {total.forms:5} "
                 f"{total.forms_skipped:6} {total.violations:5}")
    lines.append("forms submitted empty:")
    lines.extend(form_log)
    table = "\n".join(lines)
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "log" / "a11y-roles.txt").write_text(
        table + "\n" + "\n".join(map(str, violations)) + "\n", encoding="utf-8")
    language_lines = reading.report()
    (ROOT / "var" / "log" / "a11y-language-roles.txt").write_text("\n".join(language_lines) + "\n",
                                                                   encoding="utf-8")
    with capsys.disabled():
        print("\n" + "\n".join(lines[:len(tally) + 3] + language_lines[:4]))
    assert total.checked > 0
    crawl = reading.crawl
    assert crawl.pages["id"] == crawl.pages["en"] > 100 and crawl.strings["id"] > 10000
    findings = [f"{kind}: {f}" for kind in ("id", "en", "format") for f in crawl.findings[kind]]
    assert not violations and not findings, (
        f"{len(violations)} axe violations:\n" + "\n".join(map(str, violations))
        + f"\n{len(findings)} language findings (English on /..., Indonesian on /en/..., "
          "formats):\n" + "\n".join(findings))


@dataclasses.dataclass
class _Reading:
    """The language read of the role walk's pages (see test_browser_language.py)."""
    crawl: language.Crawl
    references: dict
    content: set
    seconds: float = 0.0
    read_pages: list = dataclasses.field(default_factory=list)

    def read(self, tab, url: str, role: str, path: str, loaded: bool) -> None:
        """The page in Indonesian (already shown when ``loaded``), then in English."""
        started = time.monotonic()
        for locale, prefix in (("id", ""), ("en", "/en")):
            if prefix or not loaded:
                response = tab.goto(url + prefix + path)
                assert response is not None and response.status == 200, \
                    f"{role} {prefix}{path}: {response and response.status}"
            language.settle(tab, url + prefix + path, idle_ms=3000, by_url=False)
            self.crawl.pages[locale] += 1
            language.check(self.crawl, self.references, self.content, locale, role, prefix + path,
                           tab.evaluate(language.COLLECT))
        self.read_pages.append(f"{role} {path}")
        self.seconds += time.monotonic() - started

    def report(self) -> list[str]:
        crawl = self.crawl
        roles = collections.Counter(page.split(" ", 1)[0] for page in self.read_pages)
        lines = [f"language of the role walk's pages ({self.seconds:.0f} s), pages per role: "
                 + ", ".join(f"{role} {n}" for role, n in roles.items())]
        for locale, other in (("id", "English"), ("en", "Indonesian")):
            lines.append(f"{locale}: {crawl.pages[locale]} pages read, {crawl.strings[locale]} strings "
                         f"checked, {len(crawl.findings[locale])} {other} strings found")
        lines.append(f"id: {len(crawl.findings['format'])} dates, numbers or codes not in Indonesian form")
        for kind in ("id", "en", "format"):
            lines += [f"{kind}: {f}" for f in crawl.findings[kind]]
        return lines + ["pages read:"] + [f"  {page}" for page in self.read_pages]


def _request_pages_by_state(seed, fetched, visits) -> dict[str, list[tuple[str, str]]]:
    """The PPID request pages the axe walk skips as duplicates, one per (URL rule, state of
    the request) that no checked page shows: each state has its own texts and dates."""
    import ckan.plugins.toolkit as tk

    site = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    states = {}
    for r in seed.ppid_requests:
        state = tk.get_action("ppid_request_show")(site, {"id": r["id"]})["state"]
        states[r["id"]] = states[r["token"]] = state

    def state_of(path: str):
        return next((state for key, state in states.items() if key in path), None)

    seen = {(endpoint, state_of(path)) for role in visits for path, endpoint in visits[role]}
    more = {role: [] for role in routewalk.ROLES}
    for role in routewalk.ROLES:
        for path, endpoint, _parts, _forms in fetched[role]:
            state = state_of(path)
            if state is not None and (endpoint, state) not in seen:
                seen.add((endpoint, state))
                more[role].append((path, endpoint))
    return more


def _typed_content(seed) -> set[str]:
    """What people typed into the seeded portal (titles, notes, names, a request's texts): data,
    not interface text, on the pages read for their language."""
    import ckan.plugins.toolkit as tk
    from ppid_testlib import request_data

    site = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    act = tk.get_action
    values = set()
    found = act("package_search")(site, {"rows": 1000, "include_private": True, "include_drafts": True})
    for ds in found["results"]:
        values |= {ds.get("title"), ds.get("notes"), ds.get("name"), ds["organization"]["title"],
                   ds["organization"]["name"], ds.get("author"), ds.get("maintainer"), ds.get("satuan")}
        values |= {t["name"] for t in ds.get("tags", [])} | {t.get("display_name") for t in ds.get("tags", [])}
        for res in ds["resources"]:
            values |= {res.get("name"), res.get("description")}
            values |= {v["title"] for v in act("resource_view_list")(site, {"id": res["id"]})}
            if res.get("datastore_active"):  # a table's column names
                fields = act("datastore_search")(site, {"resource_id": res["id"], "limit": 0})["fields"]
                values |= {f["id"] for f in fields}
    for kind in ("organization_list", "group_list"):
        offset = 0
        while page := act(kind)(site, {"all_fields": True, "limit": 25, "offset": offset}):
            for item in page:
                values |= {item.get("title"), item.get("description"), item.get("name"),
                           item.get("display_name")}
            offset += len(page)
    for user in act("user_list")(site, {}):
        values |= {user.get("name"), user.get("fullname"), user.get("display_name")}
    for r in seed.ppid_requests:
        shown = act("ppid_request_show")(site, {"id": r["id"]})
        values |= {shown.get("number"), shown.get("information")}
    values |= {v for v in request_data(identity_upload=None).values() if isinstance(v, str)}
    # the texts seed_portal types as the officers and the requester
    values |= {"Lengkapi KTP", "Lengkapi", "Informasi terbuka", "Tabel data", "Uji keberatan",
               "Uji sengketa", "Sudah sesuai", "KI-BANTEN/1/2026", "DIP-UJI-1", "Daftar puskesmas",
               "PPID Pelaksana Dinkes", "Standar jalan-jalan", "kegiatan", "anggaran"}
    values |= {f"Titik {i}" for i in range(5)} | {"nama"}  # the layer's features and their property
    return {language._norm(v) for v in values if v}


def _submit_empty(tab, url: str, action: str):
    """The answer's status, or why the form was not submitted. The form's <details> are opened
    as a person opens them; when the browser's own check (required fields) stops the
    submission, it is made again past that check, to see the portal's error page, which people
    whose browser does not check meet."""
    from playwright.sync_api import Error, TimeoutError as PlaywrightTimeout

    response = tab.goto(url)
    if response is None or response.status != 200:
        return f"page answered {response and response.status}"
    marked = tab.evaluate(
        """([action, textInputs]) => {
            const form = [...document.forms].find(f => f.method === 'post'
                && new URL(f.action, location.href).pathname === action);
            if (!form) return false;
            form.setAttribute('data-test-empty', '');
            for (let d = form.closest('details'); d; d = d.parentElement.closest('details')) d.open = true;
            form.querySelectorAll(textInputs).forEach(el => {
                if (!el.readOnly && !el.disabled) el.value = '';
            });
            return true;
        }""", [action, TEXT_INPUTS])
    if not marked:
        return "form not in the page"
    # the form's own submit: the last visible one that is not a danger button (CKAN's URL
    # preview puts an "Edit" button, a submit by default, at the top of its forms)
    buttons = tab.locator("form[data-test-empty] :is(button[type=submit], button:not([type]), "
                          "input[type=submit]):not(.btn-danger)")
    button = next((buttons.nth(i) for i in reversed(range(buttons.count())) if buttons.nth(i).is_visible()), None)
    if button is None:
        return "no visible submit button"
    for attempt in ("as is", "past the browser's check"):
        try:
            with tab.expect_navigation(timeout=4000) as navigation:
                button.click(timeout=3000)
            tab.wait_for_load_state()
            break
        except PlaywrightTimeout:
            if attempt != "as is" or tab.evaluate(
                    "document.querySelector('form[data-test-empty]').checkValidity()"):
                return "the submit had no effect"
            tab.evaluate("document.querySelector('form[data-test-empty]').noValidate = true")
        except Error as e:  # e.g. the answer is a download
            return f"no page: {str(e).splitlines()[0]}"
    answer = navigation.value
    return answer.status if answer is not None else "no answer"


def untied_errors(tab) -> list[str]:
    """Error messages shown in the page's forms that no field points at (aria-describedby):
    a screen reader, on the field, does not read why it was refused (WCAG 1.3.1, 3.3.1)."""
    return tab.evaluate(
        """() => [...document.querySelectorAll(
                'main form :is(.error-block, .error-inline, .invalid-feedback, p.text-danger)')]
            .filter(el => el.offsetParent !== null && el.textContent.trim())
            .filter(el => !el.id || !el.closest('form').querySelector(
                `[aria-describedby~="${CSS.escape(el.id)}"]`))
            .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
                       + (el.id ? '#' + el.id : '') + ': ' + el.textContent.trim().slice(0, 80))""")
