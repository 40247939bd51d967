"""Keyboard-only journeys through the officer forms in chromium: an OPD editor creates a dataset
with CKAN's dataset form (the Satu Data schema) and adds a resource by link, the same form sent
with a required field missing, and a PPID Pelaksana recording a decision on a request. Every
step is a key press or typing; at every Tab stop the focused element is in view, uncovered and
outlined (test_browser_keyboard.FOCUS_STATE)."""
from __future__ import annotations

import datetime as dt
import pathlib
import sys
import types

import pytest

from a11y_browser import FOCUS_STATE, login

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "ppid"))
from ppid_testlib import appoint, request_data  # noqa: E402

pytestmark = [pytest.mark.browser]

EDITOR, PELAKSANA = "editor-opd-uji", "pelaksana-uji"


@pytest.fixture(scope="module")
def officers(a11y_portal):
    """An editor of the seeded OPD, and a PPID Pelaksana of Dinkes with a request registered
    for it (received by letter a week ago: its steps may be taken today)."""
    import ckan.plugins
    import ckan.plugins.toolkit as tk
    from ckan.tests import factories

    ckan.plugins.load_all()
    try:
        site = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
                "ignore_auth": True}
        factories.User(name=EDITOR, fullname="Editor OPD Uji", password=a11y_portal.password,
                       email="editor-opd@example.org")
        tk.get_action("organization_member_create")(
            site, {"id": a11y_portal.organization, "username": EDITOR, "role": "editor"})
        factories.User(name=PELAKSANA, fullname="Pelaksana Uji", password=a11y_portal.password,
                       email="pelaksana@example.org")
        factories.Organization(name="dinkes", title="Dinas Kesehatan (PPID)")
        appoint(PELAKSANA, "pelaksana", "dinkes")
        week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()
        created = tk.get_action("ppid_request_create")(
            {"user": PELAKSANA, "ignore_auth": False},
            request_data(information="Data jumlah bidan per kecamatan", channel="letter",
                         received_date=week_ago, identity_upload=None, opd="dinkes"))
        shown = tk.get_action("ppid_request_show")(
            {"user": PELAKSANA, "ignore_auth": False}, {"id": created["number"]})
    finally:
        ckan.plugins.unload_all()
    yield types.SimpleNamespace(editor=EDITOR, pelaksana=PELAKSANA, request_id=shown["id"])
    # the datasets made here leave the catalogue the later tests of the seeded portal walk
    ckan.plugins.load_all()
    try:
        for name in (SLUG, SLUG_INCOMPLETE):
            try:
                tk.get_action("dataset_purge")(site, {"id": name})
            except tk.ObjectNotFound:
                pass
    finally:
        ckan.plugins.unload_all()


def _signed_in(browser, portal, user):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    login(tab, types.SimpleNamespace(url=portal.url, user=user, password=portal.password))
    return ctx, tab


class Keyboard:
    """Tab and Shift+Tab, each stop judged as test_browser_keyboard judges it: outlined, in view,
    not covered, a target of 24px at least."""

    def __init__(self, tab):
        self.tab = tab
        self.problems: list[str] = []

    def press(self, key: str) -> dict | None:
        self.tab.keyboard.press(key)
        return self.judge()

    def judge(self) -> dict | None:
        state = self.tab.evaluate(FOCUS_STATE)
        if state is None:
            return None
        label = f"{state['tag']}#{state['id']} {state['text']!r} ({self.tab.url})"
        if not (state["outline"] or state["shadow"]):
            self.problems.append(f"no visible focus on {label}")
        if not state["inView"] or state["covered"]:
            self.problems.append(f"focus hidden on {label}")
        if state["width"] < 24 and state["height"] < 24 and not state["inline"]:
            self.problems.append(f"target smaller than 24px: {label}")
        return state

    def to(self, selector: str, back: bool = False, limit: int = 90) -> None:
        """Tab (or Shift+Tab) until the focus is on what matches selector."""
        for _ in range(limit):
            self.press("Shift+Tab" if back else "Tab")
            if self.on(selector):
                return
        pytest.fail(f"Tab never reached {selector} in {limit} steps")

    def on(self, selector: str) -> bool:
        return self.tab.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                                 selector)

    def follow(self) -> None:
        """Enter on a link or a submit button, and the page it leads to loaded."""
        with self.tab.expect_navigation():
            self.tab.keyboard.press("Enter")
        self.tab.wait_for_load_state()

    def choose(self, label: str) -> None:
        """In the focused, closed <select>: the arrow keys down to the option labelled label."""
        selected = "document.activeElement.selectedOptions[0].textContent.trim()"
        for _ in range(40):
            if self.tab.evaluate(selected) == label:
                return
            self.tab.keyboard.press("ArrowDown")
        pytest.fail(f"no option {label!r} below {self.tab.evaluate(selected)!r}")

    def type(self, text: str) -> None:
        self.tab.keyboard.type(text)


