"""Test factories for the portal as shipped: its scheming schema (the Satu Data standard) makes
title, notes, urusan, frekuensi, tahun, satuan, cakupan_wilayah, maintainer_email and
tingkat_akses required, so CKAN's bare ``factories.Dataset`` would be refused."""
from __future__ import annotations

import factory

import ckan.tests.factories as factories


class Dataset(factories.Dataset):
    """CKAN's dataset factory with every required field of the Satu Data standard filled."""

    notes = factory.LazyFunction(lambda: "Data uji portal Satu Data Kota Tangerang.")
    urusan = "kesehatan"
    frekuensi = "tahunan"
    tahun = "2024"
    satuan = "unit"
    cakupan_wilayah = factory.LazyFunction(lambda: ["36.71"])
    maintainer_email = "data@tangerangkota.go.id"
    tingkat_akses = "terbuka"


def standard_fields(**fields) -> dict:
    """The Satu Data standard's required fields, for a package_create sent through the API."""
    return {"notes": "Data uji portal Satu Data Kota Tangerang.", "urusan": "kesehatan",
            "frekuensi": "tahunan", "tahun": "2024", "satuan": "unit", "cakupan_wilayah": ["36.71"],
            "maintainer_email": "data@tangerangkota.go.id", "tingkat_akses": "terbuka", **fields}
