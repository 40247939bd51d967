"""Helpers of the Satu Data tests (not fixtures: those are in conftest.py)."""
from __future__ import annotations

import json

# a polygon inside Kota Tangerang (Cipondoh)
EXTENT = {"type": "Polygon", "coordinates": [[[106.68, -6.20], [106.72, -6.20], [106.72, -6.16],
                                              [106.68, -6.16], [106.68, -6.20]]]}


def valid_dataset(**overrides) -> dict:
    """A dataset carrying every field of the Satu Data standard."""
    data = {
        "name": "jumlah-puskesmas",
        "title": "Jumlah Puskesmas per Kecamatan",
        "notes": "Jumlah puskesmas menurut kecamatan di Kota Tangerang.",
        "urusan": "kesehatan",
        "frekuensi": "tahunan",
        "tahun": "2024",
        "satuan": "unit",
        "cakupan_wilayah": ["36.71.05", "36.71.01"],
        "konsep_definisi": "Puskesmas: fasilitas pelayanan kesehatan tingkat pertama.",
        "klasifikasi": "Puskesmas rawat inap dan non rawat inap",
        "sumber_data": "Dinas Kesehatan Kota Tangerang",
        "metode_pengumpulan": "Pencatatan administrasi",
        "maintainer": "Seksi Data Dinkes",
        "maintainer_email": "data.dinkes@tangerangkota.go.id",
        "tingkat_akses": "terbuka",
        "spatial": json.dumps(EXTENT),
        "tag_string": "puskesmas,kesehatan",
    }
    data.update(overrides)
    return data


def api(app, action, data, user=None, status=200, lang=None):
    headers = {"Authorization": user["token"]} if user else {}
    prefix = f"/{lang}" if lang else ""
    res = app.post(f"{prefix}/api/3/action/{action}", json=data, headers=headers, status=status)
    return res.json
