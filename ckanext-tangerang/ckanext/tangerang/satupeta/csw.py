"""The CSW catalogue (OGC CSW 2.0.2 and 3.0) of Satu Peta: records and the way to pycsw.

pycsw 2.6 cannot live in CKAN's virtualenv (it pins OWSLib<0.29 where ckanext-spatial pins 0.32,
and its repository needs SQLAlchemy 1.4), so it runs as a process of its own (csw_server.py, in
.venv-pycsw) reading the table below; /csw forwards requests to it. This module writes the
table: one ISO 19139 record per public dataset that has a served layer, with the columns pycsw
derives Dublin Core and its queryables from.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import requests
import sqlalchemy as sa
from lxml import etree

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.satupeta import model as store
from ckanext.tangerang.satupeta import ows

log = logging.getLogger(__name__)

TABLE = "tangerang_satupeta_csw_record"
# what the satudata schema's `tingkat_akses` says of a dataset that must stay off the catalogue
HIDDEN_ACCESS = frozenset({"terbatas", "tertutup"})
# the service's metadata travels to pycsw with each forwarded request (csw_server.py reads it)
SERVICE_HEADER = "X-Satupeta-Csw-Service"
MAX_REQUEST_BYTES = 1_000_000
XML = "application/xml; charset=UTF-8"

GMD = "http://www.isotc211.org/2005/gmd"
GCO = "http://www.isotc211.org/2005/gco"
NSMAP = {"gmd": GMD, "gco": GCO, "xlink": "http://www.w3.org/1999/xlink",
         "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"
OWS = "http://www.opengis.net/ows"
# ISO 639-2 codes of the portal's dataset languages
LANGUAGES = {"id": "ind", "en": "eng"}


# --- the records ------------------------------------------------------------------------------

def publishable(pkg: dict[str, Any] | None) -> bool:
    return bool(pkg) and pkg.get("state") == "active" and not pkg.get("private") \
        and pkg.get("tingkat_akses") not in HIDDEN_ACCESS


def site_base() -> str:
    root = (tk.config.get("ckan.root_path") or "").replace("{{LANG}}", "").rstrip("/")
    return tk.config["ckan.site_url"].rstrip("/") + root


def links(pkg: dict[str, Any], layers: list[dict[str, Any]], base: str) -> list[dict[str, str]]:
    """The online resources of a dataset: its page, then per layer WMS, WFS, OGC API, GeoJSON."""
    out = [{"url": f"{base}/dataset/{pkg['name']}", "protocol": "WWW:LINK",
            "name": pkg.get("title") or pkg["name"], "description": "Dataset page"}]
    for layer in layers:
        rid, title = layer["id"], layer.get("title") or layer["id"]
        out += [
            {"url": f"{base}/ows?SERVICE=WMS&REQUEST=GetCapabilities", "protocol": "OGC:WMS",
             "name": ows.layer_name(rid), "description": f"{title} (WMS)"},
            {"url": f"{base}/ows?SERVICE=WFS&REQUEST=GetCapabilities", "protocol": "OGC:WFS",
             "name": ows.layer_name(rid), "description": f"{title} (WFS)"},
            {"url": f"{base}/ogc/collections/{rid}", "protocol": "OGC:API-Features",
             "name": rid, "description": f"{title} (OGC API - Features)"},
            {"url": f"{base}/ogc/collections/{rid}/download?f=geojson",
             "protocol": "WWW:DOWNLOAD-1.0-http--download", "name": f"{rid}.geojson",
             "description": f"{title} (GeoJSON)"},
        ]
    return out


def _bbox(layers: Iterable[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    boxes = [layer["bbox"] for layer in layers if layer.get("bbox")]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _lineage(pkg: dict[str, Any], layers: list[dict[str, Any]]) -> str:
    parts = [str(pkg[k]).strip() for k in ("sumber_data", "metode_pengumpulan") if pkg.get(k)]
    for layer in layers:
        imported = layer.get("imported")
        when = imported.date().isoformat() if isinstance(imported, dt.datetime) else ""
        parts.append(f"{layer.get('title') or layer['id']}: {layer.get('feature_count')} features "
                     f"imported {when} from {layer.get('source_crs')}, served in EPSG:4326.")
    return " ".join(parts)


def _organization(pkg: dict[str, Any]) -> dict[str, str]:
    """The responsible party: the dataset's OPD, its e-mail from the city profile's OPD list."""
    profile = city.current()
    org = pkg.get("organization") or {}
    opd = next((o for o in profile.opds if o.name == org.get("name")), None)
    email = pkg.get("maintainer_email") or (opd.email if opd else "") \
        or (profile.meta.get("contact") or {}).get("email", "")
    return {"name": org.get("title") or org.get("name") or profile.meta["name"],
            "individual": pkg.get("maintainer") or "", "email": email}


def _date(value: str | None) -> str:
    """CKAN's timestamps (naive UTC) as ISO 8601 with seconds."""
    return (value or "")[:19]


