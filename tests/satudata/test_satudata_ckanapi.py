"""The standard `ckanapi` client (PyPI) searches, shows, creates and dumps against the portal
served by gunicorn, as the national portal's tools and city apps do."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import ckanapi
import pytest

from satudata_testlib import valid_dataset

CKANAPI = pathlib.Path(sys.executable).parent / "ckanapi"


def test_ckanapi_create_search_show_and_dump(satudata_server, opd, walidata, tmp_path):
    as_opd = ckanapi.RemoteCKAN(satudata_server, apikey=opd["token"])
    as_walidata = ckanapi.RemoteCKAN(satudata_server, apikey=walidata["token"])
    public = ckanapi.RemoteCKAN(satudata_server)

    created = as_opd.action.package_create(**valid_dataset(owner_org="dinkes"))
    assert created["private"] is True
    # bad input comes back as ckanapi's ValidationError, field by field
    with pytest.raises(ckanapi.ValidationError) as bad:
        as_opd.action.package_create(**valid_dataset(owner_org="dinkes", name="lain",
                                                     frekuensi="kadang-kadang"))
    assert "frekuensi" in bad.value.error_dict

    as_opd.action.tangerang_review_submit(id=created["id"])
    as_walidata.action.tangerang_review_approve(id=created["id"])

    found = public.action.package_search(q="puskesmas", **{"facet.field": ["frekuensi"]})
    assert [d["name"] for d in found["results"]] == ["jumlah-puskesmas"]
    assert found["facets"]["frekuensi"] == {"tahunan": 1}
    shown = public.action.package_show(id="jumlah-puskesmas")
    assert shown["cakupan_wilayah"] == ["36.71.01", "36.71.05"]

    out = tmp_path / "datasets.jsonl"
    run = subprocess.run([str(CKANAPI), "dump", "datasets", "--all", "-O", str(out), "-q",
                          "-r", satudata_server], timeout=120, capture_output=True, text=True,
                         # ckanapi starts its workers by name
                         env={**os.environ, "PATH": f"{CKANAPI.parent}:{os.environ['PATH']}"})
    assert run.returncode == 0, run.stdout + run.stderr
    dumped = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["name"] for d in dumped] == ["jumlah-puskesmas"]
    assert dumped[0]["tingkat_akses"] == "terbuka" and dumped[0]["satuan"] == "unit"