TITLE = "Jumlah Bidan per Kecamatan (uji papan ketik)"
SLUG = "jumlah-bidan-per-kecamatan-uji-papan-ketik"
TITLE_INCOMPLETE = "Jumlah Bidan per Kelurahan (uji papan ketik)"
SLUG_INCOMPLETE = "jumlah-bidan-per-kelurahan-uji-papan-ketik"


def _refusal(tab) -> str:
    """Why the form came back: its error summary, else where the browser is."""
    found = tab.locator(".error-explanation, #error-summary")
    return found.first.inner_text() if found.count() else tab.url


def _fill_dataset_form(keys: Keyboard, title: str, wilayah: bool = True) -> None:
    """The Satu Data fields by keyboard; the regional coverage left out when not wilayah."""
    tab = keys.tab
    keys.to("#field-title")
    keys.type(title)
    keys.to("#field-notes")
    keys.type("Jumlah bidan praktik di setiap kecamatan.")
    keys.to("#field-urusan")
    keys.choose("Kesehatan")
    keys.to("#field-frekuensi")
    keys.choose("Tahunan")
    keys.to("#field-tahun")
    keys.type("2025")
    keys.to("#field-satuan")
    keys.type("orang")
    if wilayah:
        # Cakupan wilayah: a kecamatan ticked, and one of its kelurahan under the folded list
        keys.to("[id='field-cakupan_wilayah-36.71.09']")
        keys.press(" ")
        keys.press("Tab")
        assert keys.on("summary"), "the kecamatan's kelurahan list is not the next stop"
        keys.press("Enter")
        keys.to("[id='field-cakupan_wilayah-36.71.09.1002']", limit=2)
        keys.press(" ")
    # the licence picker (select2): opened by Enter, filtered by typing, chosen by Enter
    keys.to(".select2-selection--single[aria-labelledby*='license']")
    keys.press("Enter")
    assert tab.is_visible(".select2-container--open .select2-results"), "the licence list did not open"
    keys.type("Creative Commons Attribution Share")
    tab.wait_for_selector(".select2-results__option--highlighted:has-text('Share-Alike')")
    keys.press("Enter")
    assert keys.on(".select2-selection--single"), "focus did not come back to the licence picker"
    keys.to("#field-maintainer_email")
    keys.type("bidan@tangerangkota.go.id")
    # keywords (select2 tags): typed, each ended by Enter
    keys.to(".select2-search__field")
    keys.type("bidan")
    tab.wait_for_selector(".select2-results__option--highlighted")
    keys.press("Enter")


def test_editor_creates_a_dataset_and_a_linked_resource_by_keyboard(browser, a11y_portal, officers):
    """The dataset form filled by keyboard (native selects by the arrow keys, the regional
    coverage's boxes and folded kelurahan, select2's licence and keyword pickers), then a
    resource by link; the dataset saved with what was chosen."""
    ctx, tab = _signed_in(browser, a11y_portal, officers.editor)
    try:
        tab.goto(a11y_portal.url + "/dataset/new")
        keys = Keyboard(tab)
        _fill_dataset_form(keys, TITLE)
        keys.to("button[name=save]")
        keys.follow()
        assert "/resource/new" in tab.url, _refusal(tab)
        # the resource form: "Link" chosen by keyboard puts focus in the URL field
        keys.to("#resource-link-button")
        keys.press("Enter")
        assert keys.on("#field-resource-url"), "Link did not move focus to the URL field"
        keys.type("https://data.example.org/bidan.csv")
        keys.to("#field-name")
        keys.type("Tabel bidan 2025")
        keys.to("button[name=save][value=go-metadata]")
        keys.follow()
        assert not keys.problems, "\n".join(keys.problems)
        # read as the editor (signed in): an OPD's new dataset is a private draft until the
        # Walidata approves it (satudata/logic/action.py)
        answer = tab.request.get(a11y_portal.url + "/api/3/action/package_show",
                                 params={"id": SLUG}).json()
        assert answer["success"], (tab.url, answer)
        shown = answer["result"]
        assert shown["state"] == "active" and shown["title"] == TITLE
        assert (shown["urusan"], shown["frekuensi"], shown["tahun"]) == ("kesehatan", "tahunan", "2025")
        assert sorted(shown["cakupan_wilayah"]) == ["36.71.09", "36.71.09.1002"]
        assert shown["license_id"] == "cc-by-sa"
        assert [t["name"] for t in shown["tags"]] == ["bidan"]
        assert [(r["name"], r["url"]) for r in shown["resources"]] == [
            ("Tabel bidan 2025", "https://data.example.org/bidan.csv")]
    finally:
        ctx.close()


