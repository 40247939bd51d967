"""Pure logic of Satu Data's tables: reading headers and files, choosing a chart, neutralising
formulas, the chart palette's contrast. No services."""
from __future__ import annotations

import pathlib

import pytest

from ckanext.tangerang.satudata.tables import chart, export, read


def test_column_names_rename_repeats_and_strip_what_the_datastore_refuses():
    source = read.Source(path=pathlib.Path("x"), kind="csv", encoding="UTF8", delimiter=",",
                         header=[], decimal_comma=False)
    names = read.column_names(["nilai", " Nilai ", "_id", 'a"b', "", "x" * 70], source)
    assert names == ["nilai", "Nilai_2", "id", "ab", None, "x" * 63]
    assert len(source.warnings) == 4
    with pytest.raises(read.TableError, match="no column names"):
        read.column_names(["", "  "])
    with pytest.raises(read.TableError, match="at most 3"):
        read.column_names(["a", "b", "c", "d"], limits=read.Limits(max_columns=3))


def test_encoding_and_delimiter_of_an_indonesian_excel_csv(tmp_path):
    path = tmp_path / "id.csv"
    path.write_bytes("Kecamatan;Luas (km²)\r\nCibodas;9,61\r\n".encode("cp1252"))
    source = read.sniff_text(path, "csv")
    assert (source.encoding, source.delimiter, source.decimal_comma) == ("WIN1252", ";", True)
    assert source.header == ["Kecamatan", "Luas (km²)"]
    path.write_bytes("\ufeffa,b\n1,\"2,5\"\n".encode("utf-8"))
    source = read.sniff_text(path, "csv")
    assert (source.encoding, source.delimiter, source.header, source.decimal_comma) == \
        ("UTF8", ",", ["a", "b"], True)
    # a multi-byte character cut by the sample's end is still UTF-8
    assert read.text_encoding("é".encode()[:1]) == "UTF8"
    assert read.text_encoding(b"caf\xe9 ") == "WIN1252"


def test_kind_is_judged_by_content_before_label(tmp_path):
    text = tmp_path / "data.bin"
    text.write_text("a,b\n1,2\n")
    assert read.kind_of(text, "CSV") == "csv" and read.kind_of(text, "tsv") == "tsv"
    assert read.kind_of(text, "PDF") is None
    ole = tmp_path / "old.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert read.kind_of(ole, "csv") == "xls"


def test_the_header_is_found_below_title_rows():
    rows = [["Jumlah Penduduk 2023", "", ""], ["", "", ""], ["kecamatan", "jumlah", "luas"],
            ["Cibodas", 1, 2]]
    assert read.header_row(rows) == 2
    assert read.header_row([["nama"], ["Cibodas"]]) == 0
    with pytest.raises(read.TableError):
        read.header_row([["", ""], []])


FIELDS = [{"id": "_id", "type": "int4"}, {"id": "tahun", "type": "int4"},
          {"id": "kecamatan", "type": "text"}, {"id": "jumlah", "type": "int8"},
          {"id": "luas", "type": "numeric"}]


def test_default_chart_is_a_line_per_category_over_the_years():
    assert chart.choose(FIELDS, {}) == {"chart_type": "line", "x": "tahun", "y": "jumlah",
                                        "group": "kecamatan"}
    no_year = [f for f in FIELDS if f["id"] != "tahun"]
    assert chart.choose(no_year, {}) == {"chart_type": "bar", "x": "kecamatan", "y": "jumlah",
                                         "group": None}
    # the officer's choice, where it names the table's columns; a made-up column is ignored
    assert chart.choose(FIELDS, {"x": "kecamatan", "y": "luas", "chart_type": "bar"}) == \
        {"chart_type": "bar", "x": "kecamatan", "y": "luas", "group": None}
    assert chart.choose(FIELDS, {"y": 'x"; DROP TABLE t; --'})["y"] == "jumlah"
    assert chart.choose([{"id": "nama", "type": "text"}], {}) is None
    # the demo's table: a total by name, not the first count by code
    demo = [{"id": "kode_wilayah", "type": "text"}, {"id": "kecamatan", "type": "text"},
            {"id": "laki_laki", "type": "int4"}, {"id": "jumlah", "type": "int4"}]
    assert chart.choose(demo, {}) == {"chart_type": "bar", "x": "kecamatan", "y": "jumlah", "group": None}


def test_points_sql_quotes_names_and_summary_names_extremes():
    sql = chart.points_sql("abc", {"x": 'ta"hun', "y": "jumlah", "group": None})
    assert 'SELECT "ta""hun" AS x, NULL AS g, sum("jumlah")' in sql and 'FROM "abc"' in sql
    rows = [{"x": 2020, "g": None, "y": 5, "n": 1}, {"x": 2021, "g": None, "y": 9, "n": 2}]
    built = chart.build({"chart_type": "line", "x": "tahun", "y": "jumlah", "group": None}, rows,
                        str, lambda s: s)
    assert built["summed"] is True and [p["label"] for p in built["points"]] == ["2020: 5.0", "2021: 9.0"]
    assert "Highest: 2021: 9.0" in built["summary"] and "from 5.0 to 9.0" in built["summary"]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", chart.PALETTE)
def test_every_series_colour_has_text_contrast_on_white(colour):
    ratio = (1.05) / (_luminance(colour) + 0.05)
    assert ratio >= 4.5, f"{colour}: {ratio:.2f}"


def test_formulas_are_neutralised_but_numbers_are_not():
    assert [export.neutralise(v) for v in ("=1+1", "+62", "-x", "@A1", "\tx", "biasa", -5, None)] == \
        ["'=1+1", "'+62", "'-x", "'@A1", "'\tx", "biasa", -5, None]
    fields = [{"id": "a", "type": "text"}, {"id": "b", "type": "int4"}]
    body = b"".join(export.delimited(fields, iter([[["=cmd", -1]]]), ",")).decode("utf-8")
    assert body == "\ufeffa,b\r\n'=cmd,-1\r\n"
