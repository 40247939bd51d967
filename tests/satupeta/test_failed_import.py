"""A failed import marks its resource (#12): officers who may edit the dataset see on the resource
page and in the dataset's list of files that the map layer failed, why, and where to fix it; the
public and officers of other organizations see no map view, OGC link or map service of it, only
the file's download; the DCAT output offers no OGC API for it while a layer imported well in the
same dataset keeps its own."""
from __future__ import annotations

import io
import re

import markupsafe
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from ckan.tests import factories, helpers

import satu_factories

from satupeta_testlib import points_geojson

pytestmark = [pytest.mark.services,
              pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store",
                                      "with_test_worker", "clean_queues"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "true")]

# a plain text file that an officer labelled GeoJSON: its import fails
NOT_A_MAP = b"Daftar sekolah dasar negeri di Kecamatan Cipondoh, lihat lampiran.\n"


def work() -> None:
    """Runs the queued jobs as `ckan jobs worker` does."""
    from ckan.lib import jobs as ckan_jobs

    ckan_jobs.Worker().work(burst=True)


def _officer(capacity: str = "editor") -> dict:
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": capacity}])
    return {"user": user, "org": org, "auth": {"Authorization": factories.APIToken(user=user["name"])["token"]}}


def _upload(app, officer, package_id, data: bytes, filename: str, **fields) -> dict:
    """A multipart resource_create, as the officer's browser or API client sends it."""
    res = app.post("/api/3/action/resource_create",
                   data={"package_id": package_id, "upload": (io.BytesIO(data), filename), **fields},
                   headers=officer["auth"], content_type="multipart/form-data")
    assert res.status_code == 200, res.body
    return res.json["result"]


def _item(page: str, resource_id: str) -> str:
    """The dataset page's list entry of one resource."""
    match = re.search(rf'<li class="resource-item" data-id="{resource_id}">(.*?)</li>\s*(?:<li class="resource-item"|</ul>)',
                      page, re.S)
    assert match, f"resource {resource_id} not listed"
    return match.group(1)


@pytest.fixture
def dataset_with_a_failed_layer(app):
    officer = _officer()
    ds = satu_factories.Dataset(owner_org=officer["org"]["id"], title="Fasilitas Pendidikan dan Kesehatan")
    good = _upload(app, officer, ds["id"], points_geojson(3), "puskesmas.geojson", format="GeoJSON",
                   name="Lokasi Puskesmas")
    bad = _upload(app, officer, ds["id"], NOT_A_MAP, "sekolah.geojson", format="GeoJSON",
                  name="Lokasi Sekolah")
    views = {}
    for res in (good, bad):
        views[res["id"]] = helpers.call_action(
            "resource_view_create", {"user": officer["user"]["name"]}, resource_id=res["id"],
            view_type="satupeta_view", title="Peta")["id"]
    work()
    good_run = helpers.call_action("tangerang_satupeta_layer_show", id=good["id"])["import"]
    bad_run = helpers.call_action("tangerang_satupeta_layer_show", id=bad["id"])["import"]
    assert good_run["status"] == "done", good_run["error_message"]
    assert bad_run["status"] == "failed"
    return {"officer": officer, "dataset": ds, "good": good, "bad": bad, "views": views,
            "message": bad_run["error_message"]}


def test_the_officer_sees_why_the_import_failed_and_how_to_fix_it(app, dataset_with_a_failed_layer):
    case = dataset_with_a_failed_layer
    ds, bad, good, auth = case["dataset"], case["bad"], case["good"], case["officer"]["auth"]
    layer_page = f"/dataset/{ds['name']}/resource/{bad['id']}/layer"
    message = str(markupsafe.escape(case["message"]))

    page = app.get(f"/en/dataset/{ds['id']}/resource/{bad['id']}", headers=auth).body
    alert = page.split('role="alert"', 1)[1].split("</div>", 1)[0]  # a status in words, not colour
    assert "The import failed." in alert and message in alert
    assert "correct the file and upload it again" in page
    assert f'href="/en{layer_page}"' in page
    assert "Choose the coordinate reference system or layer on the map layer page" in page

    # in the portal's language (Indonesian) too
    indonesian = app.get(f"/dataset/{ds['id']}/resource/{bad['id']}", headers=auth).body
    assert "Impor gagal." in indonesian and message not in indonesian
    assert "Choose the coordinate reference system" not in indonesian
    assert f'href="{layer_page}"' in indonesian

    # the dataset's list of files: the failed one says so, with its message and the way to fix it
    listing = app.get(f"/en/dataset/{ds['name']}", headers=auth).body
    entry = _item(listing, bad["id"])
    assert 'role="status"' in entry and "Map layer: the import failed." in entry and message in entry
    assert f'href="/en{layer_page}"' in entry and "upload a corrected file" in entry
    assert "Visitors see no map for this file" in entry
    assert "Map layer: the import failed." not in _item(listing, good["id"])
    entry_id = _item(app.get(f"/dataset/{ds['name']}", headers=auth).body, bad["id"])
    assert "Lapisan peta: impor gagal." in entry_id and message not in entry_id


