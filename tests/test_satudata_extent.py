"""The spatial extent as the dataset page shows it (satudata/extent.py): pure logic."""
from __future__ import annotations

import json

from ckanext.tangerang.satudata import extent

CITY = (106.55, -6.30, 106.75, -6.10)
AREAS = [{"name": "Cipondoh", "bbox": [106.66, -6.20, 106.72, -6.15]},
         {"name": "Karawaci", "bbox": [106.58, -6.21, 106.63, -6.17]},
         {"name": "Benda", "bbox": [106.68, -6.14, 106.72, -6.10]}]


def _box(w, s, e, n):
    return json.dumps({"type": "Polygon",
                       "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})


def test_the_city_box_is_the_whole_city():
    shown = extent.view(_box(*CITY), CITY, AREAS)
    assert shown["whole_city"] and shown["areas"] == []
    assert shown["west"] == ("106.550", "E") and shown["south"] == ("6.300", "S")


def test_a_part_of_the_city_names_the_areas_it_overlaps():
    shown = extent.view(_box(106.60, -6.19, 106.69, -6.16), CITY, AREAS)
    assert not shown["whole_city"]
    assert shown["areas"] == ["Cipondoh", "Karawaci"]   # Benda lies north of it
    assert shown["north"] == ("6.160", "S") and shown["east"] == ("106.690", "E")


def test_the_map_draws_the_city_box_and_the_extent_inside_its_frame():
    shown = extent.view(_box(106.60, -6.19, 106.69, -6.16), CITY, [])
    svg = shown["svg"]
    assert svg["width"] == extent.SIZE and 0 < svg["height"] <= extent.SIZE
    coordinates = [float(v) for part in svg["extent"].replace("M", " ").replace("L", " ")
                   .replace("Z", " ").split() for v in part.split(",")]
    assert all(0 <= c <= max(svg["width"], svg["height"]) for c in coordinates)
    # y points down: the extent's north edge is drawn above its south edge
    ys = coordinates[1::2]
    assert min(ys) < max(ys)


def test_points_lines_and_features_are_drawn_and_bad_values_are_left_as_text():
    point = extent.view(json.dumps({"type": "Point", "coordinates": [106.63, -6.18]}), CITY,
                        AREAS)
    assert point["svg"]["extent"].startswith("M") and " a4,4 " in point["svg"]["extent"]
    feature = extent.view({"type": "Feature", "properties": {},
                           "geometry": json.loads(_box(106.60, -6.19, 106.69, -6.16))},
                          CITY, AREAS)
    assert feature["areas"] == ["Cipondoh", "Karawaci"]
    for bad in ("", None, "not json", '{"type": "Polygon"}', "[]"):
        assert extent.view(bad, CITY, AREAS) is None
