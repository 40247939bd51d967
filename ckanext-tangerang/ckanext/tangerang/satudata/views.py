"""Pages of Satu Data: the Walidata dashboard, the zip of a dataset's files, download counts,
the downloads of DataStore tables."""
from __future__ import annotations

import json
import os
import zipfile

from flask import Blueprint, Response, request
from zipstream import ZipStream

import ckan.plugins.toolkit as tk
from ckan.lib import uploader

from ckanext.tangerang.satudata import codelists
from ckanext.tangerang.satudata.logic.action import count_download
from ckanext.tangerang.satudata.tables import export

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


# ---------------------------------------------------------------- tables in the DataStore

def _resource_of(id: str, resource_id: str) -> dict:
    """The resource, if the viewer may see it and it belongs to the dataset of the URL."""
    context = {"user": tk.current_user.name}
    try:
        resource = tk.get_action("resource_show")(context, {"id": resource_id})
        dataset = tk.get_action("package_show")(context, {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404, tk._("Resource not found"))
    if resource["package_id"] != dataset["id"]:
        return tk.abort(404, tk._("Resource not found"))
    return resource


@satudata.route("/dataset/<id>/resource/<resource_id>/table.<fmt>")
def table_download(id: str, resource_id: str, fmt: str):
    """The resource's DataStore table as CSV, TSV, JSON or XLSX (tables/export.py)."""
    if fmt not in export.FORMATS:
        return tk.abort(404, tk._("Unsupported format"))
    resource = _resource_of(id, resource_id)
    try:
        fields, rows = export.pages(resource["id"], tk.current_user.name)
    except tk.NotAuthorized:
        return tk.abort(404, tk._("Resource not found"))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("This resource has no table in the DataStore"))
    name = _safe_name((resource.get("name") or resource["id"]).rsplit(".", 1)[0])
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "xlsx":
        body = export.xlsx(fields, rows, resource.get("name") or "Data")
        return Response(body, mimetype=export.FORMATS[fmt], headers=headers)
    if fmt == "json":
        body = export.json_lines(fields, rows)
    else:
        body = export.delimited(fields, rows, "," if fmt == "csv" else "\t")
    return Response(body, content_type=export.FORMATS[fmt], headers=headers)


@satudata.route("/dataset/<id>/resource/<resource_id>/load", methods=["POST"])
def table_load(id: str, resource_id: str):
    """The resource page's "load again" button (another sheet, after a fix of the file)."""
    resource = _resource_of(id, resource_id)
    try:
        tk.get_action("tangerang_table_load")(
            {"user": tk.current_user.name},
            {"id": resource["id"], "sheet": request.form.get("sheet", "")})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You may not see or change this resource"))
    except tk.ValidationError as e:
        for messages in e.error_dict.values():
            for message in messages if isinstance(messages, list) else [messages]:
                tk.h.flash_error(message)
    else:
        tk.h.flash_success(tk._("The table is being loaded again"))
    return tk.redirect_to("resource.read", id=id, resource_id=resource["id"])


# ---------------------------------------------------------------- Standar Data

@satudata.route("/standar-data")
def standard_list():
    standards = tk.get_action("tangerang_standard_list")({"user": tk.current_user.name}, {})
    return tk.render("satudata/standard_list.html", {"standards": standards})


@satudata.route("/standar-data/<name>")
def standard_read(name: str):
    try:
        standard = tk.get_action("tangerang_standard_show")({"user": tk.current_user.name}, {"id": name})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data standard not found"))
    return tk.render("satudata/standard_read.html", {"standard": standard})


@satudata.route("/standar-data/<name>/schema.json")
def standard_schema(name: str):
    """The Table Schema as published, for frictionless, ckanext-validation or the OPD's tools."""
    try:
        standard = tk.get_action("tangerang_standard_show")({"user": tk.current_user.name}, {"id": name})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data standard not found"))
    return Response(json.dumps(standard["schema"], ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8")


@satudata.route("/standar-data/baru", methods=["GET", "POST"], endpoint="standard_new")
@satudata.route("/standar-data/<name>/ubah", methods=["GET", "POST"])
def standard_edit(name: str | None = None):
    """The Walidata's form: a standard's name, title, description and Table Schema (JSON)."""
    context = {"user": tk.current_user.name}
    action = "tangerang_standard_update" if name else "tangerang_standard_create"
    try:
        tk.check_access(action, context, {"id": name})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Walidata may do this"))
    data: dict = {}
    if name:
        try:
            data = tk.get_action("tangerang_standard_show")(context, {"id": name})
        except tk.ObjectNotFound:
            return tk.abort(404, tk._("Data standard not found"))
        data["schema"] = json.dumps(data["schema"], ensure_ascii=False, indent=2)
    errors: dict = {}
    if request.method == "POST":
        data = {k: request.form.get(k, "") for k in ("name", "title", "description", "schema")}
        try:
            saved = tk.get_action(action)(context, {**data, "id": name} if name else data)
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(tk._("Data standard saved"))
            return tk.redirect_to("tangerang_satudata.standard_read", name=saved["name"])
    return tk.render("satudata/standard_form.html", {
        "data": data, "errors": errors, "editing": name,
        "codelists": codelists.standard_code_lists(), "types": _standard_types()})


@satudata.route("/standar-data/<name>/hapus", methods=["POST"])
def standard_delete(name: str):
    try:
        tk.get_action("tangerang_standard_delete")({"user": tk.current_user.name}, {"id": name})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the Walidata may do this"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data standard not found"))
    tk.h.flash_success(tk._("Data standard withdrawn"))
    return tk.redirect_to("tangerang_satudata.standard_list")


def _standard_types() -> tuple[str, ...]:
    from ckanext.tangerang.satudata.tables import standard

    return standard.TYPES
