"""The route walk: every URL rule the portal serves, filled with real ids, fetched as each role.

It fails on any 5xx, on an error page that is not in the portal's theme or not in the request's
language, on a full page outside the theme, and on a URL rule it cannot fill (a new route must be
added to FILLS below). Each GET page's POST forms are then sent twice: empty (only the CSRF
field) and as rendered (the form's own values), except the ones in DESTRUCTIVE.

Two ways to run it:
- in the suite (tests/walk/test_route_walk.py): a seeded portal, every role, Flask's test client;
- against a running portal (`make walk`, `make walk PORTAL=https://...`): this file as a script;
  it takes the rules from the local app and the ids from the portal's API, and walks as anonymous
  plus every role given in WALK_USERS ("role=user:password,role=user:password"). There it posts
  forms only empty (with the CSRF token), so a production portal's data is not changed.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import html as htmllib
import math
import os
import re
import sys
import time
import urllib.parse
from typing import Any, Callable, Iterable

from bs4 import BeautifulSoup

# run as a script by `make walk` too: the tests' shared form helpers sit one folder up
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from forms import csrf_field  # noqa: E402

ROLES = ("anonymous", "registered", "requester", "other_citizen", "other_opd_editor",
         "ppid_pelaksana", "ppid_utama", "atasan_ppid", "walidata", "sysadmin")

# posting these, even empty, would delete, purge, sign out or demote what the walk stands on
# (their GET pages are walked)
DESTRUCTIVE = {
    "dataset.delete", "resource.delete", "dataset_resource.delete", "group.delete",
    "organization.delete", "group.member_delete", "organization.member_delete", "user.delete",
    "user.logout", "user.api_tokens_revoke", "admin.reset_config", "admin.trash", "user.sysadmin",
    "ppid.holidays", "ppid.appointments", "tangerang_satudata.standard_delete",
}
SIGN_OUT = {"user.logout", "user.logged_out_page"}
# actions that act on their own when called with no parameters (sweeps, purges)
API_NOT_CALLED = {"ppid_remind", "ppid_personal_data_purge"}
# English words of an error page's title that an Indonesian page must not show
ENGLISH_ERRORS = re.compile(r"\b(Not Found|Forbidden|Unauthorized|Bad Request|Internal Server Error|"
                            r"Not Authorized|Method Not Allowed)\b")
THEME_MARKER = 'class="tg-topbar"'
# what a form page shows when it refuses input: CKAN's error summary and field errors, ours
# (field-<name>-error, aria-invalid), a flash message
FIELD_ERRORS = re.compile(r'error-explanation|error-block|aria-invalid="true"|id="field-[\w-]+-error"|'
                          r'alert-danger|alert-error|flash-messages[^>]*>\s*<div')
# the security token refusal (security/csrf.py) in either language: the walk's own post went wrong
CSRF_REFUSED = re.compile(r"security token|token keamanan")
# pages that show a request to whoever holds its private tracking link (the requester): the
# walk hands every role the links, so personal data there is the requester's own
TOKEN_PAGES = {"ppid.track", "ppid.track_letter", "ppid.track_file", "ppid.track_step"}
# full pages the theme does not wrap, with the reason
UNTHEMED = {
    "resource.view": "a resource view is an iframe's document",
    "dataset_resource.view": "a resource view is an iframe's document",
    "ppid.track_letter": "a letter is a printable document",
    "ppid.officer_letter": "a letter is a printable document",
    "util.primer": "CKAN's style primer (testing page)",
    "util.custom_form_fields": "CKAN's form-field demo (testing page)",
    "activity.dashboard_testing": "CKAN's testing page",
}


@dataclasses.dataclass
class Answer:
    status: int
    content_type: str
    body: str
    location: str = ""


@dataclasses.dataclass
class Finding:
    role: str
    method: str
    path: str
    endpoint: str
    problem: str

    def __str__(self) -> str:
        return f"{self.role:17} {self.method:4} {self.path}  [{self.endpoint}]  {self.problem}"


@dataclasses.dataclass
class Seed:
    """What the walk fills rules with: object ids per family, and each role's login."""
    # {id, resource_id, view_id, activity_id, filename, table_view_id}
    datasets: list[dict[str, Any]]
    organizations: list[str]
    groups: list[str]
    users: list[str]
    tags: list[str]
    ppid_requests: list[dict[str, Any]]  # {id, token, file_id}
    dip_entries: list[str]
    collections: list[str]
    tile: tuple[int, int, int]
    actions: list[str]
    webasset: str
    logins: dict[str, tuple[str, str]]   # role -> (user, password)
    year: int = 2026
    # a requester's personal data (UU PDP) and the roles that must never see it anywhere
    personal: dict[str, re.Pattern] = dataclasses.field(default_factory=dict)
    outsiders: tuple[str, ...] = ()
    standards: list[str] = dataclasses.field(default_factory=list)  # Standar Data names


