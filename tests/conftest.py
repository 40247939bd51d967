"""Shared fixtures. The suite runs against the real services that `make test` starts
(PostgreSQL + PostGIS, Solr, Redis); CKAN's pytest plugin loads config/test.ini."""
from __future__ import annotations

import os
import pathlib
import socket
import shutil
import sys

import pytest
import sqlalchemy as sa

# GDAL as the portal runs it: Satu Peta's guard must register pyogrio's drivers before any test
# module imports pyogrio itself (it keeps every driver but the five Satu Peta reads)
import ckanext.tangerang.satupeta.gdal  # noqa: F401,E402
from live_portal import Portal

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


# Fixtures that reach PostgreSQL, Solr, Redis or a served portal: a test whose fixtures include
# one of them (directly or through another fixture) is marked `services`; the others are pure
# logic and run with `pytest -m "not services"`, no service started.
SERVICE_FIXTURES = {"app", "peta_store", "reset_db", "clean_db", "clean_index", "migrate_db_for", "with_plugins",
                    "ckan_config", "make_app", "cli", "with_request_context", "test_request_context",
                    "live_server", "browser", "non_clean_db", "clean_redis"}


def _logic_only(config) -> bool:
    return "not services" in (config.option.markexpr or "")


def pytest_configure(config):
    # CKAN's pytest plugin builds the app at session start, which connects to PostgreSQL: a
    # pure-logic run must not need it
    if _logic_only(config):
        config.pluginmanager.unregister(name="ckan")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Start from the configuration as shipped. Settings a sysadmin saves at run time live in
    the database (system_info), and CKAN's plugin, which runs after this, takes its snapshot of
    the configuration for every test from them: a site title cleared by an earlier run would
    otherwise be the title of this whole run."""
    if _logic_only(session.config):
        return
    from ckan.cli import load_config

    url = load_config(session.config.getoption("ckan_ini"))["sqlalchemy.url"]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if sa.inspect(conn).has_table("system_info"):
                conn.execute(sa.text("DELETE FROM system_info"))
    except sa.exc.OperationalError:
        pass  # no database: _services_up says so at the first test that needs it
    finally:
        engine.dispose()


def pytest_collection_modifyitems(items):
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if (uses & SERVICE_FIXTURES or item.get_closest_marker("ckan_config")
                or item.get_closest_marker("with_plugins")):
            item.add_marker(pytest.mark.services)


_checked: list[bool] = []


@pytest.fixture(autouse=True)
def _services_up(request):
    """Fail early, and say why, when a service the test needs is not running; start each test
    with the abuse limits' counters at zero (they are on, as shipped: many tests post from one
    address, as one citizen never would)."""
    if request.node.get_closest_marker("services") is None:
        yield
        return
    if not _checked:
        needed = {"PostgreSQL": 5433, "Solr": 8983, "Redis": 6379}
        down = [f"{name} (127.0.0.1:{port})" for name, port in needed.items()
                if not _port_open("127.0.0.1", port)]
        if down:
            pytest.exit(f"services not running: {', '.join(down)}; run `make test`", returncode=3)
        _checked.append(True)
    _reset_limits(request.config)
    yield


def _reset_limits(config) -> None:
    from ckan.common import config as ckan_config
    import redis

    url = ckan_config.get("ckanext.tangerang.security.limits.storage_url") or ckan_config.get("ckan.redis.url")
    prefix = ckan_config.get("ckanext.tangerang.security.limits.key_prefix") or "tangerang-limits"
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


MIGRATIONS = ROOT / "ckanext-tangerang" / "ckanext" / "tangerang" / "migration"


def plugins_with_migrations(enabled: list[str]) -> list[str]:
    ours = {d.name for d in MIGRATIONS.iterdir() if any(d.glob("versions/*.py"))}
    return [p for p in enabled if p == "activity" or p in ours]


@pytest.fixture
def clean_db(reset_db, migrate_db_for, ckan_config, with_plugins):
    """CKAN's reset creates core tables only; plugins' tables come from their migrations
    (as ckanext-activity's own tests do), which need the plugins loaded."""
    reset_db()
    for plugin in plugins_with_migrations(ckan_config["ckan.plugins"]):
        migrate_db_for(plugin)


@pytest.fixture
def peta_store(ckan_config):
    """The feature store's schema at head, emptied of layers."""
    from ckanext.tangerang.satupeta import storemigration
    from ckanext.tangerang.satupeta import model as store

    url = ckan_config["ckanext.tangerang.satupeta.sqlalchemy.url"]
    storemigration.upgrade(url)
    engine = store.engine()
    with engine.begin() as conn:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'tangerang_satupeta_f_%'")).scalars().all()
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE "{table}"'))
        conn.execute(sa.text("TRUNCATE tangerang_satupeta_layer, tangerang_satupeta_import, "
                             "tangerang_satupeta_csw_record"))
    return engine


@pytest.fixture(scope="session")
def csw_backend():
    """pycsw (satupeta/csw_server.py) in its own virtualenv (.venv-pycsw), as `make run` starts
    it, reading the test feature store; its URL."""
    import subprocess

    import ckan.plugins.toolkit as tk
    from live_portal import LOG_DIR, free_port, http_ok, stop, wait_until

    gunicorn = ROOT / ".venv-pycsw" / "bin" / "gunicorn"
    assert gunicorn.exists(), ".venv-pycsw is missing: make venv"
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"test-pycsw-{port}.log"
    env = {**os.environ,
           "SATUPETA_CSW_DATABASE": tk.config["ckanext.tangerang.satupeta.sqlalchemy.url"]}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(gunicorn), "--pythonpath", str(ROOT / "ckanext-tangerang/ckanext/tangerang/satupeta"),
             "csw_server:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_until(lambda: http_ok(url + "?service=CSW&request=GetCapabilities"), 60,
                       "pycsw", proc, log_path)
            yield url
        finally:
            stop(proc)