def test_dataset_form_errors_take_focus_and_lead_to_the_field_by_keyboard(browser, a11y_portal, officers):
    """The dataset form sent without its regional coverage: focus on the error summary, its
    link (Tab, Enter) on the group's first box, which ticked by Space lets the form through."""
    ctx, tab = _signed_in(browser, a11y_portal, officers.editor)
    try:
        tab.goto(a11y_portal.url + "/dataset/new")
        keys = Keyboard(tab)
        _fill_dataset_form(keys, TITLE_INCOMPLETE, wilayah=False)
        keys.to("button[name=save]")
        keys.follow()
        assert keys.on(".error-explanation"), "focus is not on the error summary"
        keys.judge()
        links = tab.evaluate("[...document.querySelectorAll('.error-explanation a')].map(a => a.textContent.trim())")
        assert links == ["Cakupan wilayah"], links
        keys.press("Tab")
        assert keys.on(".error-explanation a")
        keys.press("Enter")
        assert keys.on("[id='field-cakupan_wilayah-36.71']"), "the link did not focus the group's first box"
        legend_top = tab.evaluate("document.querySelector('#field-cakupan_wilayah legend').getBoundingClientRect().top")
        assert 0 <= legend_top < 900, f"the group's legend is out of view ({legend_top})"
        described = tab.evaluate("document.querySelector('#field-cakupan_wilayah').getAttribute('aria-describedby')")
        assert "field-cakupan_wilayah-error" in described.split()
        keys.press(" ")
        keys.to("button[name=save]")
        keys.follow()
        assert "/resource/new" in tab.url, _refusal(tab)
        assert not keys.problems, "\n".join(keys.problems)
    finally:
        ctx.close()


def test_ppid_officer_records_a_decision_by_keyboard(browser, a11y_portal, officers):
    """A PPID Pelaksana opens a request from the list and records the decision through its
    form: first sent incomplete (focus on the error summary, its link on the first radio of
    the outcome), then completed by the arrow keys and typing."""
    ctx, tab = _signed_in(browser, a11y_portal, officers.pelaksana)
    try:
        tab.goto(a11y_portal.url + "/ppid/petugas")
        keys = Keyboard(tab)
        keys.to(f"a[href$='/ppid/petugas/{officers.request_id}']")
        keys.follow()
        decide = "details:has(form[action$='/decide'])"
        # a browser without the form's own checks: the portal's error page is what it meets
        tab.evaluate("document.querySelectorAll('main form').forEach(f => f.noValidate = true)")
        keys.to(f"{decide} > summary")
        keys.press("Enter")
        keys.to(f"{decide} button[type=submit]")
        keys.follow()
        assert keys.on("#error-summary"), "focus is not on the error summary"
        keys.judge()
        hrefs = tab.evaluate("[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))")
        assert "#field-decide-outcome" in hrefs, hrefs
        keys.to("#error-summary a[href='#field-decide-outcome']", limit=len(hrefs))
        keys.press("Enter")
        assert keys.on("[id='field-decide-outcome-granted']"), "the link did not focus the first radio"
        # the arrow keys move along the group; the choice is made as focus moves
        keys.press("ArrowDown")
        assert keys.on("[id='field-decide-outcome-partly']") and tab.is_checked("[id='field-decide-outcome-partly']")
        keys.press("ArrowUp")
        assert tab.is_checked("[id='field-decide-outcome-granted']")
        keys.to("[id='field-decide-reasons']")
        keys.type("Informasi terbuka untuk umum (UU KIP Ps 11).")
        keys.to("[id='field-decide-given']")
        keys.type("Tabel jumlah bidan per kecamatan 2025")
        keys.to("form[action$='/decide'] button[type=submit]")
        keys.follow()
        assert "done=decide" in tab.url, _refusal(tab)
        assert not keys.problems, "\n".join(keys.problems)
        stage = tab.evaluate("""() => Object.fromEntries([...document.querySelectorAll('main dl dt')]
                                .map(dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))""")
        assert stage.get("Keputusan") == "Diterima seluruhnya", stage
    finally:
        ctx.close()