# ------------------------------------------------------------------ filling the rules

def _dataset_values(seed: Seed, endpoint: str) -> list[dict[str, Any]]:
    out = []
    for ds in seed.datasets:
        values = {"id": ds["id"], "_id": ds["id"], "resource_id": ds.get("resource_id"),
                  "view_id": ds.get("view_id"), "activity_id": ds.get("activity_id"),
                  "filename": ds.get("filename"), "_format": "ttl",
                  "resource_view_id": ds.get("table_view_id"), "fmt": "csv"}
        out.append({k: v for k, v in values.items() if v is not None})
    return out


def _family(endpoint: str) -> str:
    blueprint, _, view = endpoint.partition(".")
    if blueprint == "tangerang_satudata" and view.startswith("standard_"):
        return "standard"
    if blueprint in ("dataset", "dataset_resource", "resource", "tangerang_satudata", "satupeta",
                     "datastore", "datatablesview"):
        return "dataset" if view not in ("dashboard", "map_page") else "none"
    if blueprint == "activity":
        for family in ("package", "resource", "organization", "group", "user"):
            if view.startswith(family):
                return {"package": "dataset", "resource": "dataset"}.get(family, family)
        return "none"
    if endpoint == "dcat.read_dataset" or endpoint == "dcat.read_dataset_series":
        return "dataset"
    if blueprint in ("organization", "group", "user", "ppid"):
        return blueprint
    if endpoint in ("feeds.organization", "feeds.group", "feeds.tag"):
        return endpoint.split(".")[1]
    return "none"


def fills(seed: Seed, endpoint: str, arguments: set[str]) -> list[dict[str, Any]] | None:
    """The values to build the rule with, one dict per URL to fetch; None: cannot fill."""
    if not arguments:
        return [{}]
    family = _family(endpoint)
    base: list[dict[str, Any]]
    if family == "dataset":
        base = _dataset_values(seed, endpoint)
    elif family == "organization":
        base = [{"id": o} for o in seed.organizations]
    elif family == "group":
        base = [{"id": g} for g in seed.groups]
    elif family == "tag":
        base = [{"id": t} for t in seed.tags]
    elif family == "user":
        base = [{"id": u} for u in seed.users]
    elif family == "ppid":
        if endpoint.startswith("ppid.dip"):
            base = [{"id": d} for d in seed.dip_entries]
        elif endpoint.startswith("ppid.report"):
            base = [{"year": seed.year}]
        else:
            base = [{k: v for k, v in r.items() if v is not None} for r in seed.ppid_requests]
    elif family == "standard":
        base = [{"name": n} for n in seed.standards]
    elif endpoint.startswith("satupeta_ogc."):
        z, x, y = seed.tile
        base = [{"cid": c, "fid": 1, "z": z, "x": x, "y": y, "tms": "WebMercatorQuad",
                 "rest": "no/such/path"} for c in seed.collections]
    elif endpoint == "api.action":
        base = [{"logic_function": a, "ver": 3} for a in seed.actions]
    elif endpoint.startswith("api."):
        base = [{"ver": 3 if "ver" in arguments and endpoint == "api.get_api" else 2, "lang": "id"}]
    elif endpoint == "dcat.read_catalog":
        base = [{"_format": f} for f in ("ttl", "rdf", "jsonld", "xml")]
    elif endpoint == "static":
        base = [{"filename": "base/images/ckan-logo.png"}]
    elif endpoint == "webassets.index":
        base = [{"path": seed.webasset}]
    elif endpoint == "home.redirect_locale":
        base = [{"path": "dataset"}]
    elif endpoint == "file.download":
        base = [{"id": "00000000-0000-0000-0000-000000000000"}]
    elif endpoint == "file.public_download":
        base = [{"storage_name": "resources", "location": "walk/none.txt"}]
    elif endpoint == "file.trusted_download":
        base = [{"token": "walk-invalid-token"}]
    else:
        return None
    usable = [b for b in base if arguments <= set(b)]
    return usable or None


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@dataclasses.dataclass
class Route:
    endpoint: str
    rule: str
    methods: set[str]
    arguments: set[str]
    build: Callable[[dict[str, Any]], str]


