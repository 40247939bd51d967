"""The bulk reindex (``ckan tangerang search-index rebuild``) sends Solr the very documents CKAN's
own ``search-index rebuild`` sends, field by field, for the demo content and for datasets of
every shape; and it leaves the index as a citizen and an officer expect it.

Both paths index into the real Solr core of this run through a recorder that forwards every
request and keeps the bodies of the updates (pysolr sends JSON), so what is compared is what
reached Solr."""
from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request

import pytest

import ckan.model as model
import ckan.tests.factories as factories
import ckan.tests.helpers as helpers
from ckan.lib import search

import satu_factories
from satudata_testlib import valid_dataset

EXTENT = '{"type": "Polygon", "coordinates": [[[106.6, -6.25], [106.7, -6.25], [106.7, -6.15], [106.6, -6.15], [106.6, -6.25]]]}'
POINTS = (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nama": "A"}, '
          b'"geometry": {"type": "Point", "coordinates": [106.63, -6.17]}}]}')


class Recorder(http.server.ThreadingHTTPServer):
    """Forwards every request to the Solr core and keeps the body of each update."""

    def __init__(self, target: str):
        self.target, self.updates = target.rstrip("/"), []
        super().__init__(("127.0.0.1", 0), _Forward)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/solr/core"

    def docs(self) -> dict[str, dict]:
        """The documents added since the last call, by dataset id (a later add of the same
        dataset replaces an earlier one, as in Solr)."""
        found = {doc["id"]: doc for body in self.updates for doc in json.loads(body)}
        self.updates.clear()
        return found


class _Forward(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _forward(self, body: bytes | None = None):
        path = self.path.split("/solr/core", 1)[1]
        if body and path.startswith("/update") and body.lstrip().startswith(b"["):
            self.server.updates.append(body)
        request = urllib.request.Request(self.server.target + path, data=body, method=self.command,
                                         headers={"Content-Type": self.headers.get("Content-Type", "")})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, payload, kind = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            status, payload, kind = e.code, e.read(), e.headers.get("Content-Type")
        self.send_response(status)
        self.send_header("Content-Type", kind or "application/octet-stream")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self._forward()

    def do_POST(self):
        self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))


@pytest.fixture
def recorder(ckan_config, monkeypatch):
    server = Recorder(ckan_config["solr_url"])
    monkeypatch.setitem(ckan_config, "solr_url", server.url)
    yield server
    server.shutdown()


@pytest.fixture
def catalogue(app, clean_db, clean_index, peta_store, create_with_upload, cli):
    """The demo content and datasets of every shape the portal has."""
    from ckan.cli.cli import ckan as ckan_command
    from ckanext.tangerang.satupeta import jobs
    from ckanext.tangerang.satupeta import model as store

    for command in ("sync-opd", "sync-urusan", "demo"):
        result = cli.invoke(ckan_command, ["tangerang", "satudata", command])
        assert result.exit_code == 0, result.output

    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    group = factories.Group()
    made = {
        "public": satu_factories.Dataset(owner_org=org["id"], spatial=EXTENT, groups=[{"name": group["name"]}],
                                         tags=[{"name": "puskesmas"}, {"name": "Kesehatan Ibu"}],
                                         resources=[{"url": "data.tangerangkota.go.id/a.csv", "format": "CSV",
                                                     "name": "Rekap"}]),
        "private": satu_factories.Dataset(owner_org=org["id"], private=True, spatial=EXTENT),
        "restricted": satu_factories.Dataset(owner_org=org["id"], tingkat_akses="terbatas"),
        "no_extent": satu_factories.Dataset(owner_org=org["id"], title="  Tanpa cakupan spasial"),
        "draft": satu_factories.Dataset(owner_org=org["id"], state="draft"),
        "standard": helpers.call_action("package_create", {"user": user["name"]},
                                        **valid_dataset(owner_org=org["id"], name="standar-lengkap")),
        "deleted": satu_factories.Dataset(owner_org=org["id"]),
    }
    admin = {"user": factories.Sysadmin()["name"]}
    helpers.call_action("package_delete", admin, id=made["deleted"]["id"])
    helpers.call_action("package_relationship_create", admin, subject=made["public"]["id"],
                        object=made["no_extent"]["id"], type="links_to")
    layer = create_with_upload(POINTS, "titik.geojson", package_id=made["public"]["id"], format="GeoJSON",
                               name="Titik", context={"user": user["name"]})
    run = store.create_import(layer["id"], layer["package_id"], None, None)
    jobs.import_layer(run["id"])
    assert store.get_import(run["id"])["status"] == "done"
    helpers.call_action("datastore_create", admin, resource={"package_id": made["standard"]["id"], "name": "Tabel"},
                        fields=[{"id": "kecamatan", "type": "text"}], records=[{"kecamatan": "Cipondoh"}],
                        force=True)
    return made


