"""The city profile: everything that makes the portal Tangerang's and not another city's.

A profile is a folder (see profiles/tangerang) with city.yaml, opd.csv, wilayah.csv and demo/.
Another city copies the folder, edits it and points ``ckanext.tangerang.city_profile`` at it.
"""
from __future__ import annotations

import csv
import functools
import pathlib
from dataclasses import dataclass, field
from typing import Any

import yaml

PROFILES = pathlib.Path(__file__).parent / "profiles"
REQUIRED_KEYS = ("name", "portal_title", "region_code", "bbox", "walidata_org")


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class Opd:
    name: str
    title: str
    short_title: str
    email: str


@dataclass(frozen=True)
class CityProfile:
    folder: pathlib.Path
    meta: dict[str, Any]
    opds: tuple[Opd, ...] = field(default=())
    regions: tuple[Region, ...] = field(default=())

    @property
    def kecamatan(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.level == "kecamatan")

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        minx, miny, maxx, maxy = (float(v) for v in self.meta["bbox"])
        return minx, miny, maxx, maxy

    def bbox_geojson(self) -> dict[str, Any]:
        minx, miny, maxx, maxy = self.bbox
        ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
        return {"type": "Polygon", "coordinates": [ring]}

    def path(self, name: str) -> pathlib.Path:
        return self.folder / name


def resolve(value: str) -> pathlib.Path:
    """A shipped profile's name or a folder's path -> the folder."""
    candidate = pathlib.Path(value)
    folder = candidate if candidate.is_absolute() or "/" in value else PROFILES / value
    if not (folder / "city.yaml").is_file():
        raise ProfileError(f"city profile {value!r}: no city.yaml in {folder}")
    return folder


def _read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@functools.lru_cache(maxsize=8)
def load(value: str) -> CityProfile:
    folder = resolve(value)
    meta = yaml.safe_load((folder / "city.yaml").read_text(encoding="utf-8")) or {}
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise ProfileError(f"{folder / 'city.yaml'}: missing {', '.join(missing)}")
    opds = tuple(Opd(**row) for row in _read_csv(folder / "opd.csv"))
    regions = tuple(Region(**row) for row in _read_csv(folder / "wilayah.csv"))
    if meta["walidata_org"] not in {o.name for o in opds}:
        raise ProfileError(f"{folder}: walidata_org {meta['walidata_org']!r} is not in opd.csv")
    return CityProfile(folder=folder, meta=meta, opds=opds, regions=regions)


def current() -> CityProfile:
    """The profile named by the running portal's configuration."""
    import ckan.plugins.toolkit as tk

    return load(tk.config.get("ckanext.tangerang.city_profile"))
