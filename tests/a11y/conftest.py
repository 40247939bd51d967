"""Browser fixtures of the accessibility suite: a seeded portal under gunicorn and Debian's
chromium driven by Playwright (never `playwright install`: the system browser is used).

The portal runs with the same ini as the test session (``--ckan-ini``), so the data seeded
here through CKAN's factories is what the browser sees: CI passes config/test.ini, an
engineer's private run passes their own."""
from __future__ import annotations

import pathlib

import pytest

from a11y_browser import Portal, login, resolve_path
from live_portal import Portal as LivePortal

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _root_conftest(config):
    """The suite's tests/conftest.py (plugins_with_migrations): conftest files
    outside packages cannot be imported by name, so ask pytest for the loaded module."""
    return config.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py"))

def pytest_collection_modifyitems(items):
    """test_browser_roles.py reseeds the database (as the route walk does): it runs after every
    test of the session-wide seeded portal below, which it would otherwise empty."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/a11y/test_browser_roles.py"))


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Sandi-Uji-12345"


def _seed(ckan_config, plugins_with_migrations) -> dict:
    """A small catalogue: an office, two datasets with tags and a resource, a user."""
    from ckan.lib import search
    from ckan.tests import factories, helpers
    import satu_factories

    helpers.reset_db()
    import ckan.plugins
    from ckan.cli.db import _run_migrations

    # migrations need their plugins loaded; the data itself is plain CKAN, so it does not
    # depend on the other subsystems' dataset schema while they change it
    ckan.plugins.load_all()
    try:
        for plugin in plugins_with_migrations(ckan_config["ckan.plugins"]):
            _run_migrations(plugin)
    finally:
        ckan.plugins.unload_all()
    search.clear_all()
    user = factories.User(name="warga-uji", fullname="Warga Uji", password=PASSWORD,
                          email="warga@example.org")
    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 description="Dinas Kesehatan Kota Tangerang.",
                                 users=[{"name": user["name"], "capacity": "admin"}])
    factories.Group(name="kesehatan", title="Kesehatan")
    ds = satu_factories.Dataset(
        name="jumlah-puskesmas", title="Jumlah Puskesmas per Kecamatan", owner_org=org["id"],
        notes="Jumlah puskesmas di setiap kecamatan Kota Tangerang, 2025.",
        tags=[{"name": "kesehatan"}, {"name": "kecamatan"}], license_id="cc-by")
    res = factories.Resource(package_id=ds["id"], name="Tabel puskesmas 2025",
                             url="https://data.example.org/puskesmas.csv", format="CSV",
                             description="Tabel jumlah puskesmas.")
    satu_factories.Dataset(name="angka-kelahiran", title="Angka Kelahiran", owner_org=org["id"],
                      notes="Angka kelahiran per kecamatan.", tags=[{"name": "kependudukan"}])
    table = _seed_table(org["id"])
    return {"user": user["name"], "dataset": ds["name"], "resource_id": res["id"],
            "organization": org["name"], **table}


YEARLY = "tahun,kecamatan,jumlah_puskesmas\n" + "".join(
    f"{year},{name},{count}\n" for name, base in (("Cibodas", 3), ("Ciledug", 2), ("Karawaci", 4))
    for year, count in zip(range(2020, 2025), (base, base, base + 1, base + 1, base + 2)))


def _seed_table(org_id: str) -> dict:
    """A table in the DataStore with its default views (DataTables and the chart), loaded by
    the loader the worker runs; the plugins are needed for that, and unloaded after."""
    import io

    import ckan.plugins
    from ckan.tests import helpers
    from werkzeug.datastructures import FileStorage

    import satu_factories

    ckan.plugins.load_all()
    try:
        from ckanext.tangerang.satudata import model as store
        from ckanext.tangerang.satudata.tables import load

        ds = satu_factories.Dataset(name="puskesmas-per-tahun", title="Puskesmas per Tahun",
                                    owner_org=org_id)
        site = helpers.call_action("get_site_user")
        res = helpers.call_action("resource_create", {"user": site["name"]}, package_id=ds["id"],
                                  name="Puskesmas per tahun",
                                  format="CSV", url="puskesmas.csv",
                                  upload=FileStorage(io.BytesIO(YEARLY.encode()), "puskesmas.csv"))
        run = store.create_load(res["id"])
        load.load_resource(run["id"])
        assert store.get_load(run["id"])["status"] == "done"
        views = helpers.call_action("resource_view_list", {"user": site["name"]}, id=res["id"])
        chart = next(v for v in views if v["view_type"] == "tangerang_chart")
    finally:
        ckan.plugins.unload_all()
    return {"table_dataset": ds["name"], "table_resource_id": res["id"], "chart_view_id": chart["id"]}


@pytest.fixture(scope="session")
def a11y_portal(request, tmp_path_factory) -> Portal:
    """The seeded portal under gunicorn with the session's ini, on a free port."""
    from ckan.common import config as ckan_config

    data = _seed(ckan_config, _root_conftest(request.config).plugins_with_migrations)
    with LivePortal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("a11y-ini"),
                            name="test-a11y-live") as live:
        yield Portal(url=live.url, password=PASSWORD, **data)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm install`")
    return AXE.read_text(encoding="utf-8")



@pytest.fixture
def open_page(browser, a11y_portal):
    """open_page(page, mode, width=1280) -> a Playwright page showing it in that mode."""
    contexts = []

    def _open(page, mode, width: int = 1280, javascript: bool = True, height: int = 900):
        path = resolve_path(page, a11y_portal)
        ctx = browser.new_context(viewport={"width": width, "height": height},
                                  java_script_enabled=javascript)
        contexts.append(ctx)
        if mode.cookie:
            ctx.add_cookies([{"name": "tangerang_a11y", "value": mode.cookie,
                              "url": a11y_portal.url}])
        tab = ctx.new_page()
        if mode.media:
            tab.emulate_media(**mode.media)
        if page.login:
            login(tab, a11y_portal)
        response = tab.goto(a11y_portal.url + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        return tab

    yield _open
    for ctx in contexts:
        ctx.close()
