"""A layer import treats the file and the URL as hostile: one GDAL driver per format, no VRT,
no /vsi paths, no remote access by GDAL, and URL resources fetched from public addresses only."""
from __future__ import annotations

import contextlib
import http.server
import pathlib
import threading
import time

import pytest

from ckan.tests import factories, helpers

import satu_factories

from satupeta_testlib import points_geojson

from ckanext.tangerang.satupeta import gdal, ingest, remote

SECRET = "SECRET_KEY,a-value-only-the-server-knows"


def vrt_disguised_as_kml(target: pathlib.Path) -> bytes:
    """An OGR VRT whose comment passes a '<kml' check: it reads any CSV the server can read."""
    return f"""<?xml version="1.0"?>
<!-- <kml xmlns="http://www.opengis.net/kml/2.2"> -->
<OGRVRTDataSource>
  <OGRVRTLayer name="loot">
    <SrcDataSource>{target}</SrcDataSource>
    <GeometryType>wkbPoint</GeometryType>
    <GeometryField encoding="PointFromColumns" x="lon" y="lat"/>
  </OGRVRTLayer>
</OGRVRTDataSource>
""".encode()


def secret_csv(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "secrets.csv"
    path.write_text(f"key,value,lon,lat\n{SECRET},106.6,-6.2\n")
    return path


# ---------------------------------------------------------------- GDAL confinement (no services)

def test_gdal_has_only_the_five_drivers_satupeta_reads():
    assert sorted(gdal.library().list_drivers()) == sorted(gdal.ALLOWED)
    assert "OGR_VRT" not in gdal.library().list_drivers()


@pytest.mark.parametrize("path", ["/vsicurl/http://127.0.0.1:8983/solr/admin/cores",
                                  "/vsizip//etc/passwd.zip/x.shp", "CSV:/etc/passwd", "relative.kml"])
def test_gdal_paths_and_prefixes_are_refused(path):
    with pytest.raises(gdal.UnsafeGDAL):
        gdal.open_path(path)


def test_a_vrt_file_labelled_kml_is_refused_before_gdal(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(vrt_disguised_as_kml(secret_csv(tmp_path)))
    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "kml", None, ingest.Limits()))
    assert "not a GeoJSON, zipped Shapefile, GeoPackage, KML or CSV" in str(e.value)


def test_a_kml_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&x;</name>'
                     b'<Point><coordinates>106.6,-6.2</coordinates></Point></Placemark></kml>')
    with pytest.raises(ingest.LayerError):
        list(ingest.read(path, "kml", None, ingest.Limits()))


def test_a_real_kml_without_extension_still_imports(tmp_path):
    path = tmp_path / "upload"  # CKAN stores uploads without their extension
    path.write_bytes(b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                     b'<Placemark><name>Taman</name><Point><coordinates>106.63,-6.18</coordinates>'
                     b'</Point></Placemark></Document></kml>')
    report = ingest.Report()
    assert sum(len(b.fids) for b in ingest.read(path, "kml", None, ingest.Limits(), report=report)) == 1
    assert report.format == "KML"


def test_a_csv_upload_without_extension_imports(tmp_path):
    path = tmp_path / "upload"
    path.write_text("nama,lon,lat\nTaman,106.63,-6.18\nPasar,106.64,-6.17\n")
    report = ingest.Report()
    assert sum(len(b.fids) for b in ingest.read(path, "csv", None, ingest.Limits(), report=report)) == 2


def test_gdal_errors_do_not_show_server_paths(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)  # a damaged GeoPackage
    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "gpkg", None, ingest.Limits()))
    assert str(tmp_path) not in str(e.value) and "/tmp" not in str(e.value)


# ---------------------------------------------------------------- URL fetching (loopback servers)

class Files(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
        elif route[0] == "redirect":
            self.send_response(302)
            self.send_header("Location", route[1])
            self.end_headers()
        elif route[0] == "slow":
            self.send_response(200)
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(20):
                    self.wfile.write(b" " * 65536)
                    self.wfile.flush()
                    time.sleep(0.3)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(route[1])))
            self.end_headers()
            self.wfile.write(route[1])

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(host: str, routes: dict):
    handler = type("Handler", (Files,), {"routes": routes})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def policy(**kw) -> remote.Policy:
    return remote.Policy(**{"max_bytes": 10 * 2 ** 20, "timeout": 30, **kw})


def fetch_error(url: str, tmp_path, **kw) -> str:
    with pytest.raises(ingest.LayerError) as e:
        remote.fetch(url, tmp_path / "download", policy(**kw))
    assert not (tmp_path / "download").exists() or (tmp_path / "download").stat().st_size == 0
    return str(e.value)


def test_loopback_and_localhost_are_refused(tmp_path):
    with serving("127.0.0.1", {"/x.geojson": ("file", points_geojson(2))}) as base:
        assert "127.0.0.1" in fetch_error(base + "/x.geojson", tmp_path)
        port = base.rsplit(":", 1)[1]
        message = fetch_error(f"http://localhost:{port}/x.geojson", tmp_path)  # refused after DNS
        assert "public internet" in message


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/x",
                                 "http://192.168.1.1/x", "http://[::1]:8983/solr", "http://0.0.0.0:5433/",
                                 "http://[::ffff:127.0.0.1]:6379/"])