def routes_of(url_map) -> list[Route]:
    out = []
    for rule in url_map.iter_rules():
        args = set(rule.arguments) - set(rule.defaults or {})

        def build(values, rule=rule):
            return rule.build({**(rule.defaults or {}), **values}, append_unknown=False)[1]

        out.append(Route(rule.endpoint, rule.rule, set(rule.methods) - {"HEAD", "OPTIONS"}, args, build))
    return sorted(out, key=lambda r: (r.rule, r.endpoint))


# ------------------------------------------------------------------ checking answers

def page_lang(body: str) -> str | None:
    found = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", body[:2000])
    return found.group(1) if found else None


def check(answer: Answer, lang: str, endpoint: str) -> str | None:
    if answer.status >= 500:
        return f"server error {answer.status}" + (f": {answer.body[:300]}" if "text/plain" in answer.content_type else "")
    if "html" not in answer.content_type or "<html" not in answer.body[:3000].lower():
        return None
    if answer.status >= 400:
        if THEME_MARKER not in answer.body:
            return f"error page {answer.status} outside the portal's theme"
        if page_lang(answer.body) != lang:
            return f"error page {answer.status} in language {page_lang(answer.body)!r}, not {lang!r}"
        title = re.search(r"<title>(.*?)</title>", answer.body, re.S)
        if lang == "id" and title and ENGLISH_ERRORS.search(title.group(1)):
            return f"error page {answer.status} titled in English: {title.group(1).strip()!r}"
        return None
    if answer.status == 200 and endpoint not in UNTHEMED and THEME_MARKER not in answer.body:
        return "page outside the portal's theme"
    return None


def leak(answer: Answer, seed: Seed, role: str, endpoint: str) -> str | None:
    """A requester's personal data in an answer to a role that may not see it."""
    if role not in seed.outsiders or endpoint in TOKEN_PAGES:
        return None
    found = [name for name, pattern in seed.personal.items() if pattern.search(answer.body)]
    return f"personal data shown to {role}: {', '.join(found)}" if found else None


# ------------------------------------------------------------------ forms

@dataclasses.dataclass
class Form:
    action: str
    fields: list[tuple[str, str]]  # as rendered