@pytest.mark.parametrize("viewer", ["anonymous", "editor of another organization"])
def test_others_see_no_broken_layer_but_the_file(app, dataset_with_a_failed_layer, viewer):
    case = dataset_with_a_failed_layer
    ds, bad, good = case["dataset"], case["bad"], case["good"]
    auth = _officer()["auth"] if viewer != "anonymous" else {}

    page = app.get(f"/en/dataset/{ds['id']}/resource/{bad['id']}", headers=auth).body
    assert case["views"][bad["id"]] not in page and 'id="satupeta-map"' not in page
    assert f"/ogc/collections/{bad['id']}" not in page and f"/resource/{bad['id']}/layer" not in page
    assert "The import failed" not in page and str(markupsafe.escape(case["message"])) not in page
    assert f"/resource/{bad['id']}/download/sekolah.geojson" in page  # the file stays
    assert "Satupeta layer state" not in page  # the state key is no field of the resource's table

    # the layer imported well is shown on its map (so the checks above can see a map)
    good_page = app.get(f"/en/dataset/{ds['id']}/resource/{good['id']}", headers=auth).body
    assert 'id="satupeta-map"' in good_page

    listing = app.get(f"/en/dataset/{ds['name']}", headers=auth).body
    entry = _item(listing, bad["id"])
    assert "Preview" not in entry and "More information" in entry  # no map view behind it
    assert f"/resource/{bad['id']}/download/sekolah.geojson" in entry
    assert "Map layer" not in entry and "satupeta-item-status" not in entry
    assert f"/ogc/collections/{bad['id']}" not in listing
    assert "Preview" in _item(listing, good["id"])

    collections = app.get("/ogc/collections?f=json", headers=auth).json["collections"]
    assert [c["id"] for c in collections] == [good["id"]]
    app.get(f"/ogc/collections/{bad['id']}?f=json", headers=auth, status=404)
    peta = app.get("/en/peta", headers=auth).body
    assert "Lokasi Puskesmas" in peta and "Lokasi Sekolah" not in peta


def _ogc_urls(g: Graph) -> set[str]:
    return {str(o) for o in g.objects() if isinstance(o, URIRef) and "/ogc/" in str(o)}


def test_dcat_offers_no_map_service_of_a_failed_layer(app, dataset_with_a_failed_layer):
    case = dataset_with_a_failed_layer
    ds, bad, good = case["dataset"], case["bad"], case["good"]
    reply = app.get(f"/dataset/{ds['id']}.ttl")
    assert reply.status_code == 200, reply.body[:2000]
    g = Graph().parse(data=reply.body, format="turtle")
    dataset = next(g.subjects(RDF.type, DCAT.Dataset))
    distributions = set(g.objects(dataset, DCAT.distribution))

    # the layer imported well: a distribution of its own for its OGC API - Features collection
    good_url = next(u for u in _ogc_urls(g) if u.endswith(f"/ogc/collections/{good['id']}"))
    service_distribution = g.value(predicate=DCAT.accessURL, object=URIRef(good_url))
    assert service_distribution in distributions
    service = g.value(service_distribution, DCAT.accessService)
    assert (service, RDF.type, DCAT.DataService) in g
    assert str(g.value(service, DCAT.endpointURL)).endswith("/ogc")
    assert (service, DCAT.servesDataset, dataset) in g

    # the failed one: no OGC URL, no service; its file stays a distribution that says so
    assert not [u for u in _ogc_urls(g) if bad["id"] in u]
    file_distribution = next(d for d in distributions if str(d).endswith(f"/resource/{bad['id']}"))
    file_url = g.value(file_distribution, DCAT.downloadURL) or g.value(file_distribution, DCAT.accessURL)
    assert str(file_url).endswith("/download/sekolah.geojson")
    assert (file_distribution, DCAT.accessService, None) not in g
    notes = {(str(n), n.language) for n in g.objects(file_distribution, DCTERMS.description)
             if isinstance(n, Literal)}
    assert any("not available" in text and lang == "en" for text, lang in notes), notes
    assert any("tidak tersedia" in text and lang == "id" for text, lang in notes), notes
    assert len(distributions) == 5  # two files and the map services (OGC API, WMS, WFS) of one

    # the catalogue (from the search index, updated when the imports finished) says the same
    catalog = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    assert URIRef(good_url) in set(catalog.objects(None, DCAT.accessURL))
    assert not [u for u in _ogc_urls(catalog) if bad["id"] in u]