def iso_xml(pkg: dict[str, Any], layers: list[dict[str, Any]], base: str, topic: str | None = None) -> bytes:
    """The dataset as ISO 19115 metadata in the ISO 19139 encoding (gmd:MD_Metadata); `topic`: its
    ISO topic category (MD_TopicCategoryCode), from the dataset's urusan."""
    def el(parent, tag, text=None, **attrs):
        prefix, name = tag.split(":")
        node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", **attrs)
        if text is not None:
            node.text = str(text)
        return node

    def string(parent, tag, text):
        el(el(parent, tag), "gco:CharacterString", text)

    def code(parent, tag, codelist, value):
        el(el(parent, tag), f"gmd:{codelist}", value, codeList=f"{CODELISTS}#{codelist}",
           codeListValue=value)

    def party(parent, tag, who, role):
        rp = el(el(parent, tag), "gmd:CI_ResponsibleParty")
        if who["individual"]:
            string(rp, "gmd:individualName", who["individual"])
        string(rp, "gmd:organisationName", who["name"])
        if who["email"]:
            info = el(el(rp, "gmd:contactInfo"), "gmd:CI_Contact")
            address = el(el(info, "gmd:address"), "gmd:CI_Address")
            string(address, "gmd:electronicMailAddress", who["email"])
        code(rp, "gmd:role", "CI_RoleCode", role)

    def date(parent, value, kind):
        ci = el(el(parent, "gmd:date"), "gmd:CI_Date")
        el(el(ci, "gmd:date"), "gco:DateTime", value)
        code(ci, "gmd:dateType", "CI_DateTypeCode", kind)

    language = LANGUAGES.get(pkg.get("language") or "id", "ind")
    who = _organization(pkg)
    root = etree.Element(f"{{{GMD}}}MD_Metadata", nsmap=NSMAP)
    string(root, "gmd:fileIdentifier", pkg["id"])
    code(root, "gmd:language", "LanguageCode", language)
    code(root, "gmd:characterSet", "MD_CharacterSetCode", "utf8")
    code(root, "gmd:hierarchyLevel", "MD_ScopeCode", "dataset")
    party(root, "gmd:contact", who, "pointOfContact")
    el(el(root, "gmd:dateStamp"), "gco:DateTime", _date(pkg.get("metadata_modified")))
    string(root, "gmd:metadataStandardName", "ISO 19115:2003/19139")
    string(root, "gmd:metadataStandardVersion", "1.0")
    rs = el(el(el(root, "gmd:referenceSystemInfo"), "gmd:MD_ReferenceSystem"),
            "gmd:referenceSystemIdentifier")
    rs_id = el(rs, "gmd:RS_Identifier")
    string(rs_id, "gmd:code", "EPSG:4326")
    string(rs_id, "gmd:codeSpace", "EPSG")

    ident = el(el(root, "gmd:identificationInfo"), "gmd:MD_DataIdentification")
    citation = el(el(ident, "gmd:citation"), "gmd:CI_Citation")
    string(citation, "gmd:title", pkg.get("title") or pkg["name"])
    date(citation, _date(pkg.get("metadata_created")), "creation")
    date(citation, _date(pkg.get("metadata_modified")), "revision")
    string(ident, "gmd:abstract", pkg.get("notes") or pkg.get("title") or pkg["name"])
    party(ident, "gmd:pointOfContact", who, "owner")
    tags = [t["display_name"] for t in pkg.get("tags") or []]
    if tags:
        keywords = el(el(ident, "gmd:descriptiveKeywords"), "gmd:MD_Keywords")
        for tag in tags:
            string(keywords, "gmd:keyword", tag)
        code(keywords, "gmd:type", "MD_KeywordTypeCode", "theme")
    if pkg.get("license_title"):
        constraints = el(el(ident, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
        string(constraints, "gmd:useLimitation", pkg["license_title"])
    code(ident, "gmd:spatialRepresentationType", "MD_SpatialRepresentationTypeCode", "vector")
    code(ident, "gmd:language", "LanguageCode", language)
    if topic:
        el(el(ident, "gmd:topicCategory"), "gmd:MD_TopicCategoryCode", topic)
    bbox = _bbox(layers)
    if bbox:
        box = el(el(el(ident, "gmd:extent"), "gmd:EX_Extent"), "gmd:geographicElement")
        box = el(box, "gmd:EX_GeographicBoundingBox")
        for tag, value in (("westBoundLongitude", bbox[0]), ("eastBoundLongitude", bbox[2]),
                           ("southBoundLatitude", bbox[1]), ("northBoundLatitude", bbox[3])):
            el(el(box, f"gmd:{tag}"), "gco:Decimal", repr(float(value)))

    distribution = el(el(root, "gmd:distributionInfo"), "gmd:MD_Distribution")
    fmt = el(el(distribution, "gmd:distributionFormat"), "gmd:MD_Format")
    string(fmt, "gmd:name", "GeoJSON")
    string(fmt, "gmd:version", "RFC 7946")
    options = el(el(distribution, "gmd:transferOptions"), "gmd:MD_DigitalTransferOptions")
    for link in links(pkg, layers, base):
        online = el(el(options, "gmd:onLine"), "gmd:CI_OnlineResource")
        el(el(online, "gmd:linkage"), "gmd:URL", link["url"])
        string(online, "gmd:protocol", link["protocol"])
        string(online, "gmd:name", link["name"])
        string(online, "gmd:description", link["description"])

    quality = el(el(root, "gmd:dataQualityInfo"), "gmd:DQ_DataQuality")
    code(el(el(quality, "gmd:scope"), "gmd:DQ_Scope"), "gmd:level", "MD_ScopeCode", "dataset")
    lineage = el(el(quality, "gmd:lineage"), "gmd:LI_Lineage")
    string(lineage, "gmd:statement", _lineage(pkg, layers))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def _wkt(bbox: tuple[float, float, float, float] | None) -> str | None:
    if bbox is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in bbox)
    if (x0, y0) == (x1, y1):
        return f"POINT({x0!r} {y0!r})"
    return f"POLYGON(({x0!r} {y0!r},{x0!r} {y1!r},{x1!r} {y1!r},{x1!r} {y0!r},{x0!r} {y0!r}))"


def _links_column(items: list[dict[str, str]]) -> str:
    """pycsw 2.6's `links`: name,description,protocol,url joined by ^ (so no commas or ^ inside)."""
    def clean(text: str) -> str:
        return text.replace(",", " ").replace("^", " ")

    return "^".join(",".join([clean(i["name"]), clean(i["description"]), i["protocol"], i["url"]])
                    for i in items)


def record(pkg: dict[str, Any], layers: list[dict[str, Any]], base: str,
           now: dt.datetime | None = None, topic: str | None = None) -> dict[str, Any]:
    """The repository row of a dataset: its ISO XML and the columns pycsw queries and writes
    Dublin Core from (pycsw.core.config's mapping of csw:Record and gmd:MD_Metadata)."""
    xml = iso_xml(pkg, layers, base, topic)
    who = _organization(pkg)
    tags = [t["display_name"] for t in pkg.get("tags") or []]
    items = links(pkg, layers, base)
    modified = _date(pkg.get("metadata_modified"))
    text = " ".join(t.strip() for t in etree.fromstring(xml).itertext() if t.strip())
    return {
        "identifier": pkg["id"],
        "typename": "gmd:MD_Metadata",
        "schema": GMD,
        "mdsource": "local",
        "insert_date": (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "xml": xml.decode("utf-8"),
        "anytext": text,
        "language": LANGUAGES.get(pkg.get("language") or "id", "ind"),
        "resourcelanguage": LANGUAGES.get(pkg.get("language") or "id", "ind"),
        "type": "dataset",
        "title": pkg.get("title") or pkg["name"],
        "abstract": pkg.get("notes") or "",
        "keywords": ",".join(tags),
        "keywordstype": "theme" if tags else None,
        "topicategory": topic,
        "creator": who["name"],
        "publisher": who["name"],
        "organization": who["name"],
        "responsiblepartyrole": "owner",
        "date": modified,
        "date_creation": _date(pkg.get("metadata_created")),
        "date_revision": modified,
        "date_modified": modified,
        "format": "GeoJSON",
        "source": items[0]["url"],
        "crs": "urn:ogc:def:crs:EPSG:6.11:4326",
        "wkt_geometry": _wkt(_bbox(layers)),
        "accessconstraints": pkg.get("license_title") or None,
        "conditionapplyingtoaccessanduse": pkg.get("license_title") or None,
        "lineage": _lineage(pkg, layers),
        "links": _links_column(items),
    }


# --- keeping the table in step with CKAN ------------------------------------------------------

def _site_context() -> dict[str, Any]:
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": user["name"]}


def _upsert(conn, row: dict[str, Any]) -> None:
    columns = list(row)
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != "identifier")
    conn.execute(sa.text(
        f"INSERT INTO {TABLE} ({names}, wkb_geometry) "
        f"VALUES ({values}, ST_GeomFromText(:wkt_geometry, 4326)) "
        f"ON CONFLICT (identifier) DO UPDATE SET {updates}, wkb_geometry = EXCLUDED.wkb_geometry"),
        row)


def sync_dataset(package_id: str) -> bool:
    """Writes (or removes) the dataset's record; True when the dataset is in the catalogue."""
    try:
        # not the search index's copy: inside package_delete it still says "active"
        pkg = tk.get_action("package_show")({**_site_context(), "use_cache": False},
                                            {"id": package_id})
    except tk.ObjectNotFound:
        pkg = None
    layers = store.layers([pkg["id"]]) if publishable(pkg) else []
    with store.engine().begin() as conn:
        if not layers:
            conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE identifier = :id"),
                         {"id": pkg["id"] if pkg else package_id})
            return False
        # the urusan's ISO topic comes from Satu Data's code list, through CKAN's helpers (none
        # when that plugin is off)
        topic = getattr(tk.h, "tangerang_iso_topic", lambda urusan: None)(pkg.get("urusan"))
        _upsert(conn, record(pkg, layers, site_base(), topic=topic))
    return True


