"""Downloads: a count per resource, one zip of all of a dataset's files, and the demo content
of the city profile carrying the full standard."""
from __future__ import annotations

import io
import zipfile

from click.testing import CliRunner

from ckanext.tangerang.satudata.cli import satudata as satudata_command

from satudata_testlib import api, valid_dataset


def _upload(app, user, package_id, name, content):
    return app.post("/api/3/action/resource_create",
                    data={"package_id": package_id, "name": name, "format": "CSV",
                          "upload": (io.BytesIO(content), name)},
                    headers={"Authorization": user["token"]}).json["result"]


def test_download_counts_and_zip_of_all_files(app, opd, walidata):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    first = _upload(app, opd, created["id"], "puskesmas-2024.csv", b"kecamatan,jumlah\nCipondoh,3\n")
    second = _upload(app, opd, created["id"], "puskesmas-2023.csv", b"kecamatan,jumlah\nCipondoh,2\n")
    api(app, "resource_create", {"package_id": created["id"], "name": "Portal BPS",
                                 "url": "https://tangerangkota.bps.go.id/"}, opd)
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)

    for _ in range(2):
        res = app.get(first["url"].replace("http://test.ckan.net", ""))
        assert res.body == "kecamatan,jumlah\nCipondoh,3\n"
    count = app.get("/api/3/action/tangerang_download_count",
                    query_string={"id": first["id"]}).json["result"]["count"]
    assert count == 2

    res = app.get(f"/dataset/{created['name']}/zip")
    assert res.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(res.get_data()))
    assert sorted(archive.namelist()) == ["puskesmas-2023.csv", "puskesmas-2024.csv", "tautan.txt"]
    assert archive.read("puskesmas-2023.csv") == b"kecamatan,jumlah\nCipondoh,2\n"
    assert "https://tangerangkota.bps.go.id/" in archive.read("tautan.txt").decode()
    # the zip counts as a download of each file
    counts = [app.get("/api/3/action/tangerang_download_count", query_string={"id": r["id"]}).json
              ["result"]["count"] for r in (first, second)]
    assert counts == [3, 1]

    # the resource page shows the count in Indonesian
    page = app.get(f"/dataset/{created['name']}/resource/{first['id']}").body
    assert "Diunduh 3 kali" in page


def test_zip_and_counts_of_a_draft_stay_private(app, opd):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    resource = _upload(app, opd, created["id"], "draf.csv", b"a,b\n1,2\n")
    app.get(f"/dataset/{created['name']}/zip", status=404)
    app.get("/api/3/action/tangerang_download_count", query_string={"id": resource["id"]}, status=403)


def test_demo_content_carries_the_full_standard(app, clean_db, clean_index):
    # the group runs in this process, with the plugins of this test (`ckan tangerang satudata`)
    for command in (["sync-opd"], ["sync-urusan"], ["demo"]):
        result = CliRunner().invoke(satudata_command, command)
        assert result.exit_code == 0, result.output
    found = app.get("/api/3/action/package_search",
                    query_string={"facet.field": '["kelengkapan"]'}).json["result"]
    assert found["count"] == 5
    assert found["facets"]["kelengkapan"] == {"100%": 5}
    shown = app.get("/api/3/action/package_show",
                    query_string={"id": "jumlah-penduduk-per-kecamatan"}).json["result"]
    assert shown["frekuensi"] == "semesteran" and len(shown["cakupan_wilayah"]) == 13
