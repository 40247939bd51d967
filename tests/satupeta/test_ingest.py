"""The reader on its own: files in, clean EPSG:4326 batches or a named problem out (no services)."""
from __future__ import annotations

import io
import json
import struct
import zipfile

import orjson
import pytest
import shapely

from ckanext.tangerang.satupeta import ingest

from satupeta_testlib import PLACES, bowtie, feature, geojson_bytes, points_geojson, shapefile_zip, square, \
    two_layer_geopackage, write_with_pyogrio


def read_all(path, label=None, crs=None, limits=None):
    report = ingest.Report()
    batches = list(ingest.read(path, label, crs, limits or ingest.Limits(batch_size=2), report=report))
    geoms = [g for b in batches for g in shapely.from_wkb(b.ewkb_hex)]
    return report, geoms, batches


def test_geojson_repairs_invalid_and_drops_empty(tmp_path):
    path = tmp_path / "bidang.geojson"
    path.write_bytes(geojson_bytes([
        feature(square(*PLACES[0]), nama="baik"),
        feature(bowtie(*PLACES[1]), nama="rusak"),
        feature(None, nama="kosong"),
        feature({"type": "Polygon", "coordinates": []}, nama="kosong juga"),
    ]))
    report, geoms, batches = read_all(path, "geojson")
    assert report.features_read == 4
    assert report.features_written == 2
    assert report.repaired == 1
    assert report.dropped_empty == 2
    assert report.source_crs == "EPSG:4326"
    assert all(g.is_valid for g in geoms)
    assert report.geometry_types == {"Polygon": 1, "MultiPolygon": 1}
    assert report.bbox[0] == pytest.approx(106.63) and report.bbox[3] == pytest.approx(-6.168)
    # properties travel with their geometry; fids are consecutive over batches
    props = [json.loads(p) for b in batches for p in b.properties]
    assert [p["nama"] for p in props] == ["baik", "rusak"]
    assert [int(f) for b in batches for f in b.fids] == [1, 2]


def test_shapefile_without_prj_needs_a_chosen_crs(tmp_path):
    path = tmp_path / "bidang.zip"
    path.write_bytes(shapefile_zip(tmp_path, 32748, prj=False))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "shp")
    assert "does not say its coordinate reference system" in e.value.message
    report, geoms, _ = read_all(path, "shp", "EPSG:32748")
    assert report.source_crs == "EPSG:32748"
    lon, lat = geoms[0].exterior.coords[0]
    assert lon == pytest.approx(PLACES[0][0], abs=1e-6) and lat == pytest.approx(PLACES[0][1], abs=1e-6)


def test_shapefile_prj_is_used_and_a_conflicting_choice_refused(tmp_path):
    path = tmp_path / "bidang.zip"
    path.write_bytes(shapefile_zip(tmp_path, 23834, prj=True))
    report, geoms, _ = read_all(path, "zip")
    assert report.source_crs == "EPSG:23834"
    assert geoms[0].exterior.coords[0][0] == pytest.approx(PLACES[0][0], abs=1e-5)
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "zip", "EPSG:32748")
    assert e.value.params == {"file_crs": "EPSG:23834", "chosen": "EPSG:32748"}


@pytest.mark.parametrize("name,driver,label,fmt", [
    ("sekolah.gpkg", "GPKG", "gpkg", "GeoPackage"),
    ("sekolah.kml", "KML", "kml", "KML"),
])
def test_geopackage_and_kml(tmp_path, name, driver, label, fmt):
    data = write_with_pyogrio(tmp_path, name, driver)
    path = tmp_path / ("upload-" + name)
    path.write_bytes(data)
    report, geoms, _ = read_all(path, label)
    assert report.format == fmt
    assert report.features_written == len(PLACES)
    assert (geoms[2].x, geoms[2].y) == pytest.approx(PLACES[2])