def dataset_changed(package_id: str | None) -> None:
    """A dataset was created, changed or deleted, or one of its layers: its record follows.
    The feature store down must not fail the dataset's own change: the log says, csw-sync mends."""
    if not package_id:
        return
    try:
        sync_dataset(package_id)
    except sa.exc.SQLAlchemyError as e:
        log.warning("dataset %s: CSW record not written: %s", package_id, e)


def dataset_removed(package_id: str | None) -> None:
    """The dataset is being deleted (its id or name): its record goes."""
    if not package_id:
        return
    try:
        package_id = tk.get_action("package_show")(
            {**_site_context(), "use_cache": False}, {"id": package_id})["id"]
    except tk.ObjectNotFound:
        pass
    try:
        with store.engine().begin() as conn:
            conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE identifier = :id"), {"id": package_id})
    except sa.exc.SQLAlchemyError as e:
        log.warning("dataset %s: CSW record not removed: %s", package_id, e)


def package_ids() -> list[str]:
    """The datasets a full sync looks at: those with a layer and those with a record."""
    with store.engine().connect() as conn:
        recorded = conn.execute(sa.text(f"SELECT identifier FROM {TABLE}")).scalars().all()
    return sorted({layer["package_id"] for layer in store.layers()} | set(recorded))


def sync_all(ids: Iterable[str], on_progress: Callable[[int], None] | None = None) -> int:
    """Rebuilds the records of `ids` (package_ids()); returns how many are in the catalogue."""
    written = 0
    for package_id in ids:
        written += sync_dataset(package_id)
        if on_progress:
            on_progress(1)
    return written