def post_forms(body: str, page_path: str) -> list[Form]:
    soup = BeautifulSoup(body, "html.parser")
    out = []
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urllib.parse.urljoin(page_path, htmllib.unescape(form.get("action") or page_path))
        fields: list[tuple[str, str]] = []
        radios_done: set[str] = set()
        for el in form.find_all(["input", "select", "textarea", "button"]):
            name = el.get("name")
            if not name or el.has_attr("disabled"):
                continue
            kind = (el.get("type") or "text").lower() if el.name == "input" else el.name
            if kind in ("file", "image", "reset"):
                continue
            if el.name == "button" or kind == "submit":
                continue  # one button is the one pressed: added below
            if kind in ("checkbox",) and not el.has_attr("checked"):
                continue
            if kind == "radio":
                if name in radios_done:
                    continue
                group = form.find_all("input", attrs={"type": "radio", "name": name})
                chosen = next((g for g in group if g.has_attr("checked")), group[0])
                fields.append((name, chosen.get("value", "on")))
                radios_done.add(name)
                continue
            if kind == "select":
                options = el.find_all("option")
                chosen = next((o for o in options if o.has_attr("selected")), options[0] if options else None)
                if chosen is not None:
                    fields.append((name, chosen.get("value", chosen.get_text())))
                continue
            if kind == "textarea":
                fields.append((name, el.get_text()))
                continue
            fields.append((name, el.get("value", "")))
        submit = form.find(["button", "input"], attrs={"type": "submit"}) or form.find("button")
        if submit is not None and submit.get("name"):
            fields.append((submit["name"], submit.get("value", "")))
        out.append(Form(action, fields))
    return out


# ------------------------------------------------------------------ the walk

class Client:
    """One role's session: get/post returning Answer. Subclasses talk to Flask or HTTP."""

    def get(self, path: str) -> Answer:
        raise NotImplementedError

    def post(self, path: str, data: list[tuple[str, str]]) -> Answer:
        raise NotImplementedError

    def api(self, action: str, payload: dict) -> Answer:
        """POST an action as the browser's JavaScript does (the session's CSRF token in a header)."""
        raise NotImplementedError

    _token: str | None = None
    login: tuple[str, str] | None = None

    def sign_in(self) -> None:
        """Sign in through the login form, as a person does."""
        page = self.get("/user/login").body
        answer = self.post("/user/login", [*csrf_of(page), ("login", self.login[0]),
                                           ("password", self.login[1])])
        if answer.status not in (302, 303):
            raise RuntimeError(f"login as {self.login[0]} failed: {answer.status}")

    def sign_in_again(self) -> None:
        self._token = None
        if self.login:
            self.sign_in()

    def csrf_token(self) -> str:
        if self._token is None:
            found = csrf_of(self.get("/dataset/").body)
            self._token = found[0][1] if found else ""
        return self._token


def csrf_of(body: str) -> list[tuple[str, str]]:
    return list(csrf_field(body).items())


@dataclasses.dataclass
class Coverage:
    rules: int = 0
    walked: dict[str, set[str]] = dataclasses.field(default_factory=lambda: collections.defaultdict(set))
    requests: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    posts: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    statuses: dict[str, collections.Counter] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(collections.Counter))
    skipped_posts: set[str] = dataclasses.field(default_factory=set)
    csrf_refused: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    silent_refusals: set[str] = dataclasses.field(default_factory=set)
    seconds: float = 0.0

    def table(self, roles: Iterable[str]) -> str:
        lines = [f"route walk: {self.rules} URL rules, {self.seconds:.0f} s",
                 f"{'role':17} {'rules':>5} {'GET':>5} {'POST':>5}  statuses"]
        for role in roles:
            st = " ".join(f"{k}:{v}" for k, v in sorted(self.statuses[role].items()))
            lines.append(f"{role:17} {len(self.walked[role]):5} {self.requests[role]:5} "
                         f"{self.posts[role]:5}  {st}")
        total = sum(len(v) for v in self.walked.values())
        lines.append(f"rules x roles walked: {total}; GET {sum(self.requests.values())}, "
                     f"POST {sum(self.posts.values())}")
        if self.silent_refusals:
            lines.append("empty forms answered without a field error: " + ", ".join(sorted(self.silent_refusals)))
        if self.skipped_posts:
            lines.append("forms not posted (destructive; their pages are walked): " + ", ".join(sorted(self.skipped_posts)))
        return "\n".join(lines)


