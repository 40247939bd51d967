"""DCAT: the catalogue and dataset endpoints in Turtle and JSON-LD carry the Satu Data fields,
so the national Satu Data portal can harvest them. Parsed with rdflib as a harvester would."""
from __future__ import annotations

import pathlib

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

    # the urusan (the portal's concept, with its code) and the EU data theme it falls under
    themes = set(g.objects(d, DCAT.theme))
    assert {str(g.value(t, SKOS.notation)) for t in themes} == {"kesehatan", "None"}
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL") in themes
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
    assert set(g.objects(catalog, DCTERMS.language)) == {
        URIRef("http://publications.europa.eu/resource/authority/language/IND"),
        URIRef("http://publications.europa.eu/resource/authority/language/ENG")}


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


# --- DCAT-AP 3: the map services, IRIs of formats, themes and languages, the shapes -----------
# our own shapes of DCAT-AP 3.0 (the official ones are not packaged for us)
SHAPES = pathlib.Path(__file__).parent / "shacl" / "dcat-ap-3-core.ttl"
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
IANA = Namespace("https://www.iana.org/assignments/media-types/")
OGC_WMS = URIRef("http://www.opengis.net/def/serviceType/ogc/wms")
OGC_WFS = URIRef("http://www.opengis.net/def/serviceType/ogc/wfs")
POINTS = b'''{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"nama": "Puskesmas Cipondoh"},
  "geometry": {"type": "Point", "coordinates": [106.70, -6.18]}},
 {"type": "Feature", "properties": {"nama": "Puskesmas Pinang"},
  "geometry": {"type": "Point", "coordinates": [106.66, -6.22]}}]}'''


@pytest.fixture
def run_import():
    """Imports a resource now, as Satu Peta's worker would (as tests/satupeta/conftest.py does)."""
    from ckanext.tangerang.satupeta import jobs
    from ckanext.tangerang.satupeta import model as store

    def runner(resource: dict) -> dict:
        run = store.create_import(resource["id"], resource["package_id"], None, None)
        jobs.import_layer(run["id"])
        return store.get_import(run["id"])

    return runner


@pytest.fixture
def mapped(app, opd, walidata, peta_store, create_with_upload, run_import):
    """A published dataset with a table (CSV), a spreadsheet (XLSX) and a GeoJSON file that Satu
    Peta serves as a map layer."""
    created = api(app, "package_create", valid_dataset(
        owner_org="dinkes", name="lokasi-puskesmas", title="Lokasi Puskesmas",
        resources=[{"name": "Rekap", "url": "https://data.tangerangkota.go.id/rekap.csv", "format": "CSV"},
                   {"name": "Rekap (Excel)", "url": "https://data.tangerangkota.go.id/rekap.xlsx",
                    "format": "XLSX"}]), opd)["result"]
    layer = create_with_upload(POINTS, "puskesmas.geojson", package_id=created["id"],
                               format="GeoJSON", name="Titik Puskesmas", context={"user": opd["name"]})
    api(app, "tangerang_review_submit", {"id": created["id"]}, opd)
    api(app, "tangerang_review_approve", {"id": created["id"]}, walidata)
    run = run_import(layer)
    assert run["status"] == "done", run
    shown = api(app, "package_show", {"id": created["id"]})["result"]
    return {"dataset": created, "layer": next(r for r in shown["resources"] if r["id"] == layer["id"])}


def _conforms(g: Graph) -> None:
    import pyshacl

    conforms, _, report = pyshacl.validate(g, shacl_graph=Graph().parse(SHAPES, format="turtle"),
                                           advanced=True, allow_warnings=False)
    assert conforms, report


def _services(g, dataset):
    """The data services serving the dataset, by the standard each conforms to."""
    return {g.value(s, DCTERMS.conformsTo): s for s in g.subjects(DCAT.servesDataset, dataset)}


# the layers are imported by the test itself (run_import), not by a queued job
NO_AUTO_IMPORT = pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "false")


