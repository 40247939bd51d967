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
A resource that Satu Peta serves as a map layer gets a distribution per web service (OGC API -
Features, WMS, WFS), each with its dcat:DataService (see ``_map_services``).

DCAT-AP 3 wants coded values as IRIs: a resource's CKAN format becomes the EU file-type and IANA
media type IRIs (codelists/file_type.csv), every dct:language an EU language IRI, and an urusan
the portal's concept (its topic group's page) plus the EU data theme it falls under.
"""
from __future__ import annotations

from dataclasses import dataclass

import flask
from flask_babel import force_locale

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles import RDFProfile
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF
from ckanext.dcat.utils import catalog_uri, resource_uri
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
# what Satu Peta says of a resource's layer (its plugin's after_dataset_show puts these keys on
# the resource dicts of package_show and of the search index; satudata reads nothing else of it)
LAYER_STATE = "satupeta_layer_state"
OGC_URL = "satupeta_ogc_url"
OWS_URL = "satupeta_ows_url"  # the WMS/WFS endpoint
OWS_NAME = "satupeta_ows_name"  # the layer's name there
OGC_FEATURES_CORE = URIRef("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
# the OGC service types GeoDCAT-AP names a spatial data service's protocol with (dct:conformsTo)
OGC_SERVICE_TYPES = "http://www.opengis.net/def/serviceType/ogc/"
# the classes DCAT-AP 3 gives the values of the coded properties
CONCEPT_CLASSES = {"frekuensi": DCT.Frequency, "tingkat_akses": DCT.RightsStatement}
CATALOGUE_LANGUAGES = ("id", "en")


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue (i18n.build); _in_languages translates it."""
    return msgid


def _in_languages(msgid: str) -> dict[str, str]:
    """A text of the catalogue in each language of the DCAT output, by the translation catalogue;
    only the msgid (English) outside a request, where no catalogue is at hand."""
    if not flask.has_request_context():
        return {"en": msgid}
    texts = {}
    for language in CATALOGUE_LANGUAGES:
        with force_locale(language):
            texts[language] = tk._(msgid)
    return texts


@dataclass(frozen=True)
class Protocol:
    """An OGC web service protocol Satu Peta serves each active layer with, besides OGC API."""
    name: str  # its SERVICE parameter, and its label in codelists/file_type.csv
    service_title: str
    description: str  # of a layer's distribution; %(layer)s is the layer's name in the service


OWS_PROTOCOLS = (
    Protocol("WMS", N_("Map layers of the city as a Web Map Service (WMS 1.3.0)"),
             N_("The map layer of this resource as a Web Map Service (WMS 1.3.0): map images to "
                "be shown in GIS software. Its layer name in the service: %(layer)s.")),
    Protocol("WFS", N_("Map layers of the city as a Web Feature Service (WFS 2.0)"),
             N_("The map layer of this resource as a Web Feature Service (WFS 2.0): its features, "
                "to be read by GIS software. Its layer name in the service: %(layer)s.")),
)


def _set_format(graph, distribution, file_type: codelists.FileType) -> None:
    """The distribution's format and media type as the registers' IRIs, in place of any other."""
    graph.remove((distribution, DCT["format"], None))
    graph.remove((distribution, DCAT.mediaType, None))
    fmt = URIRef(file_type.uri)
    graph.add((distribution, DCT["format"], fmt))
    graph.add((fmt, RDF.type, DCT.MediaTypeOrExtent))
    if file_type.media_type:
        media_type = URIRef(IANA_MEDIA_TYPES + file_type.media_type)
        graph.add((distribution, DCAT.mediaType, media_type))
        graph.add((media_type, RDF.type, DCT.MediaType))


