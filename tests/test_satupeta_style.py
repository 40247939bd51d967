"""Satu Peta's styles and MapServer's mapfiles: pure logic, with MapServer's own parser as the judge."""
from __future__ import annotations

import itertools
import os
import pathlib
import shutil
import subprocess
import uuid

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE
from lxml import etree

from ckanext.tangerang.satupeta import ows
from ckanext.tangerang.satupeta import style as styles

MAPSERV = shutil.which("mapserv") or "/usr/lib/cgi-bin/mapserv"


@pytest.mark.parametrize("vision", [None, "protanomaly", "deuteranomaly", "tritanomaly"])
def test_palette_colours_stay_apart_for_colour_blind_readers(vision):
    rgb = np.array([styles.rgb(c) for c in styles.PALETTE]) / 255
    if vision:
        rgb = np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100},
                                     "sRGB1"), 0, 1)
    closest = min(deltaE(rgb[i], rgb[j], input_space="sRGB1")
                  for i, j in itertools.combinations(range(len(rgb)), 2))
    assert closest >= 10, closest


FIELDS = [{"name": "nama", "type": "str"}, {"name": "luas", "type": "float64"}]


def test_style_defaults_and_checks():
    assert styles.normalise({}, "point", FIELDS)["symbol"] == "circle"
    style = styles.normalise({"fill": "#AABBCC", "size": "12", "label_field": "nama"}, "point", FIELDS)
    assert (style["fill"], style["size"], style["label_field"]) == ("#aabbcc", 12, "nama")
    with pytest.raises(styles.StyleError) as e:
        styles.normalise({"fill": "blue", "stroke_width": 99, "symbol": "star", "label_field": "x"},
                         "point", FIELDS)
    assert set(e.value.errors) == {"fill", "stroke_width", "symbol", "label_field"}
    with pytest.raises(styles.StyleError) as e:
        styles.normalise({"classify": {"field": "nama", "method": "ranges"}}, "polygon", FIELDS)
    assert "classify_method" in e.value.errors
    ranges = styles.normalise({"classify": {"field": "luas", "method": "ranges", "classes": [
        {"min": 0, "max": 10, "color": "#000000"}, {"min": "10", "max": "2500.5"}]}}, "polygon", FIELDS)
    assert [c["label"] for c in ranges["classify"]["classes"]] == ["0 - 10", "10 - 2,500.5"]


def test_computed_classes():
    assert [c["label"] for c in styles.range_classes([0, 5, 5, 10])] == ["0 - 5", "5 - 10"]
    cats = styles.category_classes(list("abcdefghij"), avoid=styles.PALETTE[0])
    assert len(cats) == len(styles.PALETTE) - 1
    assert styles.PALETTE[0] not in {c["color"] for c in cats}  # the rest keeps the fill colour


def test_layer_names_are_ncnames_and_map_back():
    rid = str(uuid.uuid4())
    name = ows.layer_name(rid)
    assert name.startswith("layer_") and "-" not in name
    assert ows.resource_id(name) == rid and ows.resource_id("ms:" + name) == rid
    assert ows.resource_id("layer_nope") is None and ows.resource_id("other") is None
    assert ows.named_layers({"LAYERS": f"{name},x", "query_layers": "y", "TYPENAMES": "(a,b)"}) == \
        [name, "x", "y", "a", "b"]


def test_attribute_names_are_made_safe():
    cols = ows.columns([{"name": "Nama Jalan"}, {"name": 'a"b'}, {"name": "fid"}, {"name": "nama_jalan"},
                        {"name": "x\ny"}, {"name": "ß"}])
    names = [c[0] for c in cols]
    assert names[0] == "Nama_Jalan" and names[1] == "a_b" and names[2] == "fid_2"
    assert "x\ny" not in [c[1] for c in cols]
    assert len(set(n.lower() for n in names)) == len(names)


