"""/csw: the catalogue service (CSW 2.0.2 and 3.0), answered by pycsw (csw.py, csw_server.py)."""
from __future__ import annotations

from flask import Blueprint, Response, request

import ckan.plugins.toolkit as tk
from ckan.config.middleware.flask_app import csrf

from ckanext.tangerang.satupeta import csw

csw_service = Blueprint("satupeta_csw", __name__)
# CSW clients (harvesters, GIS desktops) POST XML requests without a browser session or a CSRF
# token; the service only reads public records
csrf.exempt(csw_service)


@csw_service.route("/csw", methods=["GET", "POST"])
def endpoint():
    body = None
    if request.method == "POST":
        body = request.stream.read(csw.MAX_REQUEST_BYTES + 1)
        if len(body) > csw.MAX_REQUEST_BYTES:
            return Response(csw.exception_report("InvalidParameterValue", tk._(
                "The request is larger than {size} bytes.").format(size=csw.MAX_REQUEST_BYTES)),
                status=413, content_type=csw.XML)
    status, content, content_type = csw.forward(
        request.method, request.query_string.decode("latin-1"), body, request.content_type)
    return Response(content, status=status, content_type=content_type)
