"""Publishing with Walidata review: OPD drafts, approval, sending back with a reason, history,
restricted datasets kept out of public search and API, the Walidata dashboard."""
from __future__ import annotations

import datetime

import ckan.tests.factories as factories
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from ckan import model
from ckan.lib import search

from satudata_testlib import api, valid_dataset


def _anonymous_names(app, **params):
    result = app.get("/api/3/action/package_search", query_string=params).json["result"]
    return [d["name"] for d in result["results"]]


def test_opd_draft_is_private_until_the_walidata_approves(app, opd, walidata):
    # asking for a public dataset does not make it public
    created = api(app, "package_create", valid_dataset(owner_org="dinkes", private=False), opd)["result"]
    assert created["private"] is True
    assert _anonymous_names(app) == []
    app.get("/api/3/action/package_show", query_string={"id": created["name"]}, status=403)

    # the OPD edits its draft: still not public
    api(app, "package_patch", {"id": created["id"], "private": False, "satuan": "buah"}, opd)
    assert _anonymous_names(app) == []

    # an OPD editor cannot approve its own dataset
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, opd, status=403)

    # the Walidata sees the OPD's draft before it is public
    shown = api(app, "package_show", {"id": created["id"]}, walidata)["result"]
    assert shown["satuan"] == "buah"
    walidata_search = api(app, "package_search", {"include_private": True}, walidata)["result"]
    assert [d["name"] for d in walidata_search["results"]] == ["jumlah-puskesmas"]

    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    assert _anonymous_names(app) == ["jumlah-puskesmas"]
    # later edits by the OPD keep it published
    api(app, "package_patch", {"id": created["id"], "satuan": "unit"}, opd)
    assert _anonymous_names(app) == ["jumlah-puskesmas"]
    # the OPD may withdraw it; publishing it again needs the Walidata
    api(app, "package_patch", {"id": created["id"], "private": True}, opd)
    assert _anonymous_names(app) == []
    api(app, "package_patch", {"id": created["id"], "private": False}, opd)
    assert _anonymous_names(app) == []


def test_sent_back_with_a_reason_the_opd_sees_in_its_history(app, opd, walidata):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    # a second submit while waiting is refused
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd, status=409)

    errors = api(app, "tangerang_review_return", {"id": created["id"]}, walidata, status=409)["error"]
    assert "reason" in errors
    api(app, "tangerang_review_return",
        {"id": created["id"], "reason": "Satuan tidak sesuai standar BPS"}, walidata)

    history = api(app, "tangerang_review_history", {"id": created["id"]}, opd)["result"]
    assert history["status"] == "returned"
    assert [s["status"] for s in history["steps"]] == ["returned", "submitted"]
    assert history["steps"][0]["reason"] == "Satuan tidak sesuai standar BPS"
    assert history["steps"][0]["user"] == walidata["name"]

    # the history is the OPD's and the Walidata's business only
    other = factories.UserWithToken()
    api(app, "tangerang_review_history", {"id": created["id"]}, other, status=403)
    api(app, "tangerang_review_history", {"id": created["id"]}, None, status=403)

    # the dataset page shows the OPD the reason and the completeness
    page = app.get(f"/dataset/{created['name']}", headers={"Authorization": opd["token"]}).body
    assert "Satuan tidak sesuai standar BPS" in page
    assert "Dikembalikan ke OPD" in page
    assert "100%" in page


def test_restricted_datasets_never_reach_the_public(app, opd, walidata):
    ids = {}
    for name, access in (("data-terbatas", "terbatas"), ("data-tertutup", "tertutup"),
                         ("data-terbuka", "terbuka")):
        created = api(app, "package_create",
                      valid_dataset(owner_org="dinkes", name=name, tingkat_akses=access), opd)["result"]
        ids[name] = created["id"]
        api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
        api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)

    assert _anonymous_names(app) == ["data-terbuka"]
    for name in ("data-terbatas", "data-tertutup"):
        app.get("/api/3/action/package_show", query_string={"id": name}, status=403)
        for url in (f"/dataset/{name}", f"/dataset/{name}.ttl", f"/dataset/{name}.jsonld"):
            res = app.get(url, expect_errors=True)
            assert res.status_code in (403, 404) and "Puskesmas" not in res.body, url
    # DCAT names datasets by id
    catalog = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    listed = {str(d).rsplit("/", 1)[-1] for d in catalog.subjects(RDF.type, DCAT.Dataset)}
    assert listed == {ids["data-terbuka"]}

    # an OPD cannot open a restricted dataset by editing it
    api(app, "package_patch", {"id": "data-terbatas", "private": False}, opd)
    assert "data-terbatas" not in _anonymous_names(app)
    # the OPD itself still finds its restricted data
    mine = api(app, "package_search", {"include_private": True}, opd)["result"]
    assert sorted(d["name"] for d in mine["results"]) == ["data-terbatas", "data-terbuka", "data-tertutup"]


def test_walidata_dashboard_lists_waiting_and_overdue_datasets(app, opd, walidata):
    waiting = api(app, "package_create", valid_dataset(owner_org="dinkes", name="menunggu"), opd)["result"]
    api(app, "tangerang_review_submit", {"id": waiting["id"]}, opd)
    daily = api(app, "package_create",
                valid_dataset(owner_org="dinkes", name="harian-lama", frekuensi="harian"), opd)["result"]
    api(app, "package_create", valid_dataset(owner_org="dinkes", name="tahunan-baru"), opd)
    # the daily dataset was last updated ten days ago
    pkg = model.Package.get(daily["id"])
    pkg.metadata_modified = datetime.datetime.utcnow() - datetime.timedelta(days=10)
    model.Session.commit()
    search.rebuild(daily["id"])

    dashboard = api(app, "tangerang_walidata_dashboard", {}, walidata)["result"]
    assert [d["name"] for d in dashboard["waiting"]] == ["menunggu"]
    assert [(d["name"], d["frekuensi"]) for d in dashboard["overdue"]] == [("harian-lama", "harian")]
    assert dashboard["overdue"][0]["days_late"] >= 8

    api(app, "tangerang_walidata_dashboard", {}, opd, status=403)
    page = app.get("/walidata", headers={"Authorization": walidata["token"]}).body
    assert "Menunggu pemeriksaan" in page and "menunggu" in page and "harian-lama" in page
    app.get("/walidata", headers={"Authorization": opd["token"]}, status=403)


def test_walidata_named_in_config_without_membership(app, opd, ckan_config, monkeypatch):
    named = factories.UserWithToken()
    monkeypatch.setitem(ckan_config, "ckanext.tangerang.satudata.walidata_users", [named["name"]])
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    api(app, "tangerang_review_approve", {"id": created["id"]}, named)
    assert _anonymous_names(app) == ["jumlah-puskesmas"]