def test_csv_with_longitude_latitude_columns(tmp_path):
    path = tmp_path / "puskesmas.csv"
    path.write_text("nama,longitude,latitude\n" + "".join(
        f"Puskesmas {i},{lon},{lat}\n" for i, (lon, lat) in enumerate(PLACES)))
    report, geoms, batches = read_all(path, "csv")
    assert report.features_written == 5
    assert (geoms[0].x, geoms[0].y) == pytest.approx(PLACES[0])
    assert json.loads(batches[0].properties[0]) == {"nama": "Puskesmas 0"}


def test_csv_without_coordinates_is_named(tmp_path):
    path = tmp_path / "tabel.csv"
    path.write_text("nama,jumlah\nA,1\nB,2\n")
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "csv")
    assert "no longitude/latitude columns" in e.value.message


def test_zip_bomb_is_refused_before_reading(tmp_path):
    path = tmp_path / "bom.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bom.shp", b"\0" * 50_000_000)
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "zip")
    assert "zip bomb" in e.value.message
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "zip", limits=ingest.Limits(zip_max_bytes=10_000_000))
    assert e.value.params["size"] == "47"


def test_zip_with_too_many_entries(tmp_path):
    path = tmp_path / "banyak.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", b"x")
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "zip", limits=ingest.Limits(zip_max_entries=20))
    assert e.value.params == {"count": "30", "limit": "20"}


def test_vertex_limit(tmp_path):
    ring = shapely.Point(PLACES[0]).buffer(0.01, quad_segs=100)
    path = tmp_path / "besar.geojson"
    path.write_bytes(geojson_bytes([feature(square(*PLACES[1])),
                                    feature(json.loads(shapely.to_geojson(ring)))]))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "geojson", limits=ingest.Limits(max_vertices=100))
    assert e.value.params == {"number": "2", "count": "401", "limit": "100"}


def test_coordinates_outside_the_crs_area(tmp_path):
    # UTM metres in a file that claims (by GeoJSON's rule) longitude/latitude
    path = tmp_path / "salah.geojson"
    path.write_bytes(geojson_bytes([feature({"type": "Point", "coordinates": [677000, 9314000]})]))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "geojson")
    assert "outside the area where EPSG:4326 is used" in str(e.value)


def test_geographic_coordinates_with_a_utm_choice(tmp_path):
    path = tmp_path / "bidang.zip"
    path.write_bytes(shapefile_zip(tmp_path, None, prj=False))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "shp", "EPSG:23834")
    assert e.value.params["crs"] == "EPSG:23834"


def test_mixed_geometry_types(tmp_path):
    path = tmp_path / "campur.geojson"
    path.write_bytes(geojson_bytes([feature({"type": "Point", "coordinates": list(PLACES[0])}),
                                    feature({"type": "Point", "coordinates": list(PLACES[1])}),
                                    feature(square(*PLACES[2]))]))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "geojson")
    assert e.value.params == {"types": "Point, Polygon"} or "mixes geometry types" in e.value.message


def test_mislabeled_file(tmp_path):
    path = tmp_path / "data.geojson"
    path.write_bytes(shapefile_zip(tmp_path, 4326, prj=True))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "geojson")
    assert e.value.params == {"label": "GEOJSON", "found": "Shapefile (zip)"}


@pytest.mark.parametrize("content", [b'{"type": "FeatureCollection", "features": [{"type": "Feat',
                                     b"SQLite format 3\x00" + b"\x13" * 200])
def test_corrupt_files(tmp_path, content):
    path = tmp_path / "rusak"
    path.write_bytes(content)
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, None)
    assert e.value.message.startswith("The file could not be read as") or "damaged" in e.value.message


def test_not_a_geo_file(tmp_path):
    path = tmp_path / "gambar.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, None)
    assert "is not a GeoJSON" in e.value.message


def test_batches_stream(tmp_path):
    path = tmp_path / "titik.geojson"
    path.write_bytes(points_geojson(25))
    seen = []
    report = ingest.Report()
    batches = ingest.read(path, "geojson", None, ingest.Limits(batch_size=10),
                          lambda r, w, t: seen.append((r, w)), report)
    assert len(list(batches)) == 3
    assert seen == [(10, 10), (20, 20), (25, 25)]


