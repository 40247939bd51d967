"""Sample files and small helpers of Satu Peta's tests."""
from __future__ import annotations

import io
import json
import pathlib
import zipfile

import numpy as np
import shapely
import sqlalchemy as sa
from pyproj import Transformer

# a few places in Kota Tangerang (lon, lat)
PLACES = [(106.63, -6.18), (106.64, -6.17), (106.66, -6.20), (106.70, -6.22), (106.61, -6.24)]


def feature_tables(engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE tablename LIKE 'tangerang_satupeta_f_%'")).scalars().all()


def square(lon: float, lat: float, d: float = 0.002) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d],
                                                [lon, lat + d], [lon, lat]]]}


def bowtie(lon: float, lat: float, d: float = 0.002) -> dict:
    """Self-intersecting: invalid, make_valid splits it in two triangles."""
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat + d], [lon + d, lat],
                                                [lon, lat + d], [lon, lat]]]}


def geojson_bytes(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def points_geojson(n: int = 5, start: int = 0) -> bytes:
    return geojson_bytes([feature({"type": "Point", "coordinates": list(PLACES[i % len(PLACES)])},
                                  nama=f"Titik {start + i}", nomor=start + i) for i in range(n)])


def shapefile_zip(tmp_path: pathlib.Path, epsg: int | None, prj: bool) -> bytes:
    """Zipped Shapefile of squares, coordinates in `epsg` (with or without its .prj)."""
    import pyogrio

    lonlat = [shapely.geometry.shape(square(lon, lat)) for lon, lat in PLACES]
    geoms = np.array(lonlat)
    if epsg and epsg != 4326:
        t = Transformer.from_crs(4326, epsg, always_xy=True)
        geoms = shapely.transform(geoms, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    path = folder / "bidang.shp"
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms), [np.array([f"Bidang {i}" for i in range(len(geoms))],
                                                              dtype=object)],
                  ["nama"], geometry_type="Polygon", crs=f"EPSG:{epsg}" if epsg else None,
                  driver="ESRI Shapefile")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.iterdir():
            if part.suffix == ".prj" and not prj:
                continue
            zf.write(part, part.name)
    return buf.getvalue()


def write_with_pyogrio(tmp_path: pathlib.Path, name: str, driver: str) -> bytes:
    import pyogrio

    geoms = np.array([shapely.Point(lon, lat) for lon, lat in PLACES])
    path = tmp_path / name
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms),
                  [np.array([f"Sekolah {i}" for i in range(len(geoms))], dtype=object),
                   np.arange(len(geoms), dtype="int64")],
                  ["nama", "nomor"], geometry_type="Point", crs="EPSG:4326", driver=driver)
    return path.read_bytes()



def two_layer_geopackage(tmp_path: pathlib.Path) -> pathlib.Path:
    """A GeoPackage of two point layers: sekolah (2 features) and puskesmas (3)."""
    import pyogrio

    path = tmp_path / "fasilitas.gpkg"
    for name, count in (("sekolah", 2), ("puskesmas", 3)):
        geoms = np.array([shapely.Point(lon, lat) for lon, lat in PLACES[:count]])
        pyogrio.raw.write(str(path), shapely.to_wkb(geoms),
                          [np.array([f"{name} {i}" for i in range(count)], dtype=object)], ["nama"],
                          geometry_type="Point", crs="EPSG:4326", driver="GPKG", layer=name,
                          append=path.exists())
    return path