@pytest.fixture
def csw_service(ckan_config, csw_backend):
    """The portal's /csw forwards to the test's pycsw (ckan_config restores the option)."""
    ckan_config["ckanext.tangerang.satupeta.csw.backend_url"] = csw_backend
    return csw_backend


@pytest.fixture(scope="session")
def live_server(request, tmp_path_factory):
    """The portal under gunicorn (as in production) on a free port, with the suite's ini."""
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path_factory.mktemp("live"),
                        workers=1, name="test-live-server") as portal:
        yield portal.url


CHROMIUM = os.environ.get("TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


# CKAN 2.12's DataTables view passes undefined to setTimeout after loading a language file (its
# call already ran; the string the browser would evaluate is blocked): one known violation,
# fixed by docs/upstream/ckan-datatablesview-settimeout.patch, tolerated in its bundle only
_KNOWN_UPSTREAM = "/webassets/ckanext-datatablesview/"


class CspWatchedBrowser:
    """The browser, whose every context and page reports Content-Security-Policy violations
    (chromium logs each one to the console) so that a browser test fails on any."""

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[str] = []

    def _console(self, message) -> None:
        text = message.text
        url = message.location.get("url", "?")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            if _KNOWN_UPSTREAM in url and "'unsafe-eval'" in text:
                return  # CKAN 2.12's setTimeout(initFilterObserver(), 100): docs/upstream
            self.violations.append(f"{url}: {text}")

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)
        context.on("console", self._console)
        return context

    def new_page(self, *args, **kwargs):
        page = self._browser.new_page(*args, **kwargs)
        page.on("console", self._console)
        return page

    def take_violations(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never `playwright install`: the system browser)."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no chromium at {CHROMIUM}: apt-get install chromium")
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield CspWatchedBrowser(b)
        b.close()


def _csp_failure(watched) -> str | None:
    found = watched.take_violations() if isinstance(watched, CspWatchedBrowser) else []
    return ("Content-Security-Policy violations:\n" + "\n".join(found)) if found else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test fails on any CSP violation of the pages it opened."""
    try:
        result = yield
    except BaseException:
        # the test failed already: its violations go to its captured output, not a second report
        failure = _csp_failure(getattr(item, "funcargs", {}).get("browser"))
        if failure:
            sys.stderr.write(failure + "\n")
        raise
    failure = _csp_failure(getattr(item, "funcargs", {}).get("browser"))
    if failure:
        pytest.fail(failure)
    return result


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """Violations reported while the test's pages close (after the test's body) fail it too."""
    if "browser" not in request.fixturenames:
        yield
        return
    watched = request.getfixturevalue("browser")
    if isinstance(watched, CspWatchedBrowser):
        watched.take_violations()
    yield
    failure = _csp_failure(watched)
    if failure:
        pytest.fail(failure)
