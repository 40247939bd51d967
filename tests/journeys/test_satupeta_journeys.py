"""Satu Peta as people use it (issue #12): journeys against the portal as shipped.

The portal runs as on `make run`: gunicorn with the run's ini (config/test.ini: ckan.ini's plugins
and options, its own database, Solr core and Redis database) and a real `ckan jobs worker`
process, so an upload becomes a layer with no manual step (``satupeta.auto_import`` is left as
shipped). Nothing is called in-process: the people below use the portal over HTTP only, with the
tools they would use.

1. An OPD officer adds layers (GeoJSON, zipped Shapefile, GeoPackage, KML, CSV of points) through
   the resource form in chromium and through the API (multipart ``resource_create``), then sees
   them on the Satu Peta map with the right feature count.
2. An API developer with ckanapi: package_search with a query and ``ext_bbox``, package_show,
   downloading the uploaded file, a token-authenticated resource_create.
3. A GIS user: GDAL's ``ogrinfo``/``ogr2ogr`` (Debian's, as subprocesses) on ``OAPIF:<portal>/ogc``
   and OWSLib's OGC API - Features client.

The seconds from upload to layer on the map, per format and channel, are written to
var/log/journeys-satupeta-timings.json (and printed at the end of the module).
"""
from __future__ import annotations

import datetime
import json
import os
import pathlib
import random
import re
import shutil
import string
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import requests

from live_portal import LOG_DIR, VENV_BIN, Portal, ServiceError, stop, wait_until

pytestmark = [pytest.mark.services, pytest.mark.browser]

IMPORT_TIMEOUT = 60  # seconds an upload may take to become a layer
PASSWORD = "Jurnal-Peta-2024!"
# a box around Kota Tangerang (west, south, east, north) and one far from it (Yogyakarta)
TANGERANG_BOX = "106.55,-6.30,106.75,-6.10"
ELSEWHERE_BOX = "110.30,-7.90,110.50,-7.70"
OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
OGRINFO = shutil.which("ogrinfo") or "/usr/bin/ogrinfo"

TIMINGS: dict[str, dict[str, float]] = {}


# ------------------------------------------------------------------------------- sample layers

@dataclass
class Sample:
    key: str              # the format, as the test names it
    file_name: str
    count: int            # features in the file
    family: str           # point / line / polygon, as Satu Peta reports it
    fmt: str              # the resource format the portal must end up showing
    path: pathlib.Path = field(default=None)

    @property
    def mimetype(self) -> str:
        return {"geojson": "application/geo+json", "shp": "application/zip",
                "gpkg": "application/geopackage+sqlite3", "kml": "application/vnd.google-earth.kml+xml",
                "csv": "text/csv"}[self.key]


def _square(lon, lat, d=0.006):
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def _features(kind: str, count: int, name: str) -> list[dict]:
    feats = []
    for i in range(count):
        lon, lat = 106.60 + 0.012 * i, -6.20 + 0.008 * i
        if kind == "point":
            geom = {"type": "Point", "coordinates": [lon, lat]}
        elif kind == "line":
            geom = {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.01, lat + 0.004],
                                                          [lon + 0.02, lat + 0.002]]}
        else:
            geom = {"type": "Polygon", "coordinates": _square(lon, lat)}
        feats.append({"type": "Feature", "geometry": geom,
                      "properties": {"nama": f"{name} {i + 1}", "nomor": i + 1}})
    return feats


def _geojson(path: pathlib.Path, kind: str, count: int, name: str) -> pathlib.Path:
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": _features(kind, count, name)}))
    return path