# --- the service --------------------------------------------------------------------------------

def service_metadata() -> dict[str, str]:
    """pycsw's [metadata:main] from CKAN's config and the city profile."""
    profile = city.current()
    meta = profile.meta
    contact = meta.get("contact") or {}
    walidata = next((o for o in profile.opds if o.name == meta.get("walidata_org")), None)
    provider = walidata.title if walidata else meta["name"]
    base = site_base()
    return {
        "identification_title": tk._("{portal} - Satu Peta catalogue").format(
            portal=meta["portal_title"]),
        "identification_abstract": tk._(
            "Metadata of the geospatial datasets of {city} published on Satu Peta: map layers "
            "served as WMS, WFS and OGC API - Features.").format(city=meta["name"]),
        "identification_keywords": ",".join(
            k for k in ("Satu Peta", "Satu Data", meta["name"], meta.get("province")) if k),
        "identification_keywords_type": "theme",
        "identification_fees": "None",
        "identification_accessconstraints": "None",
        "provider_name": provider,
        "provider_url": base + "/",
        "contact_name": provider,
        "contact_position": tk._("Walidata"),
        "contact_address": contact.get("address", ""),
        "contact_city": meta["name"],
        "contact_stateorprovince": meta.get("province", ""),
        "contact_postalcode": "",
        "contact_country": "Indonesia",
        "contact_phone": contact.get("phone", ""),
        "contact_fax": "",
        "contact_email": contact.get("email", "") or (walidata.email if walidata else ""),
        "contact_url": base + "/",
        "contact_hours": "",
        "contact_instructions": "",
        "contact_role": "pointOfContact",
    }


