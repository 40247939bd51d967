"""A city's wilayah.csv (Kemendagri region codes: the city, its kecamatan and its kelurahan/desa)
from the idn-area-data package (npm, ODbL 1.0), whose CSV files follow the Minister of Home
Affairs' latest decree on region codes. `ckan tangerang city wilayah` writes it."""
from __future__ import annotations

import csv
import pathlib
from collections.abc import Iterator

FIELDS = ("code", "name", "level", "parent")


def _rows(path: pathlib.Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def rows(source: pathlib.Path, regency_code: str) -> list[dict[str, str]]:
    """The regency (kota or kabupaten) `regency_code`, its districts and its villages."""
    regency = next((r for r in _rows(source / "regencies.csv") if r["code"] == regency_code), None)
    if regency is None:
        raise KeyError(f"no regency {regency_code} in {source / 'regencies.csv'}")
    name = regency["name"]
    out = [{"code": regency_code, "name": name,
            "level": "kota" if name.startswith("Kota ") else "kabupaten",
            "parent": regency["province_code"]}]
    districts = [d for d in _rows(source / "districts.csv") if d["regency_code"] == regency_code]
    out += [{"code": d["code"], "name": d["name"], "level": "kecamatan", "parent": regency_code}
            for d in sorted(districts, key=lambda d: d["code"])]
    codes = {d["code"] for d in districts}
    villages = [v for v in _rows(source / "villages.csv") if v["district_code"] in codes]
    # the village part of the code says which: 1xxx a kelurahan, 2xxx a desa
    out += [{"code": v["code"], "name": v["name"],
             "level": "kelurahan" if v["code"].rsplit(".", 1)[1].startswith("1") else "desa",
             "parent": v["district_code"]}
            for v in sorted(villages, key=lambda v: v["code"])]
    return out


def write(path: pathlib.Path, regions: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(regions)
