"""The Satu Data Indonesia dataset standard: fields, code lists, bad input, facets, completeness."""
from __future__ import annotations

import json

import pytest

from satudata_testlib import EXTENT, api, valid_dataset

REQUIRED = ["notes", "urusan", "frekuensi", "tahun", "satuan", "cakupan_wilayah", "maintainer_email"]


def test_full_dataset_round_trips_with_defaults(app, opd):
    data = valid_dataset(owner_org="dinkes")
    data.pop("tingkat_akses")
    created = api(app, "package_create", data, opd)["result"]

    shown = api(app, "package_show", {"id": created["id"]}, opd)["result"]
    assert shown["license_id"] == "cc-by"
    assert shown["tingkat_akses"] == "terbuka"
    assert shown["walidata"] == "Dinas Komunikasi dan Informatika Kota Tangerang"
    # stored in the code list's order
    assert shown["cakupan_wilayah"] == ["36.71.01", "36.71.05"]
    assert shown["frekuensi"] == "tahunan" and shown["tahun"] == "2024"
    assert shown["language"] == "id"  # the city's datasets are written in Indonesian unless told
    assert json.loads(shown["spatial"]) == EXTENT


def test_missing_required_fields_give_409_with_an_error_per_field(app, opd):
    data = {"name": "kosong", "title": "Kosong", "owner_org": "dinkes"}
    res = api(app, "package_create", data, opd, status=409)
    errors = res["error"]
    assert res["error"]["__type"] == "Validation Error"
    for field in REQUIRED:
        assert field in errors, field
    # Indonesian by default
    assert errors["satuan"] == ["Wajib diisi"]
    api(app, "package_show", {"id": "kosong"}, opd, status=404)


@pytest.mark.parametrize("lang, expected", [
    (None, 'Nilai "mingguan-kadang" tidak dikenal. Nilai yang diperbolehkan: harian'),
    ("en", 'Unknown value "mingguan-kadang". Allowed values: harian'),
])
def test_unknown_code_list_values_are_rejected_in_the_request_language(app, opd, lang, expected):
    data = valid_dataset(owner_org="dinkes", frekuensi="mingguan-kadang",
                         cakupan_wilayah=["36.71.05", "36.71.99"], tingkat_akses="rahasia",
                         urusan="olahraga-ekstrem", language="jv")
    errors = api(app, "package_create", data, opd, status=409, lang=lang)["error"]
    assert '"jv"' in errors["language"][0] and "id" in errors["language"][0] and "en" in errors["language"][0]
    assert errors["frekuensi"][0].startswith(expected)
    assert "36.71.99" in errors["cakupan_wilayah"][0]
    assert "rahasia" in errors["tingkat_akses"][0] and "terbuka" in errors["tingkat_akses"][0]
    assert "olahraga-ekstrem" in errors["urusan"][0]
    assert "36.71.05" not in errors["cakupan_wilayah"][0].split(":")[0]
    api(app, "package_show", {"id": data["name"]}, opd, status=404)


@pytest.mark.parametrize("spatial", [
    "{not json",
    json.dumps({"type": "Polygon", "coordinates": [[[106.7, -6.2]]]}),
    json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
    # easting/northing in UTM 48S given as if it were longitude/latitude
    json.dumps({"type": "Point", "coordinates": [690000, 9310000]}),
])
def test_malformed_spatial_extent_is_rejected(app, opd, spatial):
    errors = api(app, "package_create", valid_dataset(owner_org="dinkes", spatial=spatial),
                 opd, status=409)["error"]
    assert list(k for k in errors if k != "__type") == ["spatial"]


def test_unknown_license_is_rejected_and_names_the_allowed_ones(app, opd):
    errors = api(app, "package_create", valid_dataset(owner_org="dinkes", license_id="bebas-pakai"),
                 opd, status=409)["error"]
    assert "bebas-pakai" in errors["license_id"][0] and "cc-by" in errors["license_id"][0]


def test_bad_year_is_rejected(app, opd):
    errors = api(app, "package_create", valid_dataset(owner_org="dinkes", tahun="20x4"),
                 opd, status=409)["error"]
    assert "tahun" in errors