@pytest.mark.skipif(not os.access(MAPSERV, os.X_OK), reason="MapServer's CGI program (cgi-mapserver)")
def test_hostile_names_and_values_cannot_break_out_of_the_mapfile(tmp_path: pathlib.Path):
    title = 'Jalan "Utama" END LAYER NAME x\\'
    layer = {"id": str(uuid.uuid4()), "table_name": "tangerang_satupeta_f_abc", "title": title,
             "geometry_family": "polygon", "bbox": [106.6, -6.3, 106.7, -6.2],
             "fields": [{"name": 'kec" END', "type": "str"}, {"name": "luas'); DROP TABLE x; --", "type": "float64"}],
             "style": styles.normalise({"classify": {"field": 'kec" END', "method": "categories", "classes": [
                 {"value": 'Pin"ang\\', "label": 'Pinang" END', "color": "#e69f00"}]},
                 "label_field": 'kec" END'}, "polygon",
                 [{"name": 'kec" END', "type": "str"}, {"name": "luas'); DROP TABLE x; --", "type": "float64"}])}
    service = ows.Service(title="Kota <Contoh>", abstract="a", srs=[4326, 3857], extent=(106.5, -6.4, 106.8, -6.0),
                          contact={"email": "x@example.org"}, organization="Kota Contoh", max_size=2048,
                          connection=ows.connection("postgresql://u:p'w\"d@127.0.0.1:1/db"),
                          font="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    ows.write(tmp_path, [layer], [layer], service)
    answer = ows.run(MAPSERV, tmp_path, "PUBLIC", {"SERVICE": "WMS", "VERSION": "1.3.0",
                                                   "REQUEST": "GetCapabilities"}, 30, "https://peta.example.org/ows")
    doc = etree.fromstring(answer.body)
    ns = {"w": "http://www.opengis.net/wms"}
    # MapServer read the mapfile whole: one layer, its title intact (a quote that escaped its
    # string would have ended the layer early or failed the parse)
    assert doc.xpath("//w:Layer/w:Layer/w:Title/text()", namespaces=ns) == [title]
    assert doc.xpath("//w:Layer/w:Layer/w:Name/text()", namespaces=ns) == [ows.layer_name(layer["id"])]
    href = doc.xpath("//w:GetMap//w:OnlineResource/@xlink:href",
                     namespaces={**ns, "xlink": "http://www.w3.org/1999/xlink"})[0]
    assert href.startswith("https://peta.example.org/ows?")
    assert oct(tmp_path.stat().st_mode & 0o777) == "0o700"  # the mapfiles hold the password
    # a `map` of the client's is dropped: only the portal names the mapfile
    answer = ows.run(MAPSERV, tmp_path, "PUBLIC", {"map": "/etc/passwd", "SERVICE": "WMS",
                                                   "REQUEST": "GetCapabilities"}, 30, "https://p.example.org/ows")
    assert b"root:" not in answer.body and b"WMS_Capabilities" in answer.body


def test_portal_checks_before_mapserver():
    # in Indonesian and English: a GIS client names no language
    assert "SERVICE tidak ada; gunakan WMS atau WFS" in ows.check({}).body.decode()
    assert "SERVICE is missing; use WMS or WFS" in ows.check({}).body.decode()
    assert b"REQUEST is missing" in ows.check({"service": "wms"}).body
    count = ows.check({"SERVICE": "WFS", "REQUEST": "GetFeature", "COUNT": "x"})
    assert count.status == 400 and "COUNT harus bilangan bulat 0 atau lebih, bukan &#x27;x&#x27;" in count.body.decode()

    def getmap(**kw):
        return ows.check({"SERVICE": "WMS", "REQUEST": "GetMap", **kw})
    bad = getmap(CRS="EPSG:4326", BBOX="106.5,-6.3,106.7,-6.1")
    assert b"BBOX" in bad.body and b"outside" in bad.body  # lon/lat given where 1.3.0 wants lat/lon
    assert getmap(CRS="EPSG:4326", BBOX="-6.3,106.5,-6.1,106.7") is None
    assert getmap(CRS="EPSG:32748", BBOX="650000,9300000,700000,9330000") is None
    assert getmap(CRS="EPSG:3857", BBOX="1e9,1e9,2e9,2e9") is not None
    assert getmap(CRS="EPSG:4326", BBOX="nan,1,2,3") is not None
