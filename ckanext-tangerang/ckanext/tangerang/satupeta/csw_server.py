"""pycsw behind the portal's /csw: a WSGI application run by .venv-pycsw's gunicorn.

Runs in pycsw's own virtualenv (requirements-csw.txt), apart from CKAN: it imports nothing of
CKAN or of this package. The records are the table satupeta/csw.py writes in the PostGIS
database named by SATUPETA_CSW_DATABASE; the service's metadata (title, provider, contact, the
public URL) comes with each request from the portal, which alone reaches this process (it
listens on the loopback or the containers' internal network). Read-only: no CSW-T, no Harvest.

    SATUPETA_CSW_DATABASE=postgresql://... .venv-pycsw/bin/gunicorn \\
        --pythonpath ckanext-tangerang/ckanext/tangerang/satupeta csw_server:application
"""
from __future__ import annotations

import configparser
import json
import logging
import os

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from lxml import etree  # noqa: E402
from pycsw import server  # noqa: E402

LOGGER = logging.getLogger("satupeta.csw")
TABLE = "tangerang_satupeta_csw_record"
SERVICE_HEADER = "HTTP_X_SATUPETA_CSW_SERVICE"
OWS = "http://www.opengis.net/ows"
MAX_RECORDS = "100"


def _config(service: dict) -> configparser.ConfigParser:
    # no interpolation: a title with % or $ is text, not a reference
    config = configparser.ConfigParser(interpolation=None)
    config.read_dict({
        "server": {
            "url": service.get("url") or "http://localhost/csw",
            "mimetype": "application/xml; charset=UTF-8",
            "encoding": "UTF-8",
            "language": "en-US",
            "maxrecords": MAX_RECORDS,
            "pretty_print": "false",
            "domainquerytype": "list",
            "domaincounts": "false",
            "profiles": "apiso",
        },
        "manager": {"transactions": "false", "allowed_ips": ""},
        # pycsw reads some keys without a default (a health check sends no metadata)
        "metadata:main": {"identification_title": "CSW", "identification_keywords": "",
                          **{k: str(v) for k, v in (service.get("metadata") or {}).items()}},
        "metadata:inspire": {"enabled": "false"},
        "repository": {"database": os.environ["SATUPETA_CSW_DATABASE"], "table": TABLE},
    })
    return config


def _exception(text: str) -> bytes:
    root = etree.Element(f"{{{OWS}}}ExceptionReport", nsmap={"ows": OWS}, version="1.2.0")
    exc = etree.SubElement(root, f"{{{OWS}}}Exception", exceptionCode="NoApplicableCode")
    etree.SubElement(exc, f"{{{OWS}}}ExceptionText").text = text
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def application(environ, start_response):
    try:
        service = json.loads(environ.get(SERVICE_HEADER) or "{}")
        csw = server.Csw(_config(service), environ)
        status, contents = csw.dispatch_wsgi()
        content_type = str(csw.contenttype)
    except Exception:  # pycsw answers what it understands; anything else is ours to report
        LOGGER.exception("CSW request failed")
        status, contents = "503 Service Unavailable", _exception("The catalogue failed to answer.")
        content_type = "application/xml; charset=UTF-8"
    if isinstance(contents, str):
        contents = contents.encode("utf-8")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(contents)))])
    return [contents]