def test_failed_update_keeps_the_stored_dataset(app, opd):
    api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)
    api(app, "package_patch", {"id": "jumlah-puskesmas", "frekuensi": "sewindu", "satuan": "buah"},
        opd, status=409)
    shown = api(app, "package_show", {"id": "jumlah-puskesmas"}, opd)["result"]
    assert shown["frekuensi"] == "tahunan" and shown["satuan"] == "unit"


def _publish(app, data, opd, walidata):
    created = api(app, "package_create", data, opd)["result"]
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    return created


def test_facets_completeness_and_spatial_search(app, opd, walidata):
    _publish(app, valid_dataset(owner_org="dinkes"), opd, walidata)
    sparse = valid_dataset(owner_org="dinkes", name="sekolah", title="Sekolah", frekuensi="bulanan",
                           tahun="2023", cakupan_wilayah=["36.71"])
    for key in ("konsep_definisi", "klasifikasi", "sumber_data", "metode_pengumpulan",
                "maintainer", "spatial", "tag_string"):
        sparse.pop(key)
    _publish(app, sparse, opd, walidata)

    search = api(app, "package_search", {
        "facet.field": ["organization", "urusan", "frekuensi", "tahun",
                        "vocab_cakupan_wilayah", "kelengkapan"],
        "sort": "completeness desc"})["result"]
    assert [d["name"] for d in search["results"]] == ["jumlah-puskesmas", "sekolah"]
    facets = search["facets"]
    assert facets["frekuensi"] == {"tahunan": 1, "bulanan": 1}
    assert facets["tahun"] == {"2024": 1, "2023": 1}
    assert facets["vocab_cakupan_wilayah"] == {"36.71.01 Tangerang": 1, "36.71.05 Cipondoh": 1,
                                               "36.71 Kota Tangerang": 1}
    assert facets["kelengkapan"] == {"100%": 1, "50-79%": 1}
    assert facets["organization"] == {"dinkes": 2}

    found = api(app, "package_search", {"fq": 'vocab_cakupan_wilayah:"36.71.05 Cipondoh"'})["result"]
    assert [d["name"] for d in found["results"]] == ["jumlah-puskesmas"]
    inside = app.get("/api/3/action/package_search",
                     query_string={"ext_bbox": "106.69,-6.19,106.71,-6.17"}).json["result"]
    assert [d["name"] for d in inside["results"]] == ["jumlah-puskesmas"]


def test_search_page_shows_the_satu_data_facets_in_indonesian(app, opd, walidata):
    _publish(app, valid_dataset(owner_org="dinkes"), opd, walidata)
    html = app.get("/dataset/").body
    for title in ("Produsen data (OPD)", "Frekuensi pemutakhiran", "Tahun", "Cakupan wilayah",
                  "Kelengkapan"):
        assert title in html, title


def test_coverage_can_name_kelurahan_from_a_form_grouped_by_kecamatan(app, opd):
    import lxml.html

    form = lxml.html.fromstring(app.get("/dataset/new", headers={"Authorization": opd["token"]}).body)
    boxes = form.xpath('//fieldset[contains(@class, "tg-wilayah")]//input[@type="checkbox"]')
    assert len(boxes) == 1 + 13 + 104
    # each kelurahan sits, folded, under its kecamatan, and every box has its label
    keroncong = form.xpath('//input[@value="36.71.02.1001"]')[0]
    assert "Jatiuwung" in keroncong.xpath("ancestor::details/summary")[0].text_content()
    assert all(form.xpath(f'//label[@for="{b.get("id")}"]') for b in boxes)

    created = api(app, "package_create", valid_dataset(owner_org="dinkes", name="posyandu-keroncong",
                                                       cakupan_wilayah=["36.71.02.1001", "36.71.02"]),
                  opd)["result"]
    assert created["cakupan_wilayah"] == ["36.71.02", "36.71.02.1001"]
    page = lxml.html.fromstring(app.get("/dataset/edit/posyandu-keroncong",
                                        headers={"Authorization": opd["token"]}).body)
    assert page.xpath('//input[@value="36.71.02.1001"]')[0].get("checked") is not None
    assert page.xpath('//input[@value="36.71.02.1001"]/ancestor::details')[0].get("open") is not None
