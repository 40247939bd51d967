"""The CSW catalogue (pycsw behind /csw), read by OWSLib as a harvester would, from a real server."""
from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
from lxml import etree
from owslib.catalogue.csw3 import CatalogueServiceWeb as Csw3
from owslib.csw import CatalogueServiceWeb
from owslib.fes import PropertyIsEqualTo, PropertyIsLike

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

import satu_factories


from satupeta_testlib import feature, geojson_bytes, square

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "peta_store"),
              pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")]

ISO = "http://www.isotc211.org/2005/gmd"
OWS_NS = ("{http://www.opengis.net/ows}", "{http://www.opengis.net/ows/2.0}")


@pytest.fixture
def datasets(create_with_upload, run_import):
    """Three datasets with a layer each: public, private, and one of restricted access."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}],
                                 title="Dinas Pekerjaan Umum")
    context = {"user": user["name"]}
    blocks = [feature(square(106.60 + 0.01 * i, -6.25, 0.005), nama=f"Ruas {i}") for i in range(3)]

    def with_layer(**fields):
        pkg = satu_factories.Dataset(owner_org=org["id"], **fields)
        res = create_with_upload(geojson_bytes(blocks), "ruas.geojson", package_id=pkg["id"],
                                 format="GeoJSON", name="Ruas jalan", context=context)
        assert run_import(res)["status"] == "done"
        return pkg["id"], res["id"]

    public = with_layer(title="Jaringan Jalan Kota", notes="Ruas jalan kota dan kelasnya.",
                        tags=[{"name": "jalan"}, {"name": "transportasi"}], urusan="perhubungan")
    private = with_layer(title="Jalan Rahasia Kota", private=True)
    restricted = with_layer(title="Jalan Terbatas Kota", tingkat_akses="terbatas")
    return {"public": public, "private": private, "restricted": restricted, "user": user}


def _ids(csw) -> set[str]:
    return set(csw.records)


def test_capabilities_name_the_city_in_both_versions(csw_portal):
    from ckanext.tangerang import city

    meta = city.current().meta
    v2 = CatalogueServiceWeb(csw_portal, timeout=60)
    assert v2.version == "2.0.2"
    assert meta["portal_title"] in v2.identification.title
    assert v2.provider.contact.email == meta["contact"]["email"]
    assert {"GetCapabilities", "GetRecords", "GetRecordById"} <= {op.name for op in v2.operations}
    assert "Transaction" not in {op.name for op in v2.operations}
    v3 = Csw3(csw_portal, timeout=60)
    assert v3.version == "3.0.0"
    assert meta["portal_title"] in v3.identification.title


def test_full_text_search_and_iso_record(csw_portal, datasets):
    pkg_id, res_id = datasets["public"]
    csw = CatalogueServiceWeb(csw_portal, timeout=60)
    # GetRecords as POSTed XML (OWSLib's getrecords2): no session, no CSRF token
    csw.getrecords2(constraints=[PropertyIsLike("csw:AnyText", "%jalan%")], esn="full",
                    maxrecords=50)
    assert _ids(csw) == {pkg_id}
    assert csw.records[pkg_id].title == "Jaringan Jalan Kota"
    csw.getrecords2(constraints=[PropertyIsLike("csw:AnyText", "%sungai%")], esn="full")
    assert _ids(csw) == set()

    csw.getrecordbyid(id=[pkg_id], outputschema=ISO)
    iso = csw.records[pkg_id]
    ident = iso.identification[0]
    assert ident.title == "Jaringan Jalan Kota"
    assert ident.abstract == "Ruas jalan kota dan kelasnya."
    assert {"jalan", "transportasi"} <= {k for kw in ident.keywords for k in
                                         [getattr(x, "name", x) for x in kw.keywords]}
    assert iso.referencesystem.code == "EPSG:4326"
    # the urusan (perhubungan) as ISO's topic category, and searchable by it
    assert ident.topiccategory == ["transportation"]
    csw.getrecords2(constraints=[PropertyIsEqualTo("apiso:TopicCategory", "transportation")], maxrecords=50)
    assert pkg_id in _ids(csw)
    csw.getrecords2(constraints=[PropertyIsEqualTo("apiso:TopicCategory", "health")], maxrecords=50)
    assert pkg_id not in _ids(csw)
    box = ident.bbox
    # three squares of 0.005 degrees from (106.60, -6.25), 0.01 apart
    assert (float(box.minx), float(box.maxx)) == pytest.approx((106.60, 106.625))
    assert (float(box.miny), float(box.maxy)) == pytest.approx((-6.25, -6.245))
    site = tk.config["ckan.site_url"].rstrip("/")
    online = {(o.protocol, o.url, o.name) for o in iso.distribution.online}
    layer = "layer_" + res_id.replace("-", "_")
    assert ("OGC:WMS", f"{site}/ows?SERVICE=WMS&REQUEST=GetCapabilities", layer) in online
    assert ("OGC:WFS", f"{site}/ows?SERVICE=WFS&REQUEST=GetCapabilities", layer) in online
    urls = {url for _, url, _ in online}
    assert f"{site}/ogc/collections/{res_id}" in urls
    assert f"{site}/ogc/collections/{res_id}/download?f=geojson" in urls
    assert "Dinas Pekerjaan Umum" in {c.organization for c in ident.contact}


def test_private_and_restricted_datasets_are_absent(csw_portal, datasets):
    csw = CatalogueServiceWeb(csw_portal, timeout=60)
    csw.getrecords2(esn="brief", maxrecords=50)
    assert _ids(csw) == {datasets["public"][0]}
    csw.getrecordbyid(id=[datasets["private"][0], datasets["restricted"][0]])
    assert _ids(csw) == set()


def test_records_follow_the_dataset(csw_portal, datasets):
    pkg_id, res_id = datasets["public"]
    csw = CatalogueServiceWeb(csw_portal, timeout=60)
    sysadmin = factories.Sysadmin()["name"]  # an OPD's editor may withdraw, not publish

    def context():  # CKAN's actions write into the context they are given
        return {"user": sysadmin}

    helpers.call_action("package_patch", context(), id=pkg_id, title="Jaringan Jalan Kota 2025")
    csw.getrecordbyid(id=[pkg_id])
    assert csw.records[pkg_id].title == "Jaringan Jalan Kota 2025"
    # made private: gone; public again: back
    helpers.call_action("package_patch", context(), id=pkg_id, private=True)
    csw.getrecordbyid(id=[pkg_id])
    assert _ids(csw) == set()
    helpers.call_action("package_patch", context(), id=pkg_id, private=False)
    csw.getrecordbyid(id=[pkg_id])
    assert _ids(csw) == {pkg_id}
    # its only layer dropped: no longer a geospatial dataset
    helpers.call_action("tangerang_satupeta_layer_delete", context(), id=res_id)
    csw.getrecordbyid(id=[pkg_id])
    assert _ids(csw) == set()


def test_deleted_dataset_leaves_the_catalogue(csw_portal, datasets):
    pkg_id = datasets["public"][0]
    helpers.call_action("package_delete", {"user": datasets["user"]["name"]}, id=pkg_id)
    csw = CatalogueServiceWeb(csw_portal, timeout=60)
    csw.getrecordbyid(id=[pkg_id])
    assert _ids(csw) == set()


@pytest.mark.parametrize("method,params,body", [
    ("GET", {"service": "CSW", "request": "Bogus"}, None),
    ("GET", {"service": "CSW", "version": "2.0.2", "request": "GetRecords",
             "typeNames": "csw:Record", "elementSetName": "full", "resultType": "results",
             "constraintLanguage": "CQL_TEXT", "constraint": "title LIKE '%"}, None),
    ("GET", {"service": "CSW", "version": "2.0.2", "request": "GetRecords",
             "typeNames": "csw:Record", "elementSetName": "full", "maxRecords": "-5"}, None),
    ("GET", {"service": "CSW", "version": "2.0.2", "request": "GetRecordById"}, None),
    ("GET", {"service": "CSW", "version": "2.0.2", "request": "GetRecords",
             "typeNames": "csw:Record", "elementSetName": "full", "resultType": "results",
             "constraintLanguage": "FILTER", "constraint_language_version": "1.1.0",
             "constraint": '<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:BBOX>'
                           '<ogc:PropertyName>ows:BoundingBox</ogc:PropertyName>'
                           '</ogc:BBOX></ogc:Filter>'}, None),
    ("POST", {}, b"<not xml"),
    ("POST", {}, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                 b'<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
                 b'service="CSW" version="2.0.2">&e;</csw:GetRecords>'),
    ("POST", {}, b'<csw:Transaction xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
                 b'service="CSW" version="2.0.2"><csw:Delete/></csw:Transaction>'),
])
def test_bad_requests_get_an_exception_report(csw_portal, method, params, body):
    resp = requests.request(method, csw_portal, params=params, data=body, timeout=60,
                            headers={"Content-Type": "application/xml"} if body else {})
    assert resp.status_code < 500, resp.text[:500]
    root = etree.fromstring(resp.content)
    assert root.tag in {ns + "ExceptionReport" for ns in OWS_NS}, resp.text[:500]
    assert b"root:" not in resp.content


def test_capabilities_through_the_portal(app, csw_service):
    resp = app.get("/csw", query_string={"service": "CSW", "version": "2.0.2",
                                         "request": "GetCapabilities"}, status=200)
    root = etree.fromstring(resp.data)
    assert root.tag == "{http://www.opengis.net/cat/csw/2.0.2}Capabilities"
    # the operations' endpoints are the portal's public /csw, not pycsw's own address
    hrefs = set(root.xpath("//@xlink:href", namespaces={"xlink": "http://www.w3.org/1999/xlink"}))
    assert tk.config["ckan.site_url"].rstrip("/") + "/csw" in hrefs
    assert csw_service not in hrefs


@pytest.mark.ckan_config("ckanext.tangerang.satupeta.csw.backend_url", "http://127.0.0.1:9/")
def test_backend_down_is_an_ogc_error(app):
    resp = app.get("/csw", query_string={"service": "CSW", "request": "GetCapabilities"},
                   status=503)
    assert etree.fromstring(resp.data).tag == OWS_NS[0] + "ExceptionReport"


def test_csw_sync_rebuilds_the_records(cli, datasets, peta_store):
    from ckan.cli.cli import ckan

    with peta_store.begin() as conn:
        conn.execute(sa.text("DELETE FROM tangerang_satupeta_csw_record"))
        # a stale record of a dataset gone private behind the hooks' back
        conn.execute(sa.text(
            "INSERT INTO tangerang_satupeta_csw_record (identifier, typename, schema, mdsource, "
            "insert_date, xml, anytext) VALUES (:id, 'gmd:MD_Metadata', '', 'local', '', '', '')"),
            {"id": datasets["private"][0]})
    result = cli.invoke(ckan, ["tangerang", "satupeta", "csw-sync"])
    assert result.exit_code == 0, result.output
    assert "1 records in the catalogue (3 datasets looked at)" in result.output
    with peta_store.connect() as conn:
        ids = conn.execute(sa.text("SELECT identifier FROM tangerang_satupeta_csw_record")).scalars()
        assert set(ids) == {datasets["public"][0]}



def test_ckanext_spatial_csw_harvester_client_reads_the_records(csw_portal, datasets):
    """What ckanext-spatial's CSW harvester does in its gather and fetch stages (its CswService),
    then reads with its ISO parser (ckanext-harvest, which runs the stages, is not installed)."""
    from ckanext.spatial.harvested_metadata import ISODocument
    from ckanext.spatial.lib.csw_client import CswService

    service = CswService(csw_portal)
    ids = list(service.getidentifiers(page=10, outputschema="gmd"))
    assert ids == [datasets["public"][0]]
    record = service.getrecordbyid(ids, outputschema="gmd")
    # the parsed tree: lxml refuses record["xml"] as the harvester stores it (a str that keeps
    # the client's encoding declaration), whatever the server
    values = ISODocument(xml_tree=record["tree"].getroot()).read_values()
    assert values["guid"] == ids[0]
    assert values["title"] == "Jaringan Jalan Kota"
    assert values["bbox"][0]["west"] == "106.6"
    protocols = {r["protocol"] for r in values["resource-locator"]}
    assert {"OGC:WMS", "OGC:WFS", "OGC:API-Features"} <= protocols
