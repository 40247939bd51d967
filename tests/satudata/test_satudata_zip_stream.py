"""The zip of a dataset's files is streamed: memory does not grow with the files' size."""
from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile

import pytest

from ckan.lib import uploader

from satudata_testlib import api, valid_dataset

pytestmark = pytest.mark.services

MB = 1 << 20


def _upload(app, user, package_id, name, content):
    return app.post("/api/3/action/resource_create",
                    data={"package_id": package_id, "name": name, "format": "CSV",
                          "upload": (io.BytesIO(content), name)},
                    headers={"Authorization": user["token"]}).json["result"]


def test_zip_of_a_large_dataset_is_streamed_whole(app, opd, walidata, tmp_path):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    big = _upload(app, opd, created["id"], "sensus.csv", b"a,b\n1,2\n")
    small = _upload(app, opd, created["id"], "kecil.csv", b"kecamatan,jumlah\nCipondoh,3\n")
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    # the stored file made large in place (random bytes: deflate cannot shrink them)
    path = uploader.get_resource_uploader(big).get_path(big["id"])
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(48):
            block = os.urandom(MB)
            digest.update(block)
            f.write(block)

    out = tmp_path / "dataset.zip"
    tracemalloc.start()
    try:
        res = app.get(f"/dataset/{created['name']}/zip", buffered=False)
        assert res.status_code == 200
        assert res.headers["Content-Type"] == "application/zip"
        assert res.is_streamed
        with open(out, "wb") as f:
            for chunk in res.response:
                f.write(chunk)
        res.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"zip of 48 MB streamed with a Python heap peak of {peak / MB:.2f} MB")
    # a zip built in memory holds all 48 MB at once
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"

    archive = zipfile.ZipFile(out)
    assert archive.testzip() is None  # every member's CRC checks out
    assert sorted(archive.namelist()) == ["kecil.csv", "sensus.csv"]
    assert archive.getinfo("sensus.csv").file_size == 48 * MB
    with archive.open("sensus.csv") as member:
        read = hashlib.sha256()
        while block := member.read(MB):
            read.update(block)
    assert read.hexdigest() == digest.hexdigest()
    assert archive.read("kecil.csv") == b"kecamatan,jumlah\nCipondoh,3\n"
    counts = [app.get("/api/3/action/tangerang_download_count", query_string={"id": r["id"]})
              .json["result"]["count"] for r in (big, small)]
    assert counts == [1, 1]


def test_zip_over_the_size_limit_is_refused_before_streaming(app, opd, walidata, ckan_config):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    _upload(app, opd, created["id"], "a.csv", b"x" * 2000)
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    ckan_config["ckanext.tangerang.satudata.zip_max_bytes"] = 1000
    res = app.get(f"/dataset/{created['name']}/zip")
    assert res.status_code == 413
