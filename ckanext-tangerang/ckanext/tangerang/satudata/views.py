"""Pages of Satu Data: the Walidata dashboard, the zip of a dataset's files, download counts."""
from __future__ import annotations

import os
import zipfile

from flask import Blueprint, Response, request
from zipstream import ZipStream

import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.tangerang.satudata.logic.action import count_download

satudata = Blueprint("tangerang_satudata", __name__)


@satudata.before_app_request
def _count_resource_download():
    # CKAN's own download view serves the file; we only count it
    # "dataset_resource.download", or "<type>_resource.download" for other dataset types
    if (request.endpoint or "").endswith("resource.download") and request.view_args:
        resource_id = request.view_args.get("resource_id")
        try:
            tk.get_action("resource_show")({"user": tk.current_user.name}, {"id": resource_id})
        except (tk.NotAuthorized, tk.ObjectNotFound):
            return None
        count_download(resource_id)
    return None


@satudata.route("/walidata")
def dashboard():
    try:
        data = tk.get_action("tangerang_walidata_dashboard")({"user": tk.current_user.name}, {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Walidata may see this page"))
    return tk.render("satudata/walidata_dashboard.html", {"dashboard": data})


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "file"


@satudata.route("/dataset/<id>/zip")
def dataset_zip(id: str):
    """All uploaded files of the dataset in one zip; links to external files are listed.

    The zip is streamed as it is compressed, file by file, so memory stays flat however large
    the files (up to zip_max_bytes) and the first bytes leave at once."""
    context = {"user": tk.current_user.name}
    try:
        dataset = tk.get_action("package_show")(context, {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404, tk._("Dataset not found"))
    limit = tk.config.get("ckanext.tangerang.satudata.zip_max_bytes")
    archive = ZipStream(compress_type=zipfile.ZIP_DEFLATED)
    total = 0
    links = []
    used = set()
    included = []
    for resource in dataset.get("resources", []):
        if resource.get("url_type") != "upload":
            links.append(f"{resource.get('name') or resource['id']}: {resource.get('url')}")
            continue
        path = uploader.get_resource_uploader(resource).get_path(resource["id"])
        if not os.path.exists(path):
            continue
        total += os.path.getsize(path)
        if total > limit:
            return tk.abort(413, tk._("The dataset's files are too large for one zip; "
                                      "download them one by one"))
        name = _safe_name(resource.get("url", "").rsplit("/", 1)[-1] or resource["id"])
        while name in used:
            name = f"{resource['id'][:8]}-{name}"
        used.add(name)
        archive.add_path(path, name)  # read only while the response is sent
        included.append(resource["id"])
    if links:
        archive.add(("\n".join(links) + "\n").encode(), "tautan.txt")
    # counted now: the stream is written after this request's database session has ended
    for resource_id in included:
        count_download(resource_id)
    return Response(archive, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{_safe_name(dataset["name"])}.zip"'})


REVIEW_STEPS = {
    "submit": "tangerang_review_submit",
    "approve": "tangerang_review_approve",
    "return": "tangerang_review_return",
}


@satudata.route("/dataset/<id>/review/<step>", methods=["POST"])
def review(id: str, step: str):
    """The review buttons of the dataset page."""
    if step not in REVIEW_STEPS:
        return tk.abort(404)
    try:
        tk.get_action(REVIEW_STEPS[step])(
            {"user": tk.current_user.name},
            {"id": id, "reason": request.form.get("reason", "")})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Walidata may do this"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.ValidationError as e:
        for messages in e.error_dict.values():
            for message in messages if isinstance(messages, list) else [messages]:
                tk.h.flash_error(message)
    else:
        tk.h.flash_success(tk._("Review step saved"))
    return tk.redirect_to("dataset.read", id=id)