def exception_report(code: str, text: str, version: str = "1.2.0") -> bytes:
    """An OWS ExceptionReport for what the portal answers itself (pycsw not reachable)."""
    root = etree.Element(f"{{{OWS}}}ExceptionReport", nsmap={"ows": OWS}, version=version)
    exc = etree.SubElement(root, f"{{{OWS}}}Exception", exceptionCode=code)
    etree.SubElement(exc, f"{{{OWS}}}ExceptionText").text = text
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def forward(method: str, query_string: str, body: bytes | None,
            content_type: str | None) -> tuple[int, bytes, str]:
    """Sends a CSW request on to pycsw; (status, body, content type) of its answer."""
    url = tk.config.get("ckanext.tangerang.satupeta.csw.backend_url")
    service = {"url": site_base() + "/csw", "metadata": service_metadata()}
    headers = {SERVICE_HEADER: json.dumps(service, ensure_ascii=True)}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        resp = requests.request(method, url + ("?" + query_string if query_string else ""),
                                data=body, headers=headers, timeout=60, allow_redirects=False)
    except requests.RequestException as e:
        log.warning("CSW backend %s not reachable: %s", url, e)
        return 503, exception_report(
            "NoApplicableCode", tk._("The catalogue service is unavailable; try again later.")), XML
    return resp.status_code, resp.content, resp.headers.get("Content-Type", XML)
