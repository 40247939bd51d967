"""DCAT profile of the Satu Data standard (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3
tangerang_satudata``): runs after DCAT-AP and adds the standard's fields.

Mapping: produsen data (OPD) -> dct:creator; walidata -> dct:publisher; urusan -> dcat:theme;
frekuensi -> dct:accrualPeriodicity (EU frequency); tahun -> dct:temporal; cakupan wilayah ->
dct:spatial (dct:identifier = Kemendagri code); tingkat akses -> dct:accessRights (EU access
right); satuan -> sdmx-attribute:unitMeasure; konsep/definisi -> skos:definition; klasifikasi ->
dct:subject; sumber data -> dct:source; metode pengumpulan -> dct:provenance; bahasa (language) ->
dct:language (EU language), and the language tag of the text fields; lisensi (license_id) ->
dct:license of the dataset and of each distribution (ckanext-dcat's DCAT-AP profiles give a
distribution a licence only from a resource's own ``license`` field and never the dataset one).
"""
from __future__ import annotations

from ckanext.dcat.profiles import RDFProfile
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ckanext.tangerang import city
from ckanext.tangerang.satudata import codelists

# CKAN's register entry for "License not specified"
NO_LICENCE = "notspecified"
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
TEXT_FIELDS = (
    ("satuan", SDMX_ATTRIBUTE.unitMeasure),
    ("konsep_definisi", SKOS.definition),
    ("klasifikasi", DCT.subject),
    ("sumber_data", DCT.source),
)


def _concept(graph, code: codelists.Code, list_name: str):
    ref = URIRef(code.uri) if code.uri else BNode()
    graph.add((ref, RDF.type, SKOS.Concept))
    graph.add((ref, SKOS.notation, Literal(code.value)))
    graph.add((ref, SKOS.prefLabel, Literal(code.label_id, lang="id")))
    graph.add((ref, SKOS.prefLabel, Literal(code.label_en, lang="en")))
    return ref


class SatudataProfile(RDFProfile):
    def graph_from_dataset(self, dataset_dict, dataset_ref):
        g = self.g
        g.bind("sdmx-attribute", SDMX_ATTRIBUTE)
        g.bind("skos", SKOS)
        language = codelists.get("bahasa", dataset_dict.get("language") or "id")
        lang = language.value if language else "id"
        for key, predicate in TEXT_FIELDS:
            if dataset_dict.get(key):
                g.add((dataset_ref, predicate, Literal(dataset_dict[key], lang=lang)))

        if dataset_dict.get("metode_pengumpulan"):
            statement = BNode()
            g.add((statement, RDF.type, DCT.ProvenanceStatement))
            g.add((statement, RDFS.label, Literal(dataset_dict["metode_pengumpulan"], lang="id")))
            g.add((dataset_ref, DCT.provenance, statement))

        for list_name, predicate in (("frekuensi", DCT.accrualPeriodicity),
                                     ("tingkat_akses", DCT.accessRights)):
            code = codelists.get(list_name, dataset_dict.get(list_name) or "")
            if code:
                g.remove((dataset_ref, predicate, None))
                g.add((dataset_ref, predicate, _concept(g, code, list_name)))

        if language:
            g.remove((dataset_ref, DCT.language, None))
            g.add((dataset_ref, DCT.language, URIRef(language.uri)))

        urusan = codelists.get("urusan", dataset_dict.get("urusan") or "")
        if urusan:
            g.add((dataset_ref, DCAT.theme, _concept(g, urusan, "urusan")))

        if dataset_dict.get("tahun"):
            period = BNode()
            g.add((period, RDF.type, DCT.PeriodOfTime))
            year = dataset_dict["tahun"]
            g.add((period, DCAT.startDate, Literal(f"{year}-01-01", datatype=XSD.date)))
            g.add((period, DCAT.endDate, Literal(f"{year}-12-31", datatype=XSD.date)))
            g.add((dataset_ref, DCT.temporal, period))

        names = {c.value: c.label_id for c in codelists.codes(codelists.WILAYAH)}
        for region in dataset_dict.get("cakupan_wilayah") or []:
            location = BNode()
            g.add((location, RDF.type, DCT.Location))
            g.add((location, DCT.identifier, Literal(region)))
            g.add((location, SKOS.prefLabel, Literal(names.get(region, region), lang="id")))
            g.add((dataset_ref, DCT.spatial, location))

        self._agents(dataset_dict, dataset_ref)
        self._licence(dataset_dict, dataset_ref)

    def _agents(self, dataset_dict, dataset_ref):
        """The OPD produces (dct:creator); the Walidata publishes (dct:publisher)."""
        g = self.g
        org = dataset_dict.get("organization") or {}
        if org:
            creator = BNode()
            g.add((creator, RDF.type, FOAF.Organization))
            g.add((creator, FOAF.name, Literal(org.get("title") or org.get("name"))))
            g.remove((dataset_ref, DCT.creator, None))
            g.add((dataset_ref, DCT.creator, creator))
        if dataset_dict.get("walidata"):
            publisher = BNode()
            g.add((publisher, RDF.type, FOAF.Organization))
            g.add((publisher, FOAF.name, Literal(dataset_dict["walidata"])))
            g.remove((dataset_ref, DCT.publisher, None))
            g.add((dataset_ref, DCT.publisher, publisher))

    def _licence(self, dataset_dict, dataset_ref):
        """The dataset's licence on the dataset and on every distribution without its own.

        The licence is the portal register's entry: its URL is the licence document's URI and
        its title the label a harvester matches on (ckanext-dcat's parser compares URI, then
        dct:title). An entry without a URL ("Other (Open)") becomes a document without a URI
        but with its title. "License not specified" (no URL, not open) gives no dct:license:
        DCAT-AP leaves the property out when the licence is unknown.
        """
        g = self.g
        url = (dataset_dict.get("license_url") or "").strip()
        title = dataset_dict.get("license_title") or ""
        license_id = dataset_dict.get("license_id") or ""
        if url and url.startswith(("http://", "https://")):
            licence = URIRef(url)
        elif license_id and license_id != NO_LICENCE and title:
            licence = BNode()
        else:
            return
        g.add((licence, RDF.type, DCT.LicenseDocument))
        if title:
            g.add((licence, DCT.title, Literal(title)))
            g.add((licence, RDFS.label, Literal(title)))
        if (dataset_ref, DCT.license, None) not in g:
            g.add((dataset_ref, DCT.license, licence))
        for distribution in list(g.objects(dataset_ref, DCAT.distribution)):
            if (distribution, DCT.license, None) not in g:
                g.add((distribution, DCT.license, licence))

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        g = self.g
        meta = city.current().meta
        g.add((catalog_ref, DCT.language, Literal("id")))
        publisher = BNode()
        g.add((publisher, RDF.type, FOAF.Organization))
        g.add((publisher, FOAF.name, Literal(meta["name"])))
        g.remove((catalog_ref, DCT.publisher, None))
        g.add((catalog_ref, DCT.publisher, publisher))