def test_a_geopackage_of_several_layers_asks_which_one_and_reads_the_chosen(tmp_path):
    path = two_layer_geopackage(tmp_path)
    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "gpkg")
    assert e.value.params == {"count": "2", "layers": "sekolah, puskesmas"}

    report = ingest.Report()
    batches = list(ingest.read(path, "gpkg", None, ingest.Limits(), report=report, layer="puskesmas"))
    assert sum(len(b.fids) for b in batches) == 3
    assert report.source_layer == "puskesmas" and report.layers == ["sekolah", "puskesmas"]
    assert {orjson.loads(p)["nama"] for b in batches for p in b.properties} == \
        {"puskesmas 0", "puskesmas 1", "puskesmas 2"}

    with pytest.raises(ingest.LayerError) as e:
        list(ingest.read(path, "gpkg", None, ingest.Limits(), layer="jalan"))
    assert e.value.params == {"layer": "jalan", "layers": "sekolah, puskesmas"}


def test_a_zip_that_lies_about_its_sizes_is_refused_and_nothing_is_left_behind(tmp_path):
    """A declared size far below the real one passes the size and ratio checks; unpacking
    must still stop at the declared size and refuse the entry."""
    good = zipfile.ZipFile(io.BytesIO(shapefile_zip(tmp_path, 4326, prj=True)))
    path = tmp_path / "bohong.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in good.infolist():
            if info.filename.endswith(".dbf"):
                zf.writestr(info.filename, good.read(info) + b"\0" * 30_000_000)
            else:
                zf.writestr(info.filename, good.read(info))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        dbf = next(i for i in zf.infolist() if i.filename.endswith(".dbf"))
    # the local header's and the central directory's uncompressed size both say 900 bytes
    struct.pack_into("<I", data, dbf.header_offset + 22, 900)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(dbf.filename)] != dbf.filename.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 900)
    path.write_bytes(bytes(data))

    with pytest.raises(ingest.LayerError) as e:
        read_all(path, "zip")
    assert e.value.message.startswith("The zip file is damaged")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".unpack-")] == []


KML_WITH_ATTRIBUTES = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>dok</name>
<Schema name="taman" id="taman"><SimpleField name="kode" type="string"/><SimpleField name="luas" type="double"/></Schema>
<Folder><name>Taman</name>
<Placemark><name>A</name><ExtendedData><SchemaData schemaUrl="#taman"><SimpleData name="kode">T1</SimpleData><SimpleData name="luas">1.5</SimpleData></SchemaData></ExtendedData><Point><coordinates>106.63,-6.18</coordinates></Point></Placemark>
<Placemark><name>B</name><ExtendedData><Data name="pengelola"><value>DLH</value></Data></ExtendedData><Point><coordinates>106.64,-6.18</coordinates></Point></Placemark>
</Folder>
<Folder><name>Lain</name><Placemark><name>C</name><Point><coordinates>106.65,-6.18</coordinates></Point></Placemark></Folder>
</Document></kml>"""


def test_a_kml_keeps_the_attributes_qgis_and_google_earth_write(tmp_path):
    """GDAL's KML driver reads only Name and Description; ExtendedData is read by the portal."""
    import orjson

    path = tmp_path / "taman.kml"
    path.write_bytes(KML_WITH_ATTRIBUTES)
    report = ingest.Report()
    rows = [orjson.loads(p) for batch in ingest.read(path, "kml", None, ingest.Limits(), report=report,
                                                    layer="Taman") for p in batch.properties]
    assert [r["Name"] for r in rows] == ["A", "B"]
    assert rows[0]["kode"] == "T1" and rows[0]["luas"] == 1.5  # typed by the KML's Schema
    assert rows[1]["pengelola"] == "DLH" and "kode" not in rows[1]
    assert {"name": "luas", "type": "float64"} in report.fields
    assert report.id_field == "kode"