def _concept(graph, code: codelists.Code, list_name: str):
    if code.uri:
        ref = URIRef(code.uri)
    elif list_name == "urusan":
        # the urusan's own IRI: the page of its topic group (logic/topics.py names it by the code)
        ref = URIRef(f"{catalog_uri().rstrip('/')}/group/{code.value}")
    else:
        ref = BNode()
    graph.add((ref, RDF.type, SKOS.Concept))
    if list_name in CONCEPT_CLASSES:
        graph.add((ref, RDF.type, CONCEPT_CLASSES[list_name]))
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
            if urusan.eu_theme:  # DCAT-AP 3: a theme of the EU data-theme vocabulary as well
                g.add((dataset_ref, DCAT.theme, URIRef(urusan.eu_theme)))
                g.add((URIRef(urusan.eu_theme), RDF.type, SKOS.Concept))

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
        self._formats(dataset_dict, dataset_ref)
        self._map_services(dataset_dict, dataset_ref, lang)
        self._licence(dataset_dict, dataset_ref)  # after: the services' distributions get it too
        self._language_iris([dataset_ref, *g.objects(dataset_ref, DCAT.distribution)])

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

    def _formats(self, dataset_dict, dataset_ref):
        """Each file's CKAN format (a label such as "CSV" or "GeoJSON", which ckanext-dcat writes
        as a literal) as the EU file type and the IANA media type; a format that
        codelists/file_type.csv does not know stays as the officer wrote it."""
        g = self.g
        for res in dataset_dict.get("resources") or []:
            file_type = codelists.file_type(res.get("format"))
            if not file_type or not res.get("id"):
                continue
            distribution = URIRef(resource_uri(res))
            if (dataset_ref, DCAT.distribution, distribution) in g:
                _set_format(g, distribution, file_type)

    def _language_iris(self, subjects):
        """Every dct:language an EU language IRI: ckanext-dcat writes a CKAN language code
        ("id", "en") as a literal; a code the bahasa list does not know is left as it is."""
        g = self.g
        for subject in subjects:
            for value in list(g.objects(subject, DCT.language)):
                code = codelists.get("bahasa", str(value)) if isinstance(value, Literal) else None
                if code and code.uri:
                    g.remove((subject, DCT.language, value))
                    g.add((subject, DCT.language, URIRef(code.uri)))
            for value in list(g.objects(subject, DCT.language)):
                if isinstance(value, URIRef):
                    g.add((value, RDF.type, DCT.LinguisticSystem))

    def _map_services(self, dataset_dict, dataset_ref, lang):
        """A served map layer as distributions of its own; no service for a layer that is not.

        A resource whose layer is "active" (a layer is served) gets a dcat:Distribution per web
        service besides its file's: OGC API - Features (dcat:accessURL = its collection,
        dct:conformsTo OGC API - Features core, GeoJSON, dcat:accessService = the portal's OGC
        API with its OpenAPI description), WMS 1.3.0 and WFS 2.0 (dcat:accessURL = the
        GetCapabilities URL, dct:identifier = the layer's name there, dcat:accessService = the
        portal's WMS or WFS, dct:conformsTo the OGC service type, as GeoDCAT-AP names protocols).

        A layer whose import failed or is still pending is no service a harvester should list: it
        gets no such distribution, no dcat:accessService and no OGC URL anywhere. Its file stays a
        normal distribution (its download works) with a dct:description that says the map service
        is not available. No adms:status on it: ADMS status is the distribution's own life cycle,
        and the file itself is complete, not withdrawn or under development.
        """
        g = self.g
        for res in dataset_dict.get("resources") or []:
            state = res.get(LAYER_STATE)
            if not state or not res.get("id"):
                continue
            file_distribution = URIRef(resource_uri(res))
            if state == "active" and res.get(OWS_URL) and res.get(OWS_NAME):
                for protocol in OWS_PROTOCOLS:
                    self._ows_distribution(res, protocol, dataset_ref, file_distribution, lang)
            if state == "active" and res.get(OGC_URL):
                self._ogc_distribution(res, dataset_ref, file_distribution, lang)
            elif (dataset_ref, DCAT.distribution, file_distribution) in g:
                for language, text in _in_languages(N_(
                        "The map service (OGC API - Features) of this file is not available: the "
                        "file has not been imported as a map layer. The file itself can be "
                        "downloaded.")).items():
                    g.add((file_distribution, DCT.description, Literal(text, lang=language)))

    def _ogc_distribution(self, res, dataset_ref, file_distribution, lang):
        g = self.g
        collection = URIRef(res[OGC_URL])
        # an OGC API's collections are /collections/{id} under its landing page (the endpoint)
        endpoint = res[OGC_URL].rsplit("/collections/", 1)[0]
        service = self._data_service(URIRef(endpoint), URIRef(endpoint), URIRef(endpoint + "/api"),
                                     OGC_FEATURES_CORE, dataset_ref,
                                     N_("Map layers of the city as OGC API - Features"))
        name = res.get("name") or res["id"]
        distribution = self._service_distribution(
            URIRef(f"{file_distribution}#ogc-api-features"), dataset_ref,
            f"{name} (OGC API - Features)", lang, _in_languages(N_(
                "The map layer of this resource as a web service (OGC API - Features): its "
                "features as GeoJSON, to be read by GIS software.")),
            collection, service, OGC_FEATURES_CORE)
        _set_format(g, distribution, codelists.file_type("GeoJSON"))

    def _ows_distribution(self, res, protocol: Protocol, dataset_ref, file_distribution, lang):
        g = self.g
        endpoint = res[OWS_URL]
        capabilities = URIRef(f"{endpoint}?SERVICE={protocol.name}&REQUEST=GetCapabilities")
        standard = URIRef(OGC_SERVICE_TYPES + protocol.name.lower())
        # WMS and WFS share the endpoint: each service its own IRI, the endpoint's with a fragment
        service = self._data_service(URIRef(f"{endpoint}#{protocol.name.lower()}"), URIRef(endpoint),
                                     capabilities, standard, dataset_ref, protocol.service_title)
        name = res.get("name") or res["id"]
        descriptions = {language: text % {"layer": res[OWS_NAME]}
                        for language, text in _in_languages(protocol.description).items()}
        distribution = self._service_distribution(
            URIRef(f"{file_distribution}#{protocol.name.lower()}"), dataset_ref,
            f"{name} ({protocol.name})", lang, descriptions, capabilities, service, standard)
        g.add((distribution, DCT.identifier, Literal(res[OWS_NAME])))
        _set_format(g, distribution, codelists.file_type(protocol.name))

    def _data_service(self, service, endpoint, description, standard, dataset_ref, title_msgid):
        """A dcat:DataService serving the dataset (one per protocol, shared by the datasets)."""
        g = self.g
        g.add((service, RDF.type, DCAT.DataService))
        g.add((service, DCAT.endpointURL, endpoint))
        g.add((service, DCAT.endpointDescription, description))
        g.add((service, DCT.conformsTo, standard))
        g.add((service, DCAT.servesDataset, dataset_ref))
        if (service, DCT.title, None) not in g:
            for language, text in _in_languages(title_msgid).items():
                g.add((service, DCT.title, Literal(text, lang=language)))
        return service

    def _service_distribution(self, distribution, dataset_ref, title, lang, descriptions,
                              access_url, service, standard):
        """A distribution of the dataset reached through a data service."""
        g = self.g
        g.add((dataset_ref, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCT.title, Literal(title, lang=lang)))
        for language, text in descriptions.items():
            g.add((distribution, DCT.description, Literal(text, lang=language)))
        g.add((distribution, DCAT.accessURL, access_url))
        g.add((distribution, DCAT.accessService, service))
        g.add((distribution, DCT.conformsTo, standard))
        return distribution

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
        # the languages of the catalogue's texts, as EU language IRIs (not ckanext-dcat's "id")
        g.remove((catalog_ref, DCT.language, None))
        for language in CATALOGUE_LANGUAGES:
            iri = URIRef(codelists.get("bahasa", language).uri)
            g.add((catalog_ref, DCT.language, iri))
            g.add((iri, RDF.type, DCT.LinguisticSystem))
        publisher = BNode()
        g.add((publisher, RDF.type, FOAF.Organization))
        g.add((publisher, FOAF.name, Literal(meta["name"])))
        g.remove((catalog_ref, DCT.publisher, None))
        g.add((catalog_ref, DCT.publisher, publisher))
