"""Actions of Satu Data (``/api/3/action/<name>``)."""
from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang import city
from ckanext.tangerang.satudata import codelists
from ckanext.tangerang.satudata.logic.auth import is_walidata
from ckanext.tangerang.satudata import model as store
from ckanext.tangerang.satudata.model import APPROVED, RETURNED, SUBMITTED, Download, Review

__all__ = [
    "tangerang_city_show", "package_create", "package_update",
    "tangerang_review_submit", "tangerang_review_approve", "tangerang_review_return",
    "tangerang_review_history", "tangerang_walidata_dashboard", "tangerang_download_count",
    "tangerang_table_load", "tangerang_table_load_show", "datastore_search_sql",
    "tangerang_standard_list", "tangerang_standard_show", "tangerang_standard_create",
    "tangerang_standard_update", "tangerang_standard_delete",
]

log = logging.getLogger(__name__)
OPEN = "terbuka"
# set in the context by the review actions, whose package_patch may publish
REVIEW_FLAG = "tangerang_review"


@tk.side_effect_free
def tangerang_city_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The city profile: name, region code, extent, kecamatan and OPD list.

    Public: apps such as Tangerang LIVE read it to label data by region and publisher.
    """
    tk.check_access("tangerang_city_show", context, data_dict)
    profile = city.current()
    meta = profile.meta
    return {
        "name": meta["name"],
        "portal_title": meta["portal_title"],
        "region_code": meta["region_code"],
        "province": meta.get("province"),
        "bbox": list(profile.bbox),
        "regions": [
            {"code": r.code, "name": r.name, "level": r.level, "parent": r.parent}
            for r in profile.regions
        ],
        "opd": [{"name": o.name, "title": o.title, "short_title": o.short_title} for o in profile.opds],
    }


# ---------------------------------------------------------------- publishing rules

def _review_required() -> bool:
    return tk.config.get("ckanext.tangerang.satudata.review_required")


def _restricted(data_dict: dict[str, Any]) -> bool:
    return data_dict.get("tingkat_akses") not in (None, "", OPEN)


@tk.chained_action
def package_create(up_func, context: dict[str, Any], data_dict: dict[str, Any]):
    """Terbatas/tertutup datasets are always private; an OPD's new dataset is a private draft
    until the Walidata approves it."""
    if _restricted(data_dict) or (_review_required() and not is_walidata(context.get("user"))):
        data_dict["private"] = True
    return up_func(context, data_dict)


@tk.chained_action
def package_update(up_func, context: dict[str, Any], data_dict: dict[str, Any]):
    """An OPD editor cannot publish: a private dataset stays private until approved. Withdrawing
    a published dataset (making it private) is the OPD's own call."""
    if _restricted(data_dict):
        data_dict["private"] = True
    elif (_review_required() and not context.get(REVIEW_FLAG)
          and not is_walidata(context.get("user"))):
        current = model.Package.get(data_dict.get("id") or data_dict.get("name", ""))
        if current is not None and not tk.asbool(data_dict.get("private", current.private)):
            data_dict["private"] = current.private
    return up_func(context, data_dict)


# ---------------------------------------------------------------- Walidata review

def _package(data_dict: dict[str, Any]) -> model.Package:
    pkg = model.Package.get(tk.get_or_bust(data_dict, "id"))
    if pkg is None or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _record(context: dict[str, Any], pkg: model.Package, status: str, reason: str | None = None):
    user = model.User.get(context["user"])
    model.Session.add(Review(package_id=pkg.id, status=status, reason=reason, user_id=user.id))


def _latest(package_id: str) -> Review | None:
    return (model.Session.query(Review).filter(Review.package_id == package_id)
            .order_by(Review.created.desc()).first())


