"""A web worker carries what the catalogue's pages need: GDAL and Arrow (about 115 MB of each
worker's memory) are loaded by the first request that writes a download, not at start (#17)."""
from __future__ import annotations

import pathlib

import pyogrio
import pytest
import requests

from live_portal import Portal

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]


def _libraries(pid: int) -> set[str]:
    """The names of the shared libraries mapped into the process (its /proc maps)."""
    names = set()
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if ".so" in path:
            names.add(pathlib.Path(path).name.split(".so")[0].split("-")[0])
    return names


def test_gdal_and_arrow_load_with_the_first_download(request, tmp_path, layers):
    with Portal.serving(request.config.getoption("ckan_ini"), tmp_path, workers=1,
                        name="test-footprint") as portal:
        worker = int(pathlib.Path(f"/proc/{portal.proc.pid}/task/{portal.proc.pid}/children")
                     .read_text().split()[0])
        # a citizen's pages and API calls, a map tile and a filtered query
        for path in ("/", "/dataset", f"/dataset/{layers['public_pkg']}",
                     f"/api/3/action/package_show?id={layers['public_pkg']}",
                     f"/ogc/collections/{layers['public']}/tiles/WebMercatorQuad/11/1059/1630",
                     f"/ogc/collections/{layers['public']}/items?filter=nomor%20%3C%205"):
            assert requests.get(portal.url + path, timeout=60).status_code == 200, path
        loaded = _libraries(worker)
        assert {"libgdal", "libarrow"}.isdisjoint(loaded), loaded & {"libgdal", "libarrow"}

        resp = requests.get(f"{portal.url}/ogc/collections/{layers['public']}/download",
                            params={"f": "gpkg"}, timeout=60)
        assert resp.status_code == 200, resp.text[:300]
        path = tmp_path / "blok.gpkg"
        path.write_bytes(resp.content)
        assert pyogrio.read_info(str(path))["features"] == 25
        assert {"libgdal", "libarrow"} <= _libraries(worker)
