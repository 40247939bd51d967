"""WMS 1.3.0 and WFS 2.0 by MapServer, read by real clients (OWSLib, GDAL) from the portal under
gunicorn, with the portal's access rules and the officer's styles."""
from __future__ import annotations

import io
import json
import subprocess

import pytest
import requests
from lxml import etree
from owslib.wfs import WebFeatureService
from owslib.wms import WebMapService
from PIL import Image

import ckan.plugins.toolkit as tk
from ckan.tests import factories

from satupeta_testlib import PLACES

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]

# the 25 blocks: a 5 x 5 grid of 0.005° squares from (106.60, -6.25), one every 0.01°
BBOX_LONLAT = (106.59, -6.26, 106.66, -6.19)


def block(i: int) -> tuple[float, float]:
    """The centre (lon, lat) of block i."""
    return 106.60 + 0.01 * (i % 5) + 0.0025, -6.25 + 0.01 * (i // 5) + 0.0025


def get(url, **kw):
    return requests.get(url, timeout=60, **kw)


def getmap(server, name, crs="EPSG:4326", bbox=None, size=200, headers=None, **extra):
    x0, y0, x1, y1 = BBOX_LONLAT
    params = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": name, "STYLES": "",
              "CRS": crs, "BBOX": bbox or f"{y0},{x0},{y1},{x1}", "WIDTH": size, "HEIGHT": size,
              "FORMAT": "image/png", "TRANSPARENT": "TRUE", **extra}
    return get(f"{server}/ows", params=params, headers=headers or {})


def pixel(img: Image.Image, lon: float, lat: float, size: int = 200) -> tuple:
    x0, y0, x1, y1 = BBOX_LONLAT
    return img.getpixel((int((lon - x0) / (x1 - x0) * size), int((y1 - lat) / (y1 - y0) * size)))


def test_wms_capabilities_list_public_layers_in_the_city_crs(peta_server, layers):
    wms = WebMapService(f"{peta_server}/ows", version="1.3.0", timeout=60)
    assert layers["name"] in wms.contents
    assert layers["private_name"] not in wms.contents  # private: not even named
    layer = wms.contents[layers["name"]]
    assert layer.title == "Blok bangunan"
    for crs in ("EPSG:4326", "EPSG:3857", "EPSG:23834", "EPSG:32748"):
        assert crs in layer.crsOptions
    assert "GetFeatureInfo" in [op.name for op in wms.operations]
    # the service's links are the portal's, never MapServer's own address
    assert wms.getOperationByName("GetMap").methods[0]["url"].startswith(f"{peta_server}/ows")


def test_getmap_draws_the_blocks_in_each_crs(peta_server, layers):
    wms = WebMapService(f"{peta_server}/ows", version="1.3.0", timeout=60)
    # OWSLib takes lon/lat and sends EPSG:4326's own order (lat, lon) for WMS 1.3.0
    img = Image.open(io.BytesIO(wms.getmap(layers=[layers["name"]], styles=[""], srs="EPSG:4326",
                                           bbox=BBOX_LONLAT, size=(200, 200), format="image/png",
                                           transparent=True).read())).convert("RGBA")
    assert pixel(img, *block(12))[3] > 0  # inside a block: painted
    assert pixel(img, block(12)[0] + 0.005, block(12)[1])[3] == 0  # between blocks: transparent
    # the same view in Web Mercator and in UTM 48S (a CRS of the city profile)
    from pyproj import Transformer
    for crs in ("EPSG:3857", "EPSG:32748"):
        t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        bx0, by0, bx1, by1 = t.transform_bounds(*BBOX_LONLAT)
        resp = getmap(peta_server, layers["name"], crs=crs, bbox=f"{bx0},{by0},{bx1},{by1}")
        assert resp.headers["Content-Type"] == "image/png", resp.text[:300]
        img = Image.open(io.BytesIO(resp.content)).convert("RGBA")
        assert img.getbbox() is not None  # something drawn
    jpeg = getmap(peta_server, layers["name"], FORMAT="image/jpeg")
    assert jpeg.headers["Content-Type"] == "image/jpeg"


