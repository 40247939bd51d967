"""CQL2 filters to SQL (satupeta/cql.py) and the pure OGC documents (satupeta/ogc.py); no services."""
from __future__ import annotations

import pytest
import shapely
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from ckanext.tangerang.satupeta import cql, ogc

FIELDS = [{"name": "nama", "type": "str"}, {"name": "nomor", "type": "int64"},
          {"name": "luas", "type": "float64"}, {"name": "aktif", "type": "bool"}]
CRS_LIST = ogc.supported_crs([32748])


def sql(text, lang="cql2-text"):
    return cql.to_sql(text, lang, FIELDS)


def test_values_are_bound_never_written_into_the_sql():
    hostile = "x\\); DROP TABLE tangerang_satupeta_layer; --"
    where, params = sql(f"nama = '{hostile}' OR nomor IN (1, 2)")
    assert "DROP" not in where and hostile in params.values()
    assert set(params) == {"cql0", "cql1", "cql2", "cql3", "cql4"}
    # a property's name is a parameter too
    where, params = sql("nomor = 1")
    assert "nomor" not in where and params["cql0"] == "nomor"


def test_numeric_and_boolean_properties_are_cast_safely():
    where, _ = sql("nomor > 2 AND aktif = true AND luas BETWEEN 0.5 AND 2")
    assert "AS numeric" in where and "AS boolean" in where
    # a value of another JSON type reads as null rather than failing the cast
    assert where.count("jsonb_typeof") == 3


def test_text_and_json_encodings_agree():
    text = sql("nomor BETWEEN 1 AND 3 AND nama LIKE 'Blok%'")
    json_form = sql('{"op": "and", "args": [{"op": "between", "args": [{"property": "nomor"}, 1, 3]},'
                    ' {"op": "like", "args": [{"property": "nama"}, "Blok%"]}]}', "cql2-json")
    assert text == json_form


def test_bbox_literal_of_cql2_json_is_min_x_min_y_max_x_max_y():
    _, params = sql('{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [106, -7, 107, -6]}]}',
                    "cql2-json")
    assert shapely.from_wkb(params["cql0"]).bounds == (106, -7, 107, -6)


@pytest.mark.parametrize("text, says", [
    ("warna = 1", "unknown property warna; queryables: geometry, aktif, luas, nama, nomor"),
    ("nama = 1", "=: cannot compare a string with a number"),
    ("aktif < true", "< does not apply to a boolean"),
    ("nomor LIKE 'a%'", "LIKE needs a string, not a number"),
    ("nama LIKE 'a\\'", "a LIKE pattern must not end with the escape character"),
    ("S_INTERSECTS(nama, POINT(1 2))", "a spatial function needs geometries, not a string"),
    ("S_INTERSECTS(geometry, SRID=32748;POINT(1 2))", "give the CRS of the filter's geometries in filter-crs"),
    ("RELATE(geometry, POINT(1 2), 'XYZ')", "RELATE needs a 9-character pattern"),
    ("nomor * 2 = 4", "* is not supported"),
    ("nama = ", "Unexpected token"),
    ("x" * 20_001, "at most 20000 characters"),
    (" OR ".join(["nomor = 1"] * 400), "nested too deeply"),
])
def test_errors_name_the_problem(text, says):
    with pytest.raises(cql.FilterError) as e:
        sql(text)
    assert str(e.value).startswith(says)


@pytest.mark.parametrize("doc, says", [
    ('{"op": "in", "args": [{"property": "nomor"}, 5]}', "malformed operands"),
    ('{"op": "=", "args": [{"property": ["nomor"]}, 5]}', "a property's name must be a string"),
    ('{"op": "not", "args": []}', "list index out of range"),
    ('[' * 15_000 + ']' * 15_000, "at most 20000 characters"),
    ('[' * 9_000 + ']' * 9_000, "nested too deeply"),
    (r'{"op": "=", "args": [{"property": "nama"}, "\u0000"]}', "NUL characters are not allowed"),
])
def test_malformed_cql2_json_is_a_filter_error(doc, says):
    with pytest.raises(cql.FilterError) as e:
        sql(doc, "cql2-json")
    assert str(e.value).startswith(says)


def test_parse_filter_turns_errors_into_400_and_reprojects():
    with pytest.raises(ogc.OgcError) as e:
        ogc.parse_filter({"filter": "nama ="}, FIELDS, CRS_LIST)
    # Indonesian, then English
    assert e.value.status == 400 and e.value.description.startswith("filter tidak dapat dipakai: ")
    assert " / filter: Unexpected token" in e.value.description
    assert ogc.parse_filter({}, FIELDS, CRS_LIST) is None
    # EPSG:4326 is latitude first; the database's geometries are lon/lat
    _, params = ogc.parse_filter({"filter": "S_INTERSECTS(geometry, POINT(-6.2 106.6))",
                                  "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}, FIELDS, CRS_LIST)
    assert shapely.from_wkb(params["cql0"]).coords[0] == pytest.approx((106.6, -6.2))
    _, params = ogc.parse_filter({"filter": "S_INTERSECTS(geometry, POINT(668000 9315000))",
                                  "filter-crs": "EPSG:32748"}, FIELDS, CRS_LIST)
    lon, lat = shapely.from_wkb(params["cql0"]).coords[0]
    assert 106.4 < lon < 106.7 and -6.3 < lat < -6.1


def test_queryables_is_a_json_schema_of_the_fields():
    doc = ogc.queryables("http://x/ogc", {"id": "a", "title": "Blok", "fields": FIELDS, "geometry_family": "point"})
    Draft202012Validator.check_schema(doc)
    validator = Draft202012Validator({**doc, "properties": {k: v for k, v in doc["properties"].items()
                                                             if k != "geometry"}})
    assert validator.is_valid({"nama": "Blok 1", "nomor": 1, "luas": 2.5, "aktif": True})
    assert not validator.is_valid({"nomor": "satu"})
    assert doc["properties"]["geometry"]["format"] == "geometry-point-or-multipoint"


def test_prev_link_of_a_page_past_the_end():
    def prev(matched, offset, limit=10):
        doc = ogc.items("http://x/ogc", "a", [], matched, limit, offset, {})
        import orjson
        hrefs = [link["href"] for link in orjson.loads(doc)["links"] if link["rel"] == "prev"]
        return hrefs[0] if hrefs else None

    assert "offset=15" in prev(25, 40)  # the last ten features
    assert "offset=0" in prev(5, 40)
    assert prev(0, 40) is None
    assert "offset=10" in prev(25, 20)  # within the features: one page back, as before
    assert prev(25, 0) is None


def test_tile_matrix_limits_cover_the_box():
    limits = ogc.tile_matrix_limits([-180, -90, 180, 90])
    assert len(limits) == 25
    assert limits[2] == {"tileMatrix": "2", "minTileRow": 0, "maxTileRow": 3, "minTileCol": 0, "maxTileCol": 3}
    with pytest.raises(ogc.OgcError) as e:
        ogc.tile_matrix_set("WorldCRS84Quad")
    assert e.value.status == 404


def test_openapi_document_is_valid():
    doc = ogc.openapi("http://x/ogc", "Satu Peta", [{"id": "a"}, {"id": "b"}])
    validate(doc)
    for path, item in doc["paths"].items():
        assert {"200", "500"} <= set(item["get"]["responses"]), path