def _review_dict(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    user = model.User.get(review.user_id)
    return {"status": review.status, "reason": review.reason,
            "user": user.name if user else None, "created": review.created.isoformat()}


def _patch(context: dict[str, Any], pkg: model.Package, private: bool) -> dict[str, Any]:
    patch_context = {"user": context["user"], "ignore_auth": True, REVIEW_FLAG: True}
    return tk.get_action("package_patch")(patch_context, {"id": pkg.id, "private": private})


def tangerang_review_submit(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The OPD sends its dataset to the Walidata for review.

    :param id: the dataset's id or name
    """
    pkg = _package(data_dict)
    tk.check_access("tangerang_review_submit", context, {"id": pkg.id})
    latest = _latest(pkg.id)
    if latest is not None and latest.status == SUBMITTED:
        raise tk.ValidationError({"id": [tk._("The dataset is already waiting for review")]})
    _record(context, pkg, SUBMITTED)
    model.repo.commit()
    return _review_dict(_latest(pkg.id))


def tangerang_review_approve(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The Walidata approves: an open (terbuka) dataset becomes public.

    :param id: the dataset's id or name
    """
    pkg = _package(data_dict)
    tk.check_access("tangerang_review_approve", context, {"id": pkg.id})
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": pkg.id})
    _patch(context, pkg, private=_restricted(dataset))
    _record(context, pkg, APPROVED)
    model.repo.commit()
    return _review_dict(_latest(pkg.id))


def tangerang_review_return(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The Walidata sends the dataset back to its OPD with the reason; it is private again.

    :param id: the dataset's id or name
    :param reason: what the OPD must fix
    """
    pkg = _package(data_dict)
    tk.check_access("tangerang_review_return", context, {"id": pkg.id})
    reason = (data_dict.get("reason") or "").strip()
    if not reason:
        raise tk.ValidationError({"reason": [tk._("Give the reason the dataset is sent back")]})
    _patch(context, pkg, private=True)
    _record(context, pkg, RETURNED, reason)
    model.repo.commit()
    return _review_dict(_latest(pkg.id))


@tk.side_effect_free
def tangerang_review_history(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The dataset's review steps, newest first, and its current status.

    :param id: the dataset's id or name
    """
    pkg = _package(data_dict)
    tk.check_access("tangerang_review_history", context, {"id": pkg.id})
    rows = (model.Session.query(Review).filter(Review.package_id == pkg.id)
            .order_by(Review.created.desc()).all())
    steps = [_review_dict(r) for r in rows]
    return {"status": steps[0]["status"] if steps else None, "private": pkg.private, "steps": steps}


@tk.side_effect_free
def tangerang_walidata_dashboard(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Datasets waiting for review, and datasets not updated within their frekuensi."""
    tk.check_access("tangerang_walidata_dashboard", context, data_dict)
    latest = (model.Session.query(Review.package_id, Review.status,
                                  Review.created)
              .distinct(Review.package_id)
              .order_by(Review.package_id, Review.created.desc()).subquery())
    waiting_rows = (model.Session.query(model.Package, latest.c.created)
                    .join(latest, latest.c.package_id == model.Package.id)
                    .filter(latest.c.status == SUBMITTED, model.Package.state == "active")
                    .order_by(latest.c.created).all())
    waiting = [{"id": p.id, "name": p.name, "title": p.title,
                "owner_org": p.owner_org, "submitted": created.isoformat()}
               for p, created in waiting_rows]
    search = tk.get_action("package_search")
    overdue = []
    now = datetime.datetime.utcnow()
    for code in codelists.codes("frekuensi"):
        if not code.days:
            continue
        result = search({"ignore_auth": True}, {
            "q": "*:*", "include_private": True, "rows": 1000, "sort": "metadata_modified asc",
            "fq": f'frekuensi:"{code.value}" AND metadata_modified:[* TO NOW-{code.days}DAYS]',
            "fl": "id,name,title,owner_org,metadata_modified,frekuensi",
        })
        for d in result["results"]:
            modified = datetime.datetime.fromisoformat(d["metadata_modified"].rstrip("Z"))
            overdue.append({"id": d["id"], "name": d["name"], "title": d["title"],
                            "owner_org": d.get("owner_org"), "frekuensi": code.value,
                            "metadata_modified": d["metadata_modified"],
                            "days_late": (now - modified).days - code.days})
    overdue.sort(key=lambda d: -d["days_late"])
    return {"waiting": waiting, "overdue": overdue}


# ---------------------------------------------------------------- downloads

def count_download(resource_id: str) -> None:
    """Adds one to the resource's download count (called by the download view)."""
    row = model.Session.get(Download, resource_id)
    if row is None:
        model.Session.add(Download(resource_id=resource_id, count=1))
    else:
        row.count = Download.count + 1
    model.Session.commit()


@tk.side_effect_free
def tangerang_download_count(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """How often the resource's file was downloaded.

    :param id: the resource's id
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("tangerang_download_count", context, {"id": resource_id})
    row = model.Session.get(Download, resource_id)
    return {"id": resource_id, "count": row.count if row else 0}


# ---------------------------------------------------------------- tables in the DataStore

def queue_table_load(resource: dict[str, Any], sheet: str | None = None) -> dict[str, Any]:
    """Records a load of the resource's table and hands it to the job queue; when the queue
    (Redis) cannot be reached, the load is marked failed with a message that says so."""
    import redis

    from ckanext.tangerang.satudata.tables import load, read

    run = store.create_load(resource["id"], sheet)
    try:
        tk.enqueue_job(load.load_resource, [run["id"]],
                       title=f"Satu Data load of resource {resource['id']} into the DataStore",
                       rq_kwargs={"timeout": 6 * 3600})
    except redis.exceptions.RedisError as e:
        log.error("table load %s of resource %s not queued: %r", run["id"], resource["id"], e)
        store.update_load(run["id"], status=store.FAILED, error={"message": read.N_(
            "The load could not start because the job queue is not reachable. The file is "
            "saved: start the load again on this page in a few minutes.")})
    return store.get_load(run["id"])


def tangerang_table_load(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Loads a tabular resource's uploaded file into the DataStore again (through the worker).

    :param id: the resource's id
    :param sheet: for a spreadsheet, the sheet to load (default: the resource's Sheet field,
        else the first sheet)
    """
    tk.check_access("tangerang_table_load", context, data_dict)
    resource = tk.get_action("resource_show")(context, {"id": tk.get_or_bust(data_dict, "id")})
    from ckanext.tangerang.satudata.tables import load

    if load.is_table(resource) is None:
        raise tk.ValidationError({"id": [tk._(
            "Only an uploaded CSV, TSV, XLSX, XLS or ODS file is loaded into the DataStore.")]})
    sheet = (data_dict.get("sheet") or "").strip() or None
    return queue_table_load(resource, sheet)


@tk.side_effect_free
def tangerang_table_load_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The last load of a resource into the DataStore: status, step, progress (bytes), report
    (rows, columns and their types, warnings) or error, the messages in the reader's language.

    :param id: the resource's id
    """
    tk.check_access("tangerang_table_load_show", context, data_dict)
    run = store.latest_load(tk.get_or_bust(data_dict, "id"))
    if run:
        run["error_message"] = _say(run.get("error"))
        run["warning_messages"] = [_say(w) for w in (run.get("report") or {}).get("warnings", [])]
        run["problems"] = [{"row": p["row"], "column": p["column"], "message": _say(p)}
                           for p in (run.get("error") or {}).get("problems", [])]
    return run


def _say(item: dict[str, Any] | None) -> str | None:
    """A stored problem (msgid and values) in the reader's language."""
    if not item:
        return None
    msgid = item["message"]
    return tk._(msgid).format(**(item.get("params") or {}))


@tk.chained_action
def datastore_search_sql(up_func, context: dict[str, Any], data_dict: dict[str, Any]):
    """CKAN's SQL search of the Data API, stopped after the portal's timeout (CKAN's own is a
    minute, too long for a public endpoint). A call without its SQL is refused here: CKAN 2.12
    answers it with a server error (KeyError)."""
    if not isinstance(data_dict.get("sql"), str) or not data_dict["sql"].strip():
        raise tk.ValidationError({"sql": [tk._("Missing value")]})
    context["query_timeout"] = tk.config.get("ckanext.tangerang.satudata.tables.sql_timeout")
    return up_func(context, data_dict)


# ---------------------------------------------------------------- Standar Data

@tk.side_effect_free
def tangerang_standard_list(context: dict[str, Any], data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The data standards the Walidata published (public): name, title, description, schema."""
    tk.check_access("tangerang_standard_list", context, data_dict)
    return store.standards()


@tk.side_effect_free
def tangerang_standard_show(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """One data standard (public), its Table Schema with the code lists it names.

    :param id: the standard's name or id
    """
    tk.check_access("tangerang_standard_show", context, data_dict)
    standard = store.get_standard(tk.get_or_bust(data_dict, "id"))
    if standard is None:
        raise tk.ObjectNotFound(tk._("Data standard not found"))
    return standard.as_dict()


def _standard_values(data_dict: dict[str, Any]) -> dict[str, Any]:
    from ckanext.tangerang.satudata.tables import standard

    values = {k: data_dict.get(k) for k in ("name", "title", "description", "schema")}
    values["name"] = (values["name"] or "").strip()
    if isinstance(values["schema"], str):
        try:
            values["schema"] = json.loads(values["schema"])
        except ValueError as e:
            raise tk.ValidationError({"schema": [tk._("The schema is not valid JSON: {error}").format(error=e)]})
    errors = standard.check(values, codelists.standard_codes, tk._)
    if errors:
        raise tk.ValidationError(errors)
    return values


def tangerang_standard_create(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Publishes a data standard (Walidata only).

    :param name: its short name (lower case, digits, - and _)
    :param title: its title
    :param description: what it is for (optional)
    :param schema: a Frictionless Table Schema (object or JSON text); a field may name a code
        list with ``codelist`` (wilayah, kecamatan, kelurahan, urusan, ...) and a ``unit``
    """
    tk.check_access("tangerang_standard_create", context, data_dict)
    values = _standard_values(data_dict)
    if store.get_standard(values["name"]) is not None:
        raise tk.ValidationError({"name": [tk._("A data standard with this name exists already")]})
    user = model.User.get(context["user"])
    return store.save_standard(values, user.id if user else None)


def tangerang_standard_update(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Changes a data standard (Walidata only): the parameters of tangerang_standard_create, and
    ``id``, its current name or id. Resources linked to it are checked again at their next load."""
    tk.check_access("tangerang_standard_update", context, data_dict)
    current = store.get_standard(tk.get_or_bust(data_dict, "id"))
    if current is None:
        raise tk.ObjectNotFound(tk._("Data standard not found"))
    values = _standard_values({"name": current.name, **data_dict})
    other = store.get_standard(values["name"])
    if other is not None and other.id != current.id:
        raise tk.ValidationError({"name": [tk._("A data standard with this name exists already")]})
    return store.save_standard(values, None, current)


def tangerang_standard_delete(context: dict[str, Any], data_dict: dict[str, Any]) -> None:
    """Withdraws a data standard (Walidata only).

    :param id: the standard's name or id
    """
    tk.check_access("tangerang_standard_delete", context, data_dict)
    current = store.get_standard(tk.get_or_bust(data_dict, "id"))
    if current is None:
        raise tk.ObjectNotFound(tk._("Data standard not found"))
    store.delete_standard(current)