def test_gdal_reads_a_getmap(peta_server, layers, tmp_path):
    x0, y0, x1, y1 = BBOX_LONLAT
    url = (f"WMS:{peta_server}/ows?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={layers['name']}"
           f"&CRS=EPSG:4326&BBOX={y0},{x0},{y1},{x1}&FORMAT=image/png")
    out = tmp_path / "map.tif"
    done = subprocess.run(["gdal_translate", "-q", "-outsize", "256", "256", url, str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    info = json.loads(subprocess.run(["gdalinfo", "-json", "-stats", str(out)], capture_output=True,
                                     text=True, check=True).stdout)
    assert info["size"] == [256, 256]
    assert max(band["maximum"] for band in info["bands"]) > 0  # the blocks are drawn


def test_getfeatureinfo_in_html_and_json(peta_server, layers):
    lon, lat = block(7)
    x0, y0, x1, y1 = lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001
    params = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetFeatureInfo", "LAYERS": layers["name"],
              "QUERY_LAYERS": layers["name"], "STYLES": "", "CRS": "EPSG:4326",
              "BBOX": f"{y0},{x0},{y1},{x1}", "WIDTH": 101, "HEIGHT": 101, "I": 50, "J": 50,
              "FORMAT": "image/png"}
    html = get(f"{peta_server}/ows", params={**params, "INFO_FORMAT": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "Blok 7" in html.text and "<th" in html.text
    data = get(f"{peta_server}/ows", params={**params, "INFO_FORMAT": "application/json"})
    props = [f["properties"] for f in data.json()["features"]]
    assert [p["nama"] for p in props] == ["Blok 7"]
    assert props[0]["nomor"] == 7


def test_legend_graphic(peta_server, layers):
    resp = get(f"{peta_server}/ows", params={
        "SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetLegendGraphic", "LAYER": layers["name"],
        "FORMAT": "image/png", "SLD_VERSION": "1.1.0"})
    assert resp.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(resp.content)).size[0] > 0


def test_wfs_features_paging_bbox_and_formats(peta_server, layers):
    wfs = WebFeatureService(f"{peta_server}/ows", version="2.0.0", timeout=60)
    name = next(n for n in wfs.contents if n.endswith(layers["name"]))
    assert all(not n.endswith(layers["private_name"]) for n in wfs.contents)
    schema = wfs.get_schema(name)
    assert schema["properties"]["nama"] == "string"
    assert schema["properties"]["nomor"] in ("int", "long", "integer")
    every = json.loads(wfs.getfeature(typename=[name], outputFormat="geojson").read())
    assert sorted(f["properties"]["nomor"] for f in every["features"]) == list(range(25))
    # paging in fid order
    page = get(f"{peta_server}/ows", params={
        "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": name,
        "COUNT": 10, "STARTINDEX": 20, "OUTPUTFORMAT": "geojson"}).json()
    assert len(page["features"]) == 5
    # a box around blocks 0-1 (lat,lon order in EPSG:4326)
    boxed = get(f"{peta_server}/ows", params={
        "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": name,
        "BBOX": "-6.2501,106.5999,-6.2449,106.6151,urn:ogc:def:crs:EPSG::4326",
        "OUTPUTFORMAT": "geojson"}).json()
    assert sorted(f["properties"]["nama"] for f in boxed["features"]) == ["Blok 0", "Blok 1"]
    # GML 3.2, WFS 2.0's default
    gml = get(f"{peta_server}/ows", params={"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
                                            "TYPENAMES": name, "COUNT": 3})
    doc = etree.fromstring(gml.content)
    assert doc.tag == "{http://www.opengis.net/wfs/2.0}FeatureCollection"
    assert doc.get("numberReturned") == "3"
    assert b"http://www.opengis.net/gml/3.2" in gml.content


def test_ogrinfo_reads_the_wfs(peta_server, layers):
    done = subprocess.run(["ogrinfo", "-ro", "-so", f"WFS:{peta_server}/ows", layers["name"]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Feature Count: 25" in done.stdout
    assert "nama: String" in done.stdout


def test_private_layer_needs_rights(peta_server, layers):
    name = layers["private_name"]
    anonymous = getmap(peta_server, name)
    assert anonymous.headers["Content-Type"].startswith("text/xml")
    assert b"ServiceException" in anonymous.content and b"aset" not in anonymous.content.lower()
    # the same answer as for a layer that does not exist
    unknown = getmap(peta_server, "layer_00000000_0000_4000_8000_000000000000")
    assert b"ServiceException" in unknown.content
    auth = {"Authorization": layers["token"]}
    allowed = getmap(peta_server, name, headers=auth)
    assert allowed.headers["Content-Type"] == "image/png"
    assert "private" in allowed.headers["Cache-Control"]
    wfs = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": name,
           "OUTPUTFORMAT": "geojson"}
    refused = get(f"{peta_server}/ows", params=wfs)
    assert refused.status_code == 400 and b"ExceptionReport" in refused.content
    assert len(get(f"{peta_server}/ows", params=wfs, headers=auth).json()["features"]) == len(PLACES)
    # a private layer asked together with a public one by a stranger: refused whole
    mixed = getmap(peta_server, f"{layers['name']},{name}")
    assert b"ServiceException" in mixed.content


def test_publishing_a_private_dataset_adds_its_layer(peta_server, layers):
    pkg = tk.get_action("resource_show")({"ignore_auth": True}, {"id": layers["private"]})["package_id"]
    # published by the Walidata (an OPD editor cannot publish), here a sysadmin
    admin = factories.Sysadmin()
    tk.get_action("package_patch")({"user": admin["name"]}, {"id": pkg, "private": False})
    shown = getmap(peta_server, layers["private_name"])
    assert shown.headers["Content-Type"] == "image/png", shown.content[:500]
    wms = WebMapService(f"{peta_server}/ows", version="1.3.0", timeout=60)
    assert layers["private_name"] in wms.contents
    # and withdrawn again by its OPD: gone from the public service
    tk.get_action("package_patch")({"user": layers["user"]["name"]}, {"id": layers["public_pkg"],
                                                                     "private": True})
    wms = WebMapService(f"{peta_server}/ows", version="1.3.0", timeout=60)
    assert layers["name"] not in wms.contents
    assert b"ServiceException" in getmap(peta_server, layers["name"]).content


@pytest.mark.parametrize("extra, says", [
    ({"WIDTH": 100000, "HEIGHT": 100000}, b"size"),
    ({"BBOX": "100,200,300,400"}, b"BBOX"),
    ({"CRS": "EPSG:999999"}, b"CRS"),
    ({"FORMAT": "image/x-nope"}, b"format"),
    ({"map": "/etc/passwd"}, None),  # our own mapfile is used whatever `map` says
])
def test_bad_getmap_gets_an_ogc_exception(peta_server, layers, extra, says):
    resp = getmap(peta_server, layers["name"], **extra)
    assert resp.status_code < 500
    if says is None:
        assert resp.headers["Content-Type"] == "image/png"
        return
    assert b"ServiceException" in resp.content, resp.content[:300]
    assert says.lower() in resp.content.lower()


def test_bad_wfs_requests_get_an_exception_report(peta_server, layers):
    for params in ({"REQUEST": "GetFeature", "TYPENAMES": "nope"},
                   {"REQUEST": "GetFeature", "TYPENAMES": layers["name"], "COUNT": "x"},
                   {"REQUEST": "Frobnicate"}):
        resp = get(f"{peta_server}/ows", params={"SERVICE": "WFS", "VERSION": "2.0.0", **params})
        assert 400 <= resp.status_code < 500, (params, resp.status_code)
        assert b"ExceptionReport" in resp.content


def test_officer_styles_by_category_and_wms_follows(peta_server, layers):
    context = {"user": layers["user"]["name"]}
    shown = tk.get_action("tangerang_satupeta_layer_style_update")(context, {
        "id": layers["public"], "fill": "#000000", "opacity": 100, "stroke_width": 0,
        "classify_field": "kecamatan", "classify_method": "categories",
        "classes": [{"value": "Pinang", "label": "Kec. Pinang", "color": "#e69f00"},
                    {"value": "Cipondoh", "label": "Kec. Cipondoh", "color": "#0072b2"}]})
    assert [e["label"] for e in shown["layer"]["legend"]][:2] == ["Kec. Pinang", "Kec. Cipondoh"]
    img = Image.open(io.BytesIO(getmap(peta_server, layers["name"]).content)).convert("RGB")
    assert pixel(img, *block(12)) == (0xe6, 0x9f, 0x00)  # 12: even, Pinang
    assert pixel(img, *block(13)) == (0x00, 0x72, 0xb2)  # 13: odd, Cipondoh
    # classes computed by the portal: ranges of a number, quantiles
    shown = tk.get_action("tangerang_satupeta_layer_style_update")(context, {
        "id": layers["public"], "classify_field": "nomor", "classify_method": "ranges", "classify_count": 4})
    classes = shown["layer"]["style"]["classify"]["classes"]
    assert len(classes) == 4 and classes[0]["min"] == 0 and classes[-1]["max"] == 24
    # the version grows, so caches keyed on it let go of the old look
    assert shown["layer"]["version"] >= 3


def test_style_refuses_bad_values_naming_the_field(layers):
    context = {"user": layers["user"]["name"]}
    with pytest.raises(tk.ValidationError) as e:
        tk.get_action("tangerang_satupeta_layer_style_update")(context, {
            "id": layers["public"], "fill": "red", "size": 500, "label_field": "nope"})
    assert set(e.value.error_dict) == {"fill", "size", "label_field"}
    assert "#rrggbb" in e.value.error_dict["fill"][0]
    with pytest.raises(tk.ValidationError) as e:
        tk.get_action("tangerang_satupeta_layer_style_update")(context, {
            "id": layers["public"], "classify_field": "nama", "classify_method": "ranges"})
    assert "classify_method" in e.value.error_dict
    stranger = factories.User()
    with pytest.raises(tk.NotAuthorized):
        tk.get_action("tangerang_satupeta_layer_style_update")(
            {"user": stranger["name"], "ignore_auth": False}, {"id": layers["public"], "fill": "#000000"})


def test_dataset_page_shows_the_layer_on_a_small_map(peta_server, layers):
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": layers["public_pkg"]})
    page = get(f"{peta_server}/en/dataset/{pkg['name']}").text
    figure = page.split('class="satupeta-dataset-map"')[1].split("</figure>")[0]
    assert 'alt="Map of Blok bangunan: 25 areas"' in figure
    src = figure.split('src="')[1].split('"')[0].replace("&amp;", "&")
    img = get(f"{peta_server}{src}")
    assert img.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(img.content)).convert("RGBA").getbbox() is not None


def test_deleting_the_dataset_takes_its_layer_off_the_services(peta_server, layers):
    tk.get_action("package_delete")({"user": layers["user"]["name"]}, {"id": layers["public_pkg"]})
    wms = WebMapService(f"{peta_server}/ows", version="1.3.0", timeout=60)
    assert layers["name"] not in wms.contents
    assert b"ServiceException" in getmap(peta_server, layers["name"]).content


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_cached_public_tiles_follow_visibility_and_versions(peta_server, layers):
    """Cached tiles of public layers are answered before CKAN; what they answer must still follow
    the layer: withdrawn means refused, restyled means a new ETag."""
    x, y = _tile_of(*block(12), 14)
    url = f"{peta_server}/ogc/collections/{layers['public']}/tiles/WebMercatorQuad/14/{y}/{x}"
    first = get(url)  # built before CKAN and cached
    again = get(url)  # from the cache
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and len(first.content) > 0
    # with a token the request goes through CKAN's view: the same tile, the same ETag
    viewed = get(url, headers={"Authorization": layers["token"]})
    assert (viewed.content, viewed.headers["ETag"]) == (first.content, first.headers["ETag"])
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"].startswith("public")
    assert get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    # a style change: a new version, a new ETag
    tk.get_action("tangerang_satupeta_layer_style_update")(
        {"user": layers["user"]["name"]}, {"id": layers["public"], "fill": "#009e73"})
    restyled = get(url)
    assert restyled.status_code == 200 and restyled.headers["ETag"] != first.headers["ETag"]
    assert get(url).headers["ETag"] == restyled.headers["ETag"]
    # withdrawn by its OPD: the cached tile is no longer anyone's to read
    tk.get_action("package_patch")({"user": layers["user"]["name"]}, {"id": layers["public_pkg"],
                                                                     "private": True})
    assert get(url).status_code == 404
    assert get(url, headers={"Authorization": layers["token"]}).status_code == 200


def test_public_maps_answered_before_ckan_are_the_views_answers(peta_server, layers):
    """Anonymous WMS/WFS requests naming only public layers are answered before CKAN (the list of
    public names written with the mapfiles); with a token the same requests go through CKAN's
    view. Both must answer alike, and a private layer's name never takes the short way."""
    auth = {"Authorization": layers["token"]}
    picture = getmap(peta_server, layers["name"])
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.headers["Cache-Control"] == "public, max-age=60"
    assert getmap(peta_server, layers["name"], headers=auth).content == picture.content
    wfs = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": layers["name"],
           "OUTPUTFORMAT": "geojson", "COUNT": "3"}
    short, viewed = get(f"{peta_server}/ows", params=wfs), get(f"{peta_server}/ows", params=wfs, headers=auth)
    assert short.status_code == viewed.status_code == 200
    assert short.json()["features"] == viewed.json()["features"] and len(short.json()["features"]) == 3
    caps = {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}
    assert get(f"{peta_server}/ows", params=caps).content == get(f"{peta_server}/ows", params=caps,
                                                                 headers=auth).content
    # the portal's own checks hold on the short way too
    bad = getmap(peta_server, layers["name"], WIDTH="wide")
    assert b"WIDTH" in bad.content and b"ServiceException" in bad.content
    # withdrawn: the list is rewritten, the layer is no longer the short way's (nor anyone's)
    tk.get_action("package_patch")({"user": layers["user"]["name"]}, {"id": layers["public_pkg"],
                                                                     "private": True})
    assert b"ServiceException" in getmap(peta_server, layers["name"]).content
    assert getmap(peta_server, layers["name"], headers=auth).headers["Content-Type"] == "image/png"
