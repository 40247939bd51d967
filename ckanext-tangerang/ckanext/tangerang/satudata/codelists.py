"""The code lists of the Satu Data standard (kode referensi).

National lists (frekuensi, tingkat akses, urusan pemerintahan) ship as CSV files in codelists/;
the region codes (cakupan wilayah) come from the city profile's wilayah.csv.
"""
from __future__ import annotations

import csv
import functools
import pathlib
from dataclasses import dataclass

from ckanext.tangerang import city

FOLDER = pathlib.Path(__file__).parent / "codelists"
NATIONAL = ("frekuensi", "tingkat_akses", "urusan", "bahasa")
WILAYAH = "wilayah"


@dataclass(frozen=True)
class Code:
    value: str
    label_id: str
    label_en: str
    days: int | None = None  # frekuensi only: the longest gap between two updates
    uri: str | None = None  # the matching concept of a published vocabulary (DCAT output)
    eu_theme: str | None = None  # urusan only: the EU data theme it falls under (DCAT output)
    iso_topic: str | None = None  # urusan only: its ISO 19115 topic category (CSW output)

    def label(self, lang: str | None) -> str:
        return self.label_en if lang == "en" else self.label_id


@functools.lru_cache(maxsize=None)
def _national(name: str) -> tuple[Code, ...]:
    with (FOLDER / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Code(row["value"], row["label_id"], row["label_en"],
                 int(row["days"]) if row.get("days") else None, row.get("uri") or None,
                 row.get("eu_theme") or None, row.get("iso_topic") or None)
            for row in csv.DictReader(f)
        )


@dataclass(frozen=True)
class FileType:
    """A file format as the registers name it: the EU file-type authority and IANA's media types."""
    uri: str
    media_type: str | None  # e.g. "text/csv"; none for a service protocol (WMS, WFS)


@functools.lru_cache(maxsize=None)
def _file_types() -> dict[str, FileType]:
    # codelists/file_type.csv: the labels a CKAN resource's `format` carries, "|"-separated
    with (FOLDER / "file_type.csv").open(encoding="utf-8", newline="") as f:
        return {label.strip().casefold(): FileType(row["file_type"], row["media_type"] or None)
                for row in csv.DictReader(f) for label in row["labels"].split("|")}


def file_type(label: str | None) -> FileType | None:
    """The registers' entry of a CKAN format label (case and a leading dot ignored)."""
    return _file_types().get((label or "").strip().lstrip(".").casefold())


def codes(name: str) -> tuple[Code, ...]:
    if name == WILAYAH:
        # a region's name is the same in both languages
        return tuple(Code(r.code, r.name, r.name) for r in city.current().regions)
    if name not in NATIONAL:
        raise KeyError(f"unknown code list {name!r}")
    return _national(name)


def values(name: str) -> list[str]:
    return [c.value for c in codes(name)]


def get(name: str, value: str) -> Code | None:
    return next((c for c in codes(name) if c.value == value), None)


# the code lists a data standard's field may name (Standar Data, tables/standard.py): the national
# lists, and the city's regions by level (kecamatan, kelurahan; wilayah for all)
def standard_codes(name: str) -> list[str] | None:
    regions = city.current().regions
    levels = {r.level for r in regions}
    if name == WILAYAH:
        return [r.code for r in regions]
    if name in levels:
        return [r.code for r in regions if r.level == name]
    if name in NATIONAL:
        return values(name)
    return None


def standard_code_lists() -> list[str]:
    levels = sorted({r.level for r in city.current().regions})
    return [WILAYAH, *levels, *NATIONAL]