def walk(routes: list[Route], seed: Seed, clients: dict[str, Client], match: Callable[[str], str | None],
         lang: str = "id", progress: Callable[[str], None] | None = None,
         as_rendered: bool = True) -> tuple[list[Finding], Coverage]:
    """GET every rule for every role, then POST every form seen, empty and (``as_rendered``)
    with its own values: a live portal's forms are only posted empty, which changes nothing."""
    started = time.monotonic()
    findings: list[Finding] = []
    cover = Coverage(rules=len(routes))
    unfilled = []
    plan: list[tuple[Route, str]] = []
    for route in routes:
        if "GET" not in route.methods:
            continue  # POST-only rules are reached through the forms that post to them
        values = fills(seed, route.endpoint, route.arguments)
        if values is None:
            unfilled.append(route)
            continue
        for v in values:
            plan.append((route, route.build(v)))
    # signing out ends the role's session: last, after everything else it does
    plan.sort(key=lambda item: item[0].endpoint in SIGN_OUT)
    for route in unfilled:
        findings.append(Finding("-", "GET", route.rule, route.endpoint,
                                f"cannot fill {sorted(route.arguments)}: add it to FILLS in routewalk.py"))
    forms: dict[str, dict[str, tuple[str, Form]]] = collections.defaultdict(dict)
    errors: dict[str, list[tuple[Route, str]]] = collections.defaultdict(list)
    for role, client in clients.items():
        if progress:
            progress(f"GET as {role}: {len(plan)} URLs")
        for route, path in plan:
            answer = client.get(path)
            cover.requests[role] += 1
            cover.walked[role].add(route.rule)
            cover.statuses[role][answer.status] += 1
            problem = check(answer, lang, route.endpoint) or leak(answer, seed, role, route.endpoint)
            if problem:
                findings.append(Finding(role, "GET", path, route.endpoint, problem))
            if answer.status >= 400 and not path.startswith(("/api/", "/ogc", "/static", "/webassets")):
                errors[role].append((route, path))
            if answer.status == 200 and "html" in answer.content_type:
                for form in post_forms(answer.body, path):
                    forms[role].setdefault(urllib.parse.urlsplit(form.action).path, (route.endpoint, form))
    # the same error pages asked for in English must answer in English
    other = "en" if lang == "id" else "id"
    for role, client in clients.items():
        for route, path in errors[role]:
            answer = client.get(f"/{other}{path}")
            cover.requests[role] += 1
            problem = check(answer, other, route.endpoint)
            if problem:
                findings.append(Finding(role, "GET", f"/{other}{path}", route.endpoint, problem))
    post_only = {r.endpoint for r in routes if "GET" not in r.methods}
    # each role signed out at the end of its GETs: sign in again for its posts
    for client in clients.values():
        client.sign_in_again()
    posted_endpoints: set[str] = set()
    for role, client in clients.items():
        if progress:
            progress(f"POST as {role}: {len(forms[role])} forms")
        ordered = sorted(forms[role].items(), key=lambda item: (match(item[0]) in SIGN_OUT, item[0]))
        for action_path, (_page_endpoint, form) in ordered:
            endpoint = match(action_path)
            if endpoint is None:
                findings.append(Finding(role, "POST", action_path, "?", "a form posts to no route"))
                continue
            posted_endpoints.add(endpoint)
            # the page's token belonged to the session before sign-out: the current one, as a
            # person reloading the page gets
            token = client.csrf_token()
            fields = [(k, token if k == "_csrf_token" else v) for k, v in form.fields]
            if endpoint in DESTRUCTIVE:
                cover.skipped_posts.add(endpoint)
                continue
            attempts = [("empty", csrf_of_fields(fields))]
            if as_rendered:
                attempts.append(("as rendered", fields))
            for label, data in attempts:
                # a fresh CSRF token: the session's may have rotated since the page was read
                answer = client.post(form.action, data)
                cover.posts[role] += 1
                cover.walked[role].add(f"POST {endpoint}")
                cover.statuses[role][answer.status] += 1
                if answer.status == 400 and CSRF_REFUSED.search(answer.body):
                    cover.csrf_refused[role] += 1
                    findings.append(Finding(role, "POST", form.action, endpoint,
                                            f"{label}: refused for its CSRF token, the form could not be tried"))
                problem = check(answer, lang, endpoint)
                if problem:
                    findings.append(Finding(role, "POST", form.action, endpoint, f"{label}: {problem}"))
                elif (label == "empty" and answer.status in (200, 400, 409, 422)
                      and "html" in answer.content_type and not FIELD_ERRORS.search(answer.body)):
                    cover.silent_refusals.add(f"{endpoint} ({answer.status})")
    for role, client in clients.items():
        if progress:
            progress(f"API as {role}: {len(seed.actions)} actions")
        for action in seed.actions:
            if action in API_NOT_CALLED:
                continue
            answer = client.api(action, {})
            cover.posts[role] += 1
            cover.statuses[role][answer.status] += 1
            if answer.status >= 500:
                findings.append(Finding(role, "POST", f"/api/3/action/{action}", "api.action",
                                        f"server error {answer.status} for an empty call"))
            elif leaked := leak(answer, seed, role, "api.action"):
                findings.append(Finding(role, "POST", f"/api/3/action/{action}", "api.action", leaked))
            elif "json" not in answer.content_type:
                findings.append(Finding(role, "POST", f"/api/3/action/{action}", "api.action",
                                        f"answered {answer.content_type!r}, not JSON"))
    # POST-only rules no page offers a form for (CKAN's follow buttons post through htmx):
    # posted directly, empty, with the session's CSRF token
    direct = [r for r in routes if r.endpoint in post_only - posted_endpoints - DESTRUCTIVE]
    for route in direct:
        values = fills(seed, route.endpoint, route.arguments)
        if values is None:
            findings.append(Finding("-", "POST", route.rule, route.endpoint,
                                    f"cannot fill {sorted(route.arguments)}: add it to FILLS in routewalk.py"))
            continue
        for role, client in clients.items():
            for v in values:
                path = route.build(v)
                answer = client.post(path, [("_csrf_token", client.csrf_token())])
                cover.posts[role] += 1
                cover.walked[role].add(f"POST {route.endpoint}")
                cover.statuses[role][answer.status] += 1
                problem = check(answer, lang, route.endpoint)
                if problem:
                    findings.append(Finding(role, "POST", path, route.endpoint, f"empty: {problem}"))
    cover.seconds = time.monotonic() - started
    return findings, cover


