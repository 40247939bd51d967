"""DCAT: the catalogue and dataset endpoints in Turtle and JSON-LD carry the Satu Data fields,
so the national Satu Data portal can harvest them. Parsed with rdflib as a harvester would."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from satudata_testlib import api, valid_dataset

SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")


@pytest.fixture
def published(app, opd, walidata):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes"), opd)["result"]
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    return created


def _graph(app, url, fmt):
    res = app.get(url)
    assert res.status_code == 200, res.body[:3000]
    return Graph().parse(data=res.body, format=fmt)


def _dataset(g):
    datasets = list(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    return datasets[0]


@pytest.mark.parametrize("suffix, fmt", [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_dataset_endpoint_maps_the_standard_fields_to_dcat(app, published, suffix, fmt):
    g = _graph(app, f"/dataset/{published['name']}.{suffix}", fmt)
    d = _dataset(g)
    assert g.value(d, DCTERMS.title) == Literal("Jumlah Puskesmas per Kecamatan")
    assert g.value(d, DCTERMS.accrualPeriodicity) == EU_FREQ.ANNUAL
    assert g.value(d, DCTERMS.accessRights) == EU_ACCESS.PUBLIC
    assert str(g.value(d, SDMX_ATTRIBUTE.unitMeasure)) == "unit"
    # the metadata's language, as the EU vocabulary the national portal harvests with
    assert g.value(d, DCTERMS.language) == URIRef("http://publications.europa.eu/resource/authority/language/IND")
    assert g.value(d, SDMX_ATTRIBUTE.unitMeasure).language == "id"
    assert "Puskesmas:" in str(g.value(d, SKOS.definition))
    assert str(g.value(d, DCTERMS.source)) == "Dinas Kesehatan Kota Tangerang"

    theme = g.value(d, DCAT.theme)
    assert str(g.value(theme, SKOS.notation)) == "kesehatan"
    period = g.value(d, DCTERMS.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2024-01-01"
    assert str(g.value(period, DCAT.endDate)) == "2024-12-31"
    codes = {str(g.value(loc, DCTERMS.identifier)) for loc in g.objects(d, DCTERMS.spatial)}
    assert {"36.71.01", "36.71.05"} <= codes

    creator = g.value(d, DCTERMS.creator)
    assert str(g.value(creator, FOAF.name)) == "Dinas Kesehatan"
    publisher = g.value(d, DCTERMS.publisher)
    assert str(g.value(publisher, FOAF.name)) == "Dinas Komunikasi dan Informatika Kota Tangerang"
    provenance = g.value(d, DCTERMS.provenance)
    assert provenance is not None
    contact = g.value(d, DCAT.contactPoint)
    assert contact is not None


@pytest.mark.parametrize("suffix, fmt", [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_catalog_endpoint_lists_public_datasets_only(app, opd, walidata, published, suffix, fmt):
    api(app, "package_create", valid_dataset(owner_org="dinkes", name="draf-opd"), opd)
    g = _graph(app, f"/catalog.{suffix}", fmt)
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    titles = {str(g.value(ds, DCTERMS.title)) for ds in g.objects(catalog, DCAT.dataset)}
    assert titles == {"Jumlah Puskesmas per Kecamatan"}
    assert g.value(catalog, DCTERMS.language) == Literal("id")


def test_english_metadata_is_tagged_english(app, opd, walidata):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes", language="en",
                                                       satuan="people"), opd)["result"]
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    g = _graph(app, f"/dataset/{created['name']}.ttl", "turtle")
    d = _dataset(g)
    assert g.value(d, DCTERMS.language) == URIRef("http://publications.europa.eu/resource/authority/language/ENG")
    assert g.value(d, SDMX_ATTRIBUTE.unitMeasure) == Literal("people", lang="en")


def _json_ld(body: str) -> dict:
    import json
    import re

    # the element carries the nonce of the page's Content-Security-Policy as well
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', body, re.S)
    assert found, "no structured data on the page"
    return json.loads(found.group(1))


def test_dataset_page_carries_schema_org_json_ld_that_follows_each_change(app, published, opd):
    def names(doc):
        values = [node["schema:name"] for node in doc["@graph"] if node.get("@type") == "schema:Dataset"]
        return {v["@value"] if isinstance(v, dict) else v for v in values}

    page = app.get(f"/dataset/{published['name']}").body
    assert names(_json_ld(page)) == {"Jumlah Puskesmas per Kecamatan"}
    # a title that tries to close the script element stays inside it, escaped
    title = "Puskesmas </script><script>alert(1)</script>"
    api(app, "package_patch", {"id": published["id"], "title": title}, opd)
    page = app.get(f"/dataset/{published['name']}").body
    assert "<script>alert(1)" not in page
    assert names(_json_ld(page)) == {title}


# --- licences ---------------------------------------------------------------------------------
# The portal's licence register is CKAN's: an entry's URL is the licence document's URI.
CC_BY = URIRef("http://www.opendefinition.org/licenses/cc-by")
ODBL = URIRef("http://www.opendefinition.org/licenses/odc-odbl")


def _publish(app, opd, walidata, **fields):
    created = api(app, "package_create", valid_dataset(owner_org="dinkes", **fields), opd)["result"]
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    return created


def _resources(*names):
    return [{"name": n, "url": f"https://data.tangerangkota.go.id/{n}.csv", "format": "CSV"}
            for n in names]


@pytest.fixture
def licensed(app, opd, walidata):
    """Three published datasets: CC-BY (the default, two files), ODbL, and no licence."""
    return {
        "cc-by": _publish(app, opd, walidata, name="puskesmas", title="Puskesmas",
                          resources=_resources("puskesmas-2023", "puskesmas-2024")),
        "odc-odbl": _publish(app, opd, walidata, name="jalan", title="Ruas Jalan",
                             license_id="odc-odbl", resources=_resources("jalan")),
        "notspecified": _publish(app, opd, walidata, name="tanpa-lisensi", title="Tanpa Lisensi",
                                 license_id="notspecified", resources=_resources("arsip")),
    }


EXPECTED = {"Puskesmas": CC_BY, "Ruas Jalan": ODBL, "Tanpa Lisensi": None}


def _assert_licences(g, datasets):
    for d in datasets:
        title = str(g.value(d, DCTERMS.title))
        expected = EXPECTED[title]
        distributions = list(g.objects(d, DCAT.distribution))
        assert distributions, title
        if expected is None:
            # no licence is stated rather than one invented: DCAT-AP leaves dct:license out
            assert list(g.objects(d, DCTERMS.license)) == [], title
            for dist in distributions:
                assert list(g.objects(dist, DCTERMS.license)) == [], title
            continue
        assert list(g.objects(d, DCTERMS.license)) == [expected], title
        for dist in distributions:
            assert list(g.objects(dist, DCTERMS.license)) == [expected], (title, dist)
        assert (expected, RDF.type, DCTERMS.LicenseDocument) in g
        assert g.value(expected, DCTERMS.title) is not None
        assert g.value(expected, RDFS.label) is not None


@pytest.mark.services
@pytest.mark.parametrize("suffix, fmt", [("ttl", "turtle"), ("xml", "xml"), ("jsonld", "json-ld")])
def test_catalogue_states_each_datasets_and_distributions_licence(app, licensed, suffix, fmt):
    g = _graph(app, f"/catalog.{suffix}", fmt)
    catalog = next(g.subjects(RDF.type, DCAT.Catalog))
    datasets = list(g.objects(catalog, DCAT.dataset))
    assert {str(g.value(d, DCTERMS.title)) for d in datasets} == set(EXPECTED)
    _assert_licences(g, datasets)
    assert "Creative Commons" in str(g.value(CC_BY, DCTERMS.title))


@pytest.mark.services
@pytest.mark.parametrize("suffix, fmt", [("rdf", "xml"), ("ttl", "turtle"), ("jsonld", "json-ld")])
def test_dataset_endpoint_states_the_licence(app, licensed, suffix, fmt):
    for dataset in licensed.values():
        g = _graph(app, f"/dataset/{dataset['name']}.{suffix}", fmt)
        _assert_licences(g, [_dataset(g)])


@pytest.mark.services
def test_dataset_page_structured_data_names_the_licence(app, licensed):
    def licences(name):
        doc = _json_ld(app.get(f"/dataset/{name}").body)
        nodes = [n for n in doc["@graph"] if n.get("@type") == "schema:Dataset"]
        return [v["@id"] if isinstance(v, dict) and "@id" in v else
                (v["@value"] if isinstance(v, dict) else v)
                for n in nodes for v in (n.get("schema:license") if isinstance(n.get("schema:license"), list)
                                         else [n.get("schema:license")]) if v is not None]

    assert licences("puskesmas") == [str(CC_BY)]
    assert licences("jalan") == [str(ODBL)]
    # no licence URL: no licence document is named
    assert all("opendefinition" not in v for v in licences("tanpa-lisensi"))