def _ogr2ogr(*args: str) -> None:
    done = subprocess.run([OGR2OGR, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def make_samples(folder: pathlib.Path) -> dict[str, Sample]:
    """The five formats, each a small layer inside Kota Tangerang, written by Debian's GDAL."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "src"
    src.mkdir(exist_ok=True)
    samples = {
        "geojson": Sample("geojson", "batas_rw.geojson", 3, "polygon", "GeoJSON"),
        "shp": Sample("shp", "jalan_lingkungan.zip", 4, "line", "SHP"),
        "gpkg": Sample("gpkg", "sekolah_dasar.gpkg", 5, "point", "GPKG"),
        "kml": Sample("kml", "taman_kota.kml", 2, "polygon", "KML"),
        "csv": Sample("csv", "halte_bus.csv", 6, "point", "CSV"),
    }
    # GeoJSON: as a city GIS tool writes it
    s = samples["geojson"]
    s.path = _geojson(folder / s.file_name, "polygon", s.count, "RW")
    # zipped Shapefile (.shp, .shx, .dbf, .prj, .cpg)
    s = samples["shp"]
    shp_dir = src / "shp"
    shp_dir.mkdir(exist_ok=True)
    _ogr2ogr("-f", "ESRI Shapefile", str(shp_dir / "jalan_lingkungan.shp"),
             str(_geojson(src / "jalan.geojson", "line", s.count, "Jalan")), "-nln", "jalan_lingkungan")
    s.path = folder / s.file_name
    with zipfile.ZipFile(s.path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(shp_dir.iterdir()):
            zf.write(part, part.name)
    # GeoPackage
    s = samples["gpkg"]
    s.path = folder / s.file_name
    _ogr2ogr("-f", "GPKG", str(s.path), str(_geojson(src / "sekolah.geojson", "point", s.count, "SD")),
             "-nln", "sekolah_dasar")
    # KML
    s = samples["kml"]
    s.path = folder / s.file_name
    _ogr2ogr("-f", "KML", str(s.path), str(_geojson(src / "taman.geojson", "polygon", s.count, "Taman")))
    # CSV of points, longitude/latitude columns, as a spreadsheet exports it
    s = samples["csv"]
    s.path = folder / s.file_name
    rows = ["nama,jenis,longitude,latitude"]
    for i in range(s.count):
        rows.append(f"Halte {i + 1},halte,{106.61 + 0.01 * i:.5f},{-6.19 + 0.005 * i:.5f}")
    s.path.write_text("\n".join(rows) + "\n")
    return samples


# ------------------------------------------------------------------------------- the portal

def _ckan(ini: pathlib.Path, *args: str, timeout: float = 180) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    done = subprocess.run([str(VENV_BIN / "ckan"), "-c", str(ini), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)
    assert done.returncode == 0, f"ckan {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _worker_registered(pid: int) -> bool:
    import redis
    from rq import Worker

    from ckan.common import config
    conn = redis.Redis.from_url(config["ckan.redis.url"])
    return any(w.pid == pid for w in Worker.all(connection=conn))


@pytest.fixture(scope="module")
def sp_portal(request, tmp_path_factory):
    """gunicorn + `ckan jobs worker` on one ini (the run's, with this server's site URL)."""
    folder = tmp_path_factory.mktemp("satupeta-journeys")
    portal = Portal.serving(request.config.getoption("ckan_ini"), folder, workers=2,
                            name="journey-satupeta", timeout=120)
    # the schema of both databases at head, as `make test` leaves them
    _ckan(portal.ini, "db", "upgrade")
    _ckan(portal.ini, "tangerang", "satupeta", "store-upgrade")
    portal.start()
    log_path = LOG_DIR / f"journey-satupeta-worker-{portal.port}.log"
    log = open(log_path, "w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    worker = subprocess.Popen([str(VENV_BIN / "ckan"), "-c", str(portal.ini), "jobs", "worker"],
                              stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until(lambda: _worker_registered(worker.pid), 120, "jobs worker", worker, log_path)
    except ServiceError:
        stop(worker)
        portal.close()
        log.close()
        raise
    yield SimpleNamespace(url=portal.url, ini=portal.ini, log=portal.log_path, worker_log=log_path)
    stop(worker)
    log.close()
    portal.close()
    _report_timings(request.config)


def _report_timings(config) -> None:
    if not TIMINGS:
        return
    path = LOG_DIR / "journeys-satupeta-timings.json"
    path.write_text(json.dumps(TIMINGS, indent=2, sort_keys=True))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(f"Satu Peta journeys, seconds (see {path}):")
        for channel, times in sorted(TIMINGS.items()):
            reporter.write_line(f"  {channel}: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))


class Api:
    """CKAN's action API over HTTP, as any client sends it."""

    def __init__(self, url: str, token: str | None = None):
        self.url, self.token = url, token

    def _headers(self) -> dict:
        return {"Authorization": self.token} if self.token else {}

    def call(self, action: str, data: dict | None = None, files: dict | None = None,
             expect_ok: bool = True) -> dict:
        url = f"{self.url}/api/3/action/{action}"
        if files is not None:
            resp = requests.post(url, data=data or {}, files=files, headers=self._headers(), timeout=120)
        elif data is None:
            resp = requests.get(url, headers=self._headers(), timeout=60)
        else:
            resp = requests.post(url, json=data, headers=self._headers(), timeout=120)
        assert resp.status_code < 500, f"{action}: HTTP {resp.status_code}: {resp.text[:2000]}"
        body = resp.json()
        if expect_ok:
            assert body.get("success"), f"{action}: HTTP {resp.status_code}: {body}"
            return body["result"]
        return body


def _suffix() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.fixture(scope="module")
def sp_people(sp_portal):
    """A sysadmin (the Walidata), made with the CLI as the city's administrator does, and an OPD
    officer, editor of their office's organization, made by the sysadmin through the API."""
    tag = _suffix()
    admin = f"walidata-{tag}"
    _ckan(sp_portal.ini, "user", "add", admin, f"email={admin}@tangerangkota.go.id",
          f"password={PASSWORD}")
    _ckan(sp_portal.ini, "sysadmin", "add", admin)
    out = _ckan(sp_portal.ini, "user", "token", "add", admin, "jurnal")
    admin_token = [line.strip() for line in out.splitlines() if line.strip()][-1]
    admin_api = Api(sp_portal.url, admin_token)
    officer = f"petugas-{tag}"
    admin_api.call("user_create", {"name": officer, "email": f"{officer}@tangerangkota.go.id",
                                   "password": PASSWORD, "fullname": "Petugas GIS Dinas Uji"})
    org = admin_api.call("organization_create", {
        "name": f"dinas-uji-{tag}", "title": f"Dinas Uji Peta {tag}",
        "users": [{"name": officer, "capacity": "editor"}]})
    officer_token = admin_api.call("api_token_create", {"user": officer, "name": "jurnal"})["token"]
    return SimpleNamespace(tag=tag, admin=admin, admin_api=admin_api, officer=officer,
                           officer_api=Api(sp_portal.url, officer_token), officer_token=officer_token,
                           org=org)


def public_dataset(people, title: str) -> dict:
    """The officer's dataset (Satu Data standard fields), sent to and approved by the Walidata."""
    name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:90]
    pkg = people.officer_api.call("package_create", {
        "name": name, "title": title, "owner_org": people.org["id"],
        "notes": "Lapisan peta uji perjalanan pengguna Satu Peta Kota Tangerang.",
        "urusan": "kesehatan", "frekuensi": "tahunan", "tahun": "2024", "satuan": "unit",
        "cakupan_wilayah": ["36.71"], "maintainer_email": "data@tangerangkota.go.id",
        "tingkat_akses": "terbuka"})
    assert pkg["private"], "an OPD's new dataset waits for the Walidata's review"
    people.officer_api.call("tangerang_review_submit", {"id": pkg["id"]})
    people.admin_api.call("tangerang_review_approve", {"id": pkg["id"]})
    pkg = Api(people.officer_api.url).call(f"package_show?id={pkg['id']}")
    assert not pkg["private"]
    return pkg


def wait_for_layer(url: str, resource_id: str, token: str | None = None,
                   timeout: float = IMPORT_TIMEOUT, package: str | None = None) -> tuple[dict, float]:
    """Polls until the import ends: the layer status page the resource page's script polls
    (given the dataset), else the action tangerang_satupeta_layer_show. Returns the state and
    the seconds waited."""
    start = time.monotonic()
    headers = {"Authorization": token} if token else {}
    state: dict = {}
    while time.monotonic() - start < timeout:
        if package:
            resp = requests.get(f"{url}/dataset/{package}/resource/{resource_id}/layer/status",
                                headers=headers, timeout=30)
            assert resp.status_code == 200, resp.text[:2000]
            state = resp.json()
        else:
            resp = requests.get(f"{url}/api/3/action/tangerang_satupeta_layer_show",
                                params={"id": resource_id}, headers=headers, timeout=30)
            assert resp.status_code == 200, resp.text[:2000]
            state = resp.json()["result"]
        run = state.get("import") or {}
        if run.get("status") in ("done", "failed"):
            break
        time.sleep(0.5)
    return state, time.monotonic() - start


def done_after(state: dict, started_wall: float) -> float:
    """Seconds from the upload (the client's clock when it sent the file) to the import's end
    (the server's `finished` stamp: same machine, same clock): from then the layer is on /peta."""
    finished = (state.get("import") or {}).get("finished")
    if not finished:
        return float("nan")
    return datetime.datetime.fromisoformat(finished).timestamp() - started_wall


def check_layer(state: dict, sample: Sample, waited: float, where: str) -> dict:
    run = state.get("import") or {}
    if run.get("status") != "done":
        pytest.fail(f"{where}: {sample.key} not a layer after {waited:.0f}s: {run}")
    layer = state["layer"]
    assert layer["feature_count"] == sample.count, (where, sample.key, layer)
    assert layer["geometry_family"] == sample.family, (where, sample.key, layer)
    # nothing of the server's disk in what the officer (or anyone) reads
    text = json.dumps(state)
    assert "/work/" not in text and "/var/" not in text, text
    return layer


# ------------------------------------------------------------------------------- the map

def assert_on_map(browser, url: str, expected: dict[str, Sample]) -> dict[str, int]:
    """A visitor opens /peta: each layer is in the layer list with its count, its tiles answer
    200 with data, it draws on the map alone, and its table counts its features. Returns the
    features drawn per layer."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    responses = []
    ctx.on("response", lambda r: responses.append(r) if "/ogc/collections/" in r.url else None)
    drawn: dict[str, int] = {}
    try:
        page = ctx.new_page()
        page.goto(f"{url}/en/peta")
        page.wait_for_selector(".maplibregl-canvas", state="attached", timeout=30_000)
        page.wait_for_function(
            "() => Number(document.getElementById('satupeta-map').dataset.featuresDrawn || 0) > 0",
            timeout=60_000)
        for rid, sample in expected.items():
            item = page.locator(f"li.satupeta-layer[data-layer-id='{rid}']")
            assert item.count() == 1, f"{sample.key}: layer {rid} not in the map's layer list"
            assert item.get_attribute("data-family") == sample.family
            legend = item.locator(".satupeta-legend").inner_text()
            assert f"{sample.count} features" in legend, (sample.key, legend)
        # tiles of every layer answered with data
        for rid, sample in expected.items():
            tiles = [r for r in responses if f"/ogc/collections/{rid}/tiles/" in r.url]
            assert tiles, f"{sample.key}: no tile requested for {rid}"
            assert all(r.status in (200, 304) for r in tiles), [(r.url, r.status) for r in tiles]
            assert any(r.status == 200 and len(r.body()) > 0 for r in tiles), \
                f"{sample.key}: every tile of {rid} was empty"
        # each layer drawn alone (the others turned off in the list), and its table
        all_ids = page.eval_on_selector_all("li.satupeta-layer", "els => els.map(e => e.dataset.layerId)")
        for rid, sample in expected.items():
            # all off, then this one on: the next idle map counts this layer's features only
            for other in all_ids:
                page.locator(f"[id='toggle-{other}']").set_checked(False)
            page.evaluate("document.getElementById('satupeta-map').dataset.featuresDrawn = ''")
            page.locator(f"[id='toggle-{rid}']").set_checked(True)
            try:
                page.wait_for_function(
                    "() => Number(document.getElementById('satupeta-map').dataset.featuresDrawn || 0) >= 1",
                    timeout=30_000)
            except Exception:
                pytest.fail(f"{sample.key}: layer {rid} draws nothing on the map (features drawn: "
                            f"{page.get_attribute('#satupeta-map', 'data-features-drawn')!r})")
            drawn[sample.key] = int(page.get_attribute("#satupeta-map", "data-features-drawn"))
            page.locator(f".satupeta-show-table[data-layer-id='{rid}']").click()
            page.wait_for_function(
                "(n) => document.querySelector('#satupeta-table caption').textContent.endsWith(' of ' + n)",
                arg=str(sample.count), timeout=30_000)
            rows = page.locator("#satupeta-table tbody tr").count()
            assert rows == min(sample.count, 10), (sample.key, rows)
        outside = [r.url for r in responses if not r.url.startswith(url)]
        assert outside == []
    finally:
        ctx.close()
    return drawn


# ------------------------------------------------------------------------------- journey 1

@pytest.fixture(scope="module")
def sp_samples(tmp_path_factory):
    return make_samples(tmp_path_factory.mktemp("satupeta-samples"))


@pytest.fixture(scope="module")
def sp_shared():
    """What a journey leaves for the next ones (layers made through the API)."""
    return {}


def _login(page, url: str, user: str) -> None:
    page.goto(f"{url}/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/user/login" not in page.url and page.locator(".tg-topbar form button").count() == 1, \
        f"login failed: {page.url}"


def _open_new_resource_form(page, url: str, pkg_name: str) -> None:
    """From the dataset page to the new resource form, by the links an officer follows."""
    page.goto(f"{url}/dataset/{pkg_name}")
    new_link = page.locator(f"a[href$='/dataset/{pkg_name}/resource/new']")
    if new_link.count() == 0:
        # the dataset has resources: Manage, then Resources, then "Add new resource"
        page.locator(f"a[href$='/dataset/edit/{pkg_name}']").first.click()
        page.wait_for_load_state()
        page.locator(f"a[href$='/dataset/resources/{pkg_name}']").first.click()
        page.wait_for_load_state()
        new_link = page.locator(f"a[href$='/dataset/{pkg_name}/resource/new']")
    assert new_link.count() >= 1, f"no link to the new resource form on {page.url}"
    new_link.first.click()
    page.wait_for_url(f"**/dataset/{pkg_name}/resource/new")
    # the Upload button opens the file chooser through a script (csp-handlers.js): a click
    # before the page's scripts ran opens nothing
    page.wait_for_load_state("load")
    page.wait_for_selector("#resource-upload-button")


def test_officer_adds_layers_through_the_resource_form(sp_portal, sp_people, sp_samples, browser):
    url = sp_portal.url
    pkg = public_dataset(sp_people, f"Peta Fasilitas Formulir {sp_people.tag}")
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    started: dict[str, float] = {}
    started_wall: dict[str, float] = {}
    resources: dict[str, str] = {}
    try:
        page = ctx.new_page()
        _login(page, url, sp_people.officer)
        for key, sample in sp_samples.items():
            title = f"{sample.file_name} (formulir)"
            _open_new_resource_form(page, url, pkg["name"])
            with page.expect_file_chooser() as chooser:
                page.click("#resource-upload-button")
            chooser.value.set_files(str(sample.path))
            page.fill("#field-name", title)
            save = page.locator("button[name=save][value=go-dataset-complete]")
            if save.count() == 0:
                save = page.locator("button[name=save][value=go-metadata]")
            started[key] = time.monotonic()
            started_wall[key] = time.time()
            save.click()
            page.wait_for_load_state()
            errors = page.locator(".error-explanation, .alert-danger")
            assert errors.count() == 0, f"{key}: {errors.first.inner_text()}"
            assert "/resource/new" not in page.url, f"{key}: the form came back: {page.url}"
            shown = sp_people.officer_api.call(f"package_show?id={pkg['id']}")
            match = [r for r in shown["resources"] if r["name"] == title]
            assert len(match) == 1, shown["resources"]
            resources[key] = match[0]["id"]
    finally:
        ctx.close()

    # the import runs by itself (the worker); the officer waits on the resource page
    layers, times, drawn_at = {}, {}, {}
    for key, sample in sp_samples.items():
        state, _ = wait_for_layer(url, resources[key], None, package=pkg["name"],
                                  timeout=max(1, IMPORT_TIMEOUT - (time.monotonic() - started[key])))
        check_layer(state, sample, time.monotonic() - started[key], "resource form")
        times[key] = done_after(state, started_wall[key])
        layers[resources[key]] = sample
    shown = sp_people.officer_api.call(f"package_show?id={pkg['id']}")
    formats = {r["id"]: r["format"] for r in shown["resources"]}
    assert {s.key: formats[rid] for rid, s in layers.items()} == \
        {s.key: s.fmt for s in layers.values()}, "a format is mislabelled on the dataset page"

    # the officer reads the import report on a resource page (no server path in it)
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        _login(page, url, sp_people.officer)
        rid = resources["shp"]
        page.goto(f"{url}/en/dataset/{pkg['name']}/resource/{rid}")
        report = page.locator(".satupeta-report")
        report.wait_for(timeout=30_000)
        text = report.inner_text()
        assert "Features stored" in text and str(sp_samples["shp"].count) in text, text
        assert "/work/" not in page.content()
    finally:
        ctx.close()

    assert_on_map(browser, url, layers)
    for key in times:
        drawn_at[key] = time.monotonic() - started[key]
    TIMINGS["resource form: save click -> layer imported (on /peta from then)"] = times
    TIMINGS["resource form: save click -> map check in chromium passed"] = drawn_at


def test_officer_adds_layers_through_the_api(sp_portal, sp_people, sp_samples, sp_shared, browser):
    url = sp_portal.url
    pkg = public_dataset(sp_people, f"Peta Fasilitas API {sp_people.tag}")
    started, started_wall, resources = {}, {}, {}
    for key, sample in sp_samples.items():
        started[key] = time.monotonic()
        started_wall[key] = time.time()
        # what requests / ckanapi send: multipart, the file in `upload`, the token in Authorization
        res = sp_people.officer_api.call(
            "resource_create", {"package_id": pkg["id"], "name": sample.file_name},
            files={"upload": (sample.file_name, sample.path.read_bytes(), sample.mimetype)})
        resources[key] = res["id"]
    layers, times = {}, {}
    for key, sample in sp_samples.items():
        state, _ = wait_for_layer(url, resources[key], sp_people.officer_token,
                                  timeout=max(1, IMPORT_TIMEOUT - (time.monotonic() - started[key])))
        layer = check_layer(state, sample, time.monotonic() - started[key], "API")
        times[key] = done_after(state, started_wall[key])
        layers[resources[key]] = sample
        sp_shared.setdefault("layers", {})[key] = {"id": resources[key], "layer": layer,
                                                   "sample": sample, "package": pkg}
    shown = Api(url).call(f"package_show?id={pkg['id']}")
    formats = {r["id"]: r["format"] for r in shown["resources"]}
    assert {s.key: formats[rid] for rid, s in layers.items()} == \
        {s.key: s.fmt for s in layers.values()}, "a format is mislabelled"
    sp_shared["package"] = shown
    assert_on_map(browser, url, layers)
    TIMINGS["API: resource_create sent -> layer imported (on /peta from then)"] = times
    TIMINGS["API: resource_create sent -> map check in chromium passed"] = {
        k: time.monotonic() - started[k] for k in times}


def _api_layers(sp_portal, sp_people, sp_samples, sp_shared) -> dict:
    """The layers journey 1b made (or makes them now when run alone)."""
    if "layers" not in sp_shared:
        pkg = public_dataset(sp_people, f"Peta Fasilitas API {sp_people.tag}")
        for key, sample in sp_samples.items():
            res = sp_people.officer_api.call(
                "resource_create", {"package_id": pkg["id"], "name": sample.file_name},
                files={"upload": (sample.file_name, sample.path.read_bytes(), sample.mimetype)})
            state, waited = wait_for_layer(sp_portal.url, res["id"], sp_people.officer_token)
            layer = check_layer(state, sample, waited, "API")
            sp_shared.setdefault("layers", {})[key] = {"id": res["id"], "layer": layer,
                                                       "sample": sample, "package": pkg}
        sp_shared["package"] = Api(sp_portal.url).call(f"package_show?id={pkg['id']}")
    return sp_shared


# ------------------------------------------------------------------------------- journey 2

def test_api_developer_with_ckanapi(sp_portal, sp_people, sp_samples, sp_shared, tmp_path):
    from ckanapi import NotAuthorized, RemoteCKAN

    shared = _api_layers(sp_portal, sp_people, sp_samples, sp_shared)
    pkg = shared["package"]
    agent = "aplikasi-tangerang-live/1.0 (uji jurnal)"
    anon = RemoteCKAN(sp_portal.url, user_agent=agent)

    # search: a query word and the city's box find it; a box elsewhere does not
    found = anon.action.package_search(q=f"API {sp_people.tag}", ext_bbox=TANGERANG_BOX, rows=50)
    assert pkg["name"] in [d["name"] for d in found["results"]], found
    away = anon.action.package_search(q=f"API {sp_people.tag}", ext_bbox=ELSEWHERE_BOX, rows=50)
    assert pkg["name"] not in [d["name"] for d in away["results"]], away
    # the dataset's extent is the box around its layers (set by the import)
    shown = anon.action.package_show(id=pkg["name"])
    spatial = json.loads(shown["spatial"])
    xs = [c[0] for c in spatial["coordinates"][0]]
    ys = [c[1] for c in spatial["coordinates"][0]]
    assert 106.55 < min(xs) <= max(xs) < 106.75 and -6.30 < min(ys) <= max(ys) < -6.10, spatial
    assert {r["format"] for r in shown["resources"]} == {s.fmt for s in sp_samples.values()}

    # the uploaded file downloads byte for byte
    gpkg = [r for r in shown["resources"] if r["name"] == sp_samples["gpkg"].file_name][0]
    resp = requests.get(gpkg["url"], timeout=60, headers={"User-Agent": agent})
    assert resp.status_code == 200, (gpkg["url"], resp.status_code)
    assert resp.content == sp_samples["gpkg"].path.read_bytes()
    assert gpkg["url"].startswith(sp_portal.url) and gpkg["url"].endswith(sp_samples["gpkg"].file_name)

    # without a token the API refuses to add a resource; with the officer's it adds and imports
    with pytest.raises(NotAuthorized):
        anon.action.resource_create(package_id=pkg["id"], name="tanpa-token.geojson",
                                    upload=open(sp_samples["geojson"].path, "rb"))
    dev = RemoteCKAN(sp_portal.url, apikey=sp_people.officer_token, user_agent=agent)
    path = tmp_path / "puskesmas.geojson"
    _geojson(path, "point", 7, "Puskesmas")
    start = time.time()
    with open(path, "rb") as f:
        created = dev.action.resource_create(package_id=pkg["id"], name="Puskesmas (ckanapi)", upload=f)
    assert created["url_type"] == "upload" and created["url"].endswith("/puskesmas.geojson")
    state, waited = wait_for_layer(sp_portal.url, created["id"], sp_people.officer_token)
    check_layer(state, Sample("geojson", "puskesmas.geojson", 7, "point", "GeoJSON"), waited, "ckanapi")
    TIMINGS["ckanapi: resource_create sent -> layer imported"] = {"geojson": done_after(state, start)}
    assert dev.action.resource_show(id=created["id"])["format"] == "GeoJSON"
    cols = requests.get(f"{sp_portal.url}/ogc/collections", timeout=60).json()
    assert created["id"] in [c["id"] for c in cols["collections"]]


# ------------------------------------------------------------------------------- journey 3

def _ogr(*args: str) -> str:
    done = subprocess.run([OGRINFO, *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "CPL_DEBUG": "OFF"})
    assert done.returncode == 0, f"ogrinfo {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _summary(path: pathlib.Path, layer: str) -> dict:
    out = _ogr("-so", "-ro", str(path), layer)
    count = re.search(r"^Feature Count: (\d+)", out, re.M)
    geom = re.search(r"^Geometry: (.+)$", out, re.M)
    return {"count": int(count.group(1)) if count else None, "geometry": geom.group(1) if geom else None,
            "text": out}


GDAL_TYPES = {"point": ("Point", "Multi Point"), "line": ("Line String", "Multi Line String"),
              "polygon": ("Polygon", "Multi Polygon")}


def test_gis_user_with_gdal_and_owslib(sp_portal, sp_people, sp_samples, sp_shared, tmp_path):
    shared = _api_layers(sp_portal, sp_people, sp_samples, sp_shared)
    ogc = f"{sp_portal.url}/ogc"

    # ogrinfo lists the collections (one line per layer: "<n>: <collection id> (<geometry>)")
    listing = _ogr("-ro", "-q", f"OAPIF:{ogc}")
    for key, info in shared["layers"].items():
        assert info["id"] in listing, f"{key}: {info['id']} not listed by ogrinfo:\n{listing}"

    # ogr2ogr copies each layer into a GeoPackage: same count, same geometry type
    for key, info in shared["layers"].items():
        sample: Sample = info["sample"]
        out, name = tmp_path / f"{key}.gpkg", f"salinan_{key}"
        start = time.monotonic()
        done = subprocess.run([OGR2OGR, "-f", "GPKG", str(out), f"OAPIF:{ogc}", info["id"],
                               "-nln", name], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{key}: ogr2ogr: {done.stderr}"
        TIMINGS.setdefault("ogr2ogr OAPIF -> GPKG (s)", {})[key] = time.monotonic() - start
        got = _summary(out, name)
        assert got["count"] == sample.count, (key, got["text"])
        assert got["geometry"] in GDAL_TYPES[sample.family], (key, got["text"])
        stored = (info["layer"].get("report") or {}).get("geometry_type")
        assert got["geometry"].replace(" ", "") == stored, (key, got["geometry"], stored)

    # OWSLib: the collections and their items
    from owslib.ogcapi.features import Features

    client = Features(ogc, headers={"User-Agent": "QGIS/3.34 (uji jurnal)"})
    lost: dict[str, dict] = {}
    ids = [c["id"] for c in client.collections()["collections"]]
    assert set(ids) <= set(client.feature_collections()), "a collection is not of features"
    for key, info in shared["layers"].items():
        sample = info["sample"]
        assert info["id"] in ids, key
        meta = client.collection(info["id"])
        assert meta["id"] == info["id"]
        items = client.collection_items(info["id"], limit=100)
        assert items["numberMatched"] == sample.count, (key, items.get("numberMatched"))
        assert len(items["features"]) == sample.count
        families = {f["geometry"]["type"].replace("Multi", "").replace("LineString", "Line")
                    for f in items["features"]}
        assert families == {sample.family.capitalize()}, (key, families)
        # the file's attributes came along (every sample has a `nama` on each feature)
        if not all(f["properties"].get("nama") for f in items["features"]):
            lost[key] = items["features"][0]["properties"]
        # a bbox far from the city matches nothing
        assert client.collection_items(info["id"], bbox=[110.3, -7.9, 110.5, -7.7])["numberMatched"] == 0
    assert not lost, f"attributes lost on import: {lost}"