def csrf_of_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in fields if k == "_csrf_token"]


# ------------------------------------------------------------------ against a running portal

class HttpClient(Client):
    def __init__(self, portal: str, login: tuple[str, str] | None = None):
        import requests

        self.portal = portal.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "id"
        self.login = login
        if login:
            self.sign_in()

    def _answer(self, res) -> Answer:
        return Answer(res.status_code, res.headers.get("Content-Type", ""), res.text,
                      res.headers.get("Location", ""))

    def get(self, path: str) -> Answer:
        return self._answer(self.session.get(self.portal + path, timeout=120, allow_redirects=False))

    def post(self, path: str, data: list[tuple[str, str]]) -> Answer:
        return self._answer(self.session.post(self.portal + path, data=data, timeout=120,
                                              allow_redirects=False))

    def api(self, action: str, payload: dict) -> Answer:
        return self._answer(self.session.post(f"{self.portal}/api/3/action/{action}", json=payload,
                                              headers={"X-CSRFToken": self.csrf_token()}, timeout=120))


def live_seed(portal: str, logins: dict[str, tuple[str, str]], actions: list[str]) -> Seed:
    """Ids from the portal's public API (and the first page's assets)."""
    import requests

    def call(action, **params):
        res = requests.get(f"{portal}/api/3/action/{action}", params=params, timeout=60)
        return res.json().get("result") if res.ok else None

    found = (call("package_search", rows=3) or {}).get("results", [])
    datasets = []
    for ds in found:
        res = (ds.get("resources") or [{}])[0]
        views = (call("resource_view_list", id=res["id"]) or []) if res.get("id") else []
        datasets.append({"id": ds["name"], "resource_id": res.get("id"),
                         "filename": (res.get("url") or "x").rsplit("/", 1)[-1] or "x",
                         "table_view_id": next((v["id"] for v in views
                                                if v["view_type"] == "datatables_view"), None)})
    collections_ = requests.get(f"{portal}/ogc/collections", params={"f": "json"}, timeout=60).json()
    cids = [c["id"] for c in collections_.get("collections", [])][:2]
    home = requests.get(portal + "/", timeout=60).text
    asset = re.search(r"/webassets/([^\"'?]+)", home)
    dip = (call("ppid_dip_list") or {})
    dip_ids = [d["id"] for d in (dip.get("results") or [])][:1]
    return Seed(
        datasets=datasets or [{"id": "walk-none"}],
        organizations=(call("organization_list") or ["walk-none"])[:1],
        groups=(call("group_list") or ["walk-none"])[:1],
        users=[login[0] for login in logins.values()][:2] or ["walk-none"],
        tags=(call("tag_list") or ["walk-none"])[:1],
        ppid_requests=[{"id": "walk-none", "token": "walk-none", "file_id": "walk-none"}],
        dip_entries=dip_ids or ["walk-none"],
        standards=[s["name"] for s in (call("tangerang_standard_list") or [])][:1] or ["walk-none"],
        collections=cids or ["walk-none"],
        tile=tile_of(106.64, -6.18, 12),
        actions=actions,
        webasset=asset.group(1) if asset else "walk-none.css",
        logins=logins,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", default=os.environ.get("PORTAL") or "http://127.0.0.1:5000")
    parser.add_argument("--ini", default=os.environ.get("CKAN_INI") or "config/ckan.ini",
                        help="the configuration whose URL rules are walked")
    args = parser.parse_args(argv)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    flask_app = make_app(load_config(args.ini))._wsgi_app
    routes = routes_of(flask_app.url_map)
    adapter = flask_app.url_map.bind("localhost")
    logins = {}
    for item in filter(None, (os.environ.get("WALK_USERS") or "").split(",")):
        role, _, cred = item.partition("=")
        user, _, password = cred.partition(":")
        logins[role.strip()] = (user.strip(), password)
    portal = args.portal.rstrip("/")
    with flask_app.app_context():
        actions = public_actions()
    seed = live_seed(portal, logins, actions)
    clients: dict[str, Client] = {"anonymous": HttpClient(portal)}
    for role, login in logins.items():
        clients[role] = HttpClient(portal, login)

    def match(path: str) -> str | None:
        return endpoint_of(adapter, path)

    findings, cover = walk(routes, seed, clients, match, as_rendered=False,
                           progress=lambda m: print(m, file=sys.stderr, flush=True))
    # a live portal has none of the seeded objects: "cannot fill" there is the suite's business
    findings = [f for f in findings if f.role != "-"]
    print(cover.table(clients))
    for f in findings:
        print("FAIL", f)
    print(f"{len(findings)} problems" if findings else "no problems")
    return 1 if findings else 0


def endpoint_of(adapter, path: str) -> str | None:
    from werkzeug.exceptions import HTTPException

    try:
        endpoint, _ = adapter.match(path, method="POST")
        return endpoint
    except HTTPException:
        try:
            endpoint, _ = adapter.match(re.sub(r"^/(en|id)(?=/)", "", path), method="POST")
            return endpoint
        except HTTPException:
            return None


def public_actions() -> list[str]:
    """Every action of the portal's own plugins (IActions) plus CKAN's read actions that a
    citizen or developer calls first."""
    import ckan.plugins as p

    names: set[str] = set()
    for plugin in p.PluginImplementations(p.IActions):
        if type(plugin).__module__.startswith("ckanext.tangerang"):
            names.update(plugin.get_actions())
    names.update({"status_show", "package_search", "package_show", "resource_show", "organization_list",
                  "organization_show", "group_list", "tag_list", "user_show", "package_list",
                  "resource_search", "help_show"})
    return sorted(names)


if __name__ == "__main__":
    sys.exit(main())