@pytest.mark.services
@NO_AUTO_IMPORT
@pytest.mark.parametrize("url", ["/dataset/lokasi-puskesmas.ttl", "/catalog.ttl"])
def test_a_served_layers_dataset_conforms_to_dcat_ap_3(app, mapped, url):
    g = _graph(app, url, "turtle")
    _conforms(g)
    d = next(d for d in g.subjects(RDF.type, DCAT.Dataset)
             if g.value(d, DCTERMS.title) == Literal("Lokasi Puskesmas"))
    layer = mapped["layer"]
    ows = "http://test.ckan.net/ows"

    # one data service per protocol, each serving the dataset, titled in both languages
    services = _services(g, d)
    assert set(services) == {OGC_WMS, OGC_WFS,
                             URIRef("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core")}
    for standard, protocol in ((OGC_WMS, "WMS"), (OGC_WFS, "WFS")):
        service = services[standard]
        assert g.value(service, DCAT.endpointURL) == URIRef(ows)
        capabilities = URIRef(f"{ows}?SERVICE={protocol}&REQUEST=GetCapabilities")
        assert g.value(service, DCAT.endpointDescription) == capabilities
        assert {t.language for t in g.objects(service, DCTERMS.title)} == {"id", "en"}
        # the layer's distribution through that service names the layer
        distribution = g.value(predicate=DCAT.accessService, object=service)
        assert (d, DCAT.distribution, distribution) in g
        assert g.value(distribution, DCAT.accessURL) == capabilities
        assert str(g.value(distribution, DCTERMS.identifier)) == layer["satupeta_ows_name"]
        assert g.value(distribution, DCTERMS["format"]) == EU_FILE_TYPE[f"{protocol}_SRVC"]

    # formats and media types as IRIs of the EU file-type and IANA registers
    formats = {str(g.value(dist, DCTERMS.title)): (g.value(dist, DCTERMS["format"]),
                                                   g.value(dist, DCAT.mediaType))
               for dist in g.objects(d, DCAT.distribution)}
    assert formats["Rekap"] == (EU_FILE_TYPE.CSV, IANA["text/csv"])
    assert formats["Rekap (Excel)"] == (
        EU_FILE_TYPE.XLSX, IANA["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
    assert formats["Titik Puskesmas"] == (EU_FILE_TYPE.GEOJSON, IANA["application/geo+json"])

    # the urusan as the portal's concept and as the EU data theme
    themes = set(g.objects(d, DCAT.theme))
    assert EU_THEME.HEAL in themes
    urusan = next(t for t in themes if t != EU_THEME.HEAL)
    assert urusan == URIRef("http://test.ckan.net/group/kesehatan")
    assert str(g.value(urusan, SKOS.notation)) == "kesehatan"

    # languages: IRIs of the EU language vocabulary, nowhere a literal
    assert g.value(d, DCTERMS.language) == EU_LANGUAGE.IND
    assert all(isinstance(o, URIRef) for o in g.objects(None, DCTERMS.language))
    if url == "/catalog.ttl":
        catalog = next(g.subjects(RDF.type, DCAT.Catalog))
        assert set(g.objects(catalog, DCTERMS.language)) == {EU_LANGUAGE.IND, EU_LANGUAGE.ENG}


@pytest.mark.services
@NO_AUTO_IMPORT
def test_a_layer_not_served_has_no_wms_or_wfs(app, opd, walidata, peta_store, create_with_upload,
                                              run_import):
    created = _publish(app, opd, walidata, name="sekolah", title="Sekolah")
    res = create_with_upload(b"Daftar sekolah, lihat lampiran.\n", "sekolah.geojson",
                             package_id=created["id"], format="GeoJSON", name="Sekolah",
                             context={"user": opd["name"]})
    assert run_import(res)["status"] == "failed"
    g = _graph(app, "/dataset/sekolah.ttl", "turtle")
    assert list(g.subjects(RDF.type, DCAT.DataService)) == []
    assert not [o for o in g.objects() if "/ows" in str(o)]


@pytest.mark.services
def test_an_unknown_format_is_left_as_the_officer_wrote_it(app, opd, walidata):
    _publish(app, opd, walidata, name="survei", title="Survei",
             resources=[{"name": "Survei", "url": "https://data.tangerangkota.go.id/s.sav",
                         "format": "SPSS SAV"}])
    g = _graph(app, "/dataset/survei.ttl", "turtle")
    dist = g.value(_dataset(g), DCAT.distribution)
    assert g.value(dist, DCTERMS["format"]) == Literal("SPSS SAV")


# the EU data-theme vocabulary's concepts (DCAT-AP 3's recommended dcat:theme vocabulary)
EU_THEMES = {"AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI",
             "TECH", "TRAN"}


def test_every_urusan_falls_under_an_eu_data_theme():
    from ckanext.tangerang.satudata import codelists

    for code in codelists.codes("urusan"):
        assert code.eu_theme and code.eu_theme.startswith(str(EU_THEME)), code
        assert code.eu_theme.removeprefix(str(EU_THEME)) in EU_THEMES, code


def test_a_ckan_format_label_finds_its_registers_entry_whatever_its_case():
    from ckanext.tangerang.satudata import codelists

    assert codelists.file_type("geojson").uri == str(EU_FILE_TYPE.GEOJSON)
    assert codelists.file_type(" .CSV ").media_type == "text/csv"
    assert codelists.file_type("Zipped Shapefile").uri == str(EU_FILE_TYPE.SHP)
    assert codelists.file_type("SPSS SAV") is None and codelists.file_type(None) is None