def test_private_link_local_and_metadata_addresses_are_refused(url, tmp_path):
    # refused before a connection is made: no traffic leaves this machine
    assert "public internet" in fetch_error(url, tmp_path)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.zip", "gopher://x/"])
def test_only_http_and_https_urls(url, tmp_path):
    assert "http:// or https://" in fetch_error(url, tmp_path)


def test_an_allowed_network_is_fetched_but_its_redirect_to_loopback_is_refused(tmp_path):
    allowed = (remote.ipaddress.ip_network("127.0.0.2/32"),)
    with serving("127.0.0.1", {"/solr": ("file", b"internal")}) as internal, \
            serving("127.0.0.2", {"/ok.geojson": ("file", points_geojson(3)),
                                  "/jump": ("redirect", internal + "/solr")}) as base:
        got = remote.fetch(base + "/ok.geojson", tmp_path / "ok", policy(allowed_networks=allowed))
        assert got.read_bytes() == points_geojson(3)
        assert "127.0.0.1" in fetch_error(base + "/jump", tmp_path, allowed_networks=allowed)


def test_size_and_time_limits(tmp_path):
    allowed = (remote.ipaddress.ip_network("127.0.0.2/32"),)
    with serving("127.0.0.2", {"/big": ("file", b"x" * (3 * 2 ** 20)), "/slow": ("slow", None)}) as base:
        assert "larger than 1 MB" in fetch_error(base + "/big", tmp_path, allowed_networks=allowed,
                                                 max_bytes=2 ** 20)
        started = time.monotonic()
        assert "longer than 1 seconds" in fetch_error(base + "/slow", tmp_path,
                                                      allowed_networks=allowed, timeout=1)
        assert time.monotonic() - started < 5


# ---------------------------------------------------------------- through CKAN's upload path

pytestmark_services = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
                       pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


def _apply(marks):
    def wrap(fn):
        for mark in reversed(marks):
            fn = mark(fn)
        return fn
    return wrap


@_apply(pytestmark_services)
def test_vrt_upload_as_kml_never_becomes_a_layer(create_with_upload, editor, run_import, tmp_path):
    ds = satu_factories.Dataset(owner_org=editor["org"]["id"])
    res = create_with_upload(vrt_disguised_as_kml(secret_csv(tmp_path)), "batas.kml", package_id=ds["id"],
                             format="KML", context={"user": editor["user"]["name"]})
    run = run_import(res)
    assert run["status"] == "failed"
    assert "KML" in run["error_message"] and SECRET not in run["error_message"]
    state = helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])
    assert state["layer"] is None


@_apply(pytestmark_services)
def test_url_resource_to_an_internal_service_fails_with_a_clear_message(editor, run_import):
    ds = satu_factories.Dataset(owner_org=editor["org"]["id"])
    res = helpers.call_action("resource_create", context={"user": editor["user"]["name"]},
                              package_id=ds["id"], format="GeoJSON",
                              url="http://127.0.0.1:8983/solr/ckan/select?q=*:*&wt=json")
    run = run_import(res)
    assert run["status"] == "failed"
    assert "127.0.0.1" in run["error_message"]
    assert helpers.call_action("tangerang_satupeta_layer_show", id=res["id"])["layer"] is None


@_apply(pytestmark_services)
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.fetch_allowed_networks", "127.0.0.2/32")
def test_url_resource_on_an_allowed_network_imports(editor, run_import):
    with serving("127.0.0.2", {"/titik.geojson": ("file", points_geojson(4))}) as base:
        ds = satu_factories.Dataset(owner_org=editor["org"]["id"])
        res = helpers.call_action("resource_create", context={"user": editor["user"]["name"]},
                                  package_id=ds["id"], format="GeoJSON",
                                  url=base + "/titik.geojson")
        run = run_import(res)
    assert run["status"] == "done", run["error_message"]
    assert run["report"]["features_written"] == 4


@_apply(pytestmark_services)
def test_a_failed_import_shows_no_server_path_to_anonymous_visitors(create_with_upload, editor, run_import,
                                                                     ckan_config):
    ds = satu_factories.Dataset(owner_org=editor["org"]["id"])
    res = create_with_upload(b"SQLite format 3\x00" + b"\x00" * 200, "rusak.gpkg", package_id=ds["id"],
                             format="GPKG", context={"user": editor["user"]["name"]})
    assert run_import(res)["status"] == "failed"
    shown = helpers.call_action("tangerang_satupeta_layer_show", context={"user": ""}, id=res["id"])
    text = str(shown)
    storage = str(pathlib.Path(ckan_config["ckan.storage_path"]).resolve())
    assert storage not in text and res["id"][:3] + "/" not in text and "/tmp/" not in text
    assert shown["import"]["error_message"]