def _differences(ours, stock, path="") -> list[str]:
    """Where two JSON values differ, as paths (a readable failure for the dicts in documents)."""
    if isinstance(ours, dict) and isinstance(stock, dict):
        return [d for k in sorted(set(ours) | set(stock), key=str)
                for d in _differences(ours.get(k, "<absent>"), stock.get(k, "<absent>"), f"{path}.{k}")]
    if isinstance(ours, list) and isinstance(stock, list) and len(ours) == len(stock):
        return [d for i, (a, b) in enumerate(zip(ours, stock)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if ours == stock else [f"{path}: ours {ours!r}, CKAN's {stock!r}"]


def _ckan_documents(recorder, ids):
    search.rebuild(package_ids=ids, defer_commit=True, quiet=True)
    search.commit()
    return recorder.docs()


def test_bulk_documents_equal_ckans_field_by_field(app, catalogue, recorder):
    from ckanext.tangerang.satudata import search_index

    ids = [r[0] for r in model.Session.query(model.Package.id)]
    with app.flask_app.test_request_context():
        # each path reads the datasets afresh, as a new `ckan` process would (the objects this
        # test made keep their extras in the order they were given, the database its own)
        model.Session.remove()
        stock = _ckan_documents(recorder, ids)
        for processes in (1, 2):
            model.Session.remove()
            result = search_index.rebuild(processes=processes, batch=4)
            ours = recorder.docs()
            assert result["indexed"] == len(ids) - 1  # all but the deleted dataset
            assert set(ours) == set(stock) == {i for i in ids if i != catalogue["deleted"]["id"]}
            for package_id, doc in stock.items():
                assert ours[package_id].keys() == doc.keys(), package_id
                for field, value in doc.items():
                    if field in ("data_dict", "validated_data_dict"):
                        assert _differences(json.loads(ours[package_id][field]), json.loads(value)) == [], processes
                    assert ours[package_id][field] == value, (package_id, field)

    # what the shapes put into the documents, so that equal documents are not equally empty
    public = stock[catalogue["public"]["id"]]
    assert public["capacity"] == "public" and "spatial_geom" in public
    assert public["tags"] == ["Kesehatan Ibu", "puskesmas"]
    shown = json.loads(public["validated_data_dict"])
    assert "active" in {r.get("satupeta_layer_state") for r in shown["resources"]}
    assert stock[catalogue["private"]["id"]]["capacity"] == "private"
    assert "spatial_geom" not in stock[catalogue["no_extent"]["id"]]
    assert stock[catalogue["no_extent"]["id"]]["title"] == "Tanpa cakupan spasial"
    assert stock[catalogue["draft"]["id"]]["state"] == "draft"
    assert {"daftar-kecamatan-kota-tangerang", "jumlah-penduduk-per-kecamatan"} <= {d["name"] for d in stock.values()}


def test_rebuild_answers_searches_and_drops_what_is_gone(app, catalogue, ckan_config):
    from ckanext.tangerang.satudata import search_index

    conn = search.make_connection()
    site = ckan_config["ckan.site_id"]
    # an index left from before: a dataset no longer in the database, and another site's document
    conn.add(docs=[{"id": "gone", "index_id": "gone-" + site, "site_id": site, "entity_type": "package",
                    "name": "gone", "title": "Hilang", "capacity": "public", "permission_labels": ["public"]},
                   {"id": "other", "index_id": "other-site", "site_id": "other-site",
                    "entity_type": "package", "name": "other", "title": "Lain"}], commit=True)
    with app.flask_app.test_request_context():
        result = search_index.rebuild(processes=2, batch=3)
    assert result["removed"] == 1
    assert conn.search("id:gone", fq="site_id:" + site).hits == 0
    assert conn.search("id:other").hits == 1
    conn.delete(id="other-site", commit=True)

    sysadmin = factories.SysadminWithToken()
    admin, token = {"user": sysadmin["name"]}, sysadmin["token"]
    everything = helpers.call_action("package_search", admin, q="*:*", rows=100, include_private=True,
                                     include_drafts=True)
    names = {d["name"] for d in everything["results"]}
    assert {catalogue[k]["name"] for k in ("public", "no_extent", "private", "restricted", "standard")} <= names
    assert catalogue["deleted"]["name"] not in names
    anonymous = {d["name"] for d in helpers.call_action("package_search", {"user": ""}, q="*:*", rows=100)["results"]}
    assert "jumlah-penduduk-per-kecamatan" in anonymous
    assert not {catalogue[k]["name"] for k in ("private", "draft", "deleted")} & anonymous
    bbox = {d["name"] for d in app.get("/api/3/action/package_search", headers={"Authorization": token},
                                        query_string={"ext_bbox": "106.62,-6.18,106.64,-6.16", "rows": 100,
                                                      "include_private": True}).json["result"]["results"]}
    assert catalogue["public"]["name"] in bbox and catalogue["no_extent"]["name"] not in bbox
    # package_show answers from the new documents
    shown = helpers.call_action("package_show", admin, id=catalogue["public"]["id"])
    assert shown["title"] == catalogue["public"]["title"]
