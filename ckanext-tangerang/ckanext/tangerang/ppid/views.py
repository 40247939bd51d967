"""PPID pages: the public form, tracking, officers' desk, DIP, register, statistics, report."""
from __future__ import annotations

import io
import uuid
from typing import Any

from flask import Blueprint, Response, make_response, send_file

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import choices, lib
from ckanext.tangerang.ppid.logic import report as annual_report
from ckanext.tangerang.ppid.logic import personal
from ckanext.tangerang.ppid.model import File, Request

# the printable report lists each request up to this many; the CSV always has them all
REPORT_PAGE_ROWS = 2000

ppid = Blueprint("ppid", __name__, url_prefix="/ppid")

OFFICER_STEPS = {
    "route": "ppid_request_route",
    "ask_completion": "ppid_request_ask_completion",
    "complete": "ppid_request_complete",
    "extend": "ppid_request_extend",
    "decide": "ppid_request_decide",
    "objection": "ppid_objection_create",
    "objection_decide": "ppid_objection_decide",
    "dispute": "ppid_dispute_create",
    "subject_close": "ppid_subject_request_close",
}
REQUESTER_STEPS = {
    "complete": "ppid_request_complete",
    "objection": "ppid_objection_create",
    "subject": "ppid_subject_request_create",
}


def _user():
    from ckan import model
    return model.User.get(tk.current_user.id) if tk.current_user.is_authenticated else None


def _context() -> dict[str, Any]:
    user = _user()
    return {"user": user.name if user else None, "auth_user_obj": user}


def _form() -> dict[str, Any]:
    data = {}
    for key in tk.request.form:
        values = tk.request.form.getlist(key)
        data[key] = values if len(values) > 1 or key in ("exemption_grounds", "grounds") \
            else values[0]
    for key in tk.request.files:
        files = [f for f in tk.request.files.getlist(key) if f.filename]
        data[key] = files if key == "documents" else (files[0] if files else None)
    return data


# the closed lists behind the form fields: a page names their choices as the form shows them,
# not by the codes the API's messages list (e.g. "pilihan: pickup, courier, ...")
_CHOICE_FIELDS = {
    "requester_type": "requester_types", "obtain_method": "obtain_methods",
    "delivery_method": "delivery_methods", "channel": "channels", "outcome": "outcomes",
    "exemption_grounds": "exemption_grounds", "grounds": "objection_grounds",
    "result": "objection_results", "state": "states", "category": "dip_categories",
    "form": "dip_forms", "role": "appointment_roles",
}


def _readable(field: str, message: str) -> str:
    from ckanext.tangerang.ppid import helpers
    kind = _CHOICE_FIELDS.get(field)
    labels = (helpers.ppid_labels(kind) if kind else
              helpers.ppid_opds() if field == "opd" else None)
    head, sep, tail = message.rpartition(": ")
    codes = [c.strip() for c in tail.split(",")]
    if labels and sep and all(c in labels for c in codes):
        return head + sep + ", ".join(labels[c] for c in codes)
    return message


def _errors(error: tk.ValidationError) -> dict[str, list[str]]:
    return {k: [_readable(k, str(m)) for m in (v if isinstance(v, list) else [v])]
            for k, v in error.error_dict.items()}


def _field_labels() -> dict[str, str]:
    return {
        "requester_type": _("Requester"), **choices.personal_field_labels(),
        "information": _("Information requested"), "purpose": _("Purpose of use"),
        "obtain_method": _("How to obtain the information"),
        "delivery_method": _("How to receive it"), "consent": _("Consent"),
        "identity_upload": _("KTP or SK scan"), "attorney_upload": _("Power of attorney"),
        "channel": _("Channel"),
        "received_date": _("Date received"), "opd": _("OPD"), "note": _("Note"),
        "days": _("Working days"), "reason": _("Reason"), "outcome": _("Outcome"),
        "reasons": _("Reasons"), "given": _("Information given"),
        "holder": _("Body that holds the information"),
        "exemption_grounds": _("Exemption grounds (Ps 17)"),
        "exempt_parts": _("Parts blacked out and why"),
        "consequence_test_information": _("Consequence test: information exempted"),
        "consequence_test_legal_basis": _("Consequence test: legal basis"),
        "consequence_test_harm": _("Consequence test: harm of disclosure"),
        "consequence_test_public_interest": _("Consequence test: public interest weighed"),
        "consequence_test_until": _("Consequence test: exempt until"),
        "consequence_test_record_number": _("Consequence test: record and decree number"),
        "cost": _("Cost (Rp)"), "decided_date": _("Decision date"),
        "decided_date_reason": _("Reason for a date before today"), "atasan": _("Atasan PPID"),
        "documents": _("Documents"), "grounds": _("Grounds (Ps 35)"),
        "result": _("Result"), "filed_date": _("Date filed"), "reference": _("Register number"),
        "state": _("Stage"), "upload": _("File"), "date": _("Date"), "working": _("Working day"),
        "number": _("Number"), "summary": _("Summary of the information"),
        "responsible": _("Responsible for making it"), "made": _("Time and place made"),
        "form": _("Form"), "retention": _("Retention period"), "category": _("Category"),
        "package_id": _("Dataset"), "year": _("Year"), "user": _("User name"),
        "role": _("Role"), "decree": _("Appointing decree (SK)"), "id": _("Appointment"),
        "kind": _("Your request about your data"), "confirm": _("Confirmation"),
    }


def _page(args: dict[str, str]) -> int:
    value = args.pop("page", "1")
    return max(int(value), 1) if str(value).isdigit() else 1


def _render(template: str, **extra) -> str:
    extra.setdefault("errors", {})
    extra.setdefault("data", {})
    extra["field_labels"] = _field_labels()
    return tk.render(template, extra_vars=extra)


# Public form, receipt and tracking ----------------------------------------------------------

def _create_from_form(**form_vars):
    """Submits the request form: (the new request, None), or (None, the form again with its
    errors and 409). Uploaded files are not sent back: the browser cannot refill them."""
    data = _form()
    try:
        return tk.get_action("ppid_request_create")(_context(), data), None
    except tk.ValidationError as error:
        data.pop("identity_upload", None)
        data.pop("attorney_upload", None)
        return None, (_render("ppid/request_form.html", data=data, errors=_errors(error), **form_vars), 409)


@ppid.route("/")
def index():
    return _render("ppid/index.html")


def _from_account() -> dict[str, str]:
    """A signed-in requester's name and email, so the forms do not ask again what the account
    already holds (WCAG 3.3.7); the requester may still change them."""
    user = tk.current_user
    if not user or not user.is_authenticated:
        return {}
    return {key: value for key, value in (("name", user.fullname), ("email", user.email)) if value}


@ppid.route("/permohonan", methods=["GET", "POST"])
def request_form():
    if tk.request.method == "GET":
        return _render("ppid/request_form.html",
                       data={"submission_key": uuid.uuid4().hex, "requester_type": "individual",
                             **_from_account()})
    result, refused = _create_from_form()
    if refused:
        return refused
    if "tracking_token" not in result:
        return _render("ppid/duplicate.html", ppid_request=result)
    return tk.redirect_to("ppid.track", token=result["tracking_token"], received=1)


@ppid.route("/lacak", methods=["GET", "POST"])
def track_lookup():
    """Lost the link: number + email, and the link is mailed again."""
    if tk.request.method == "GET":
        return _render("ppid/track_lookup.html", data={"email": _from_account().get("email", "")})
    data = _form()
    try:
        tk.get_action("ppid_request_resend_link")(_context(), data)
    except tk.ValidationError as error:
        return _render("ppid/track_lookup.html", data=data, errors=_errors(error)), 409
    return _render("ppid/track_lookup.html", sent=True)


def _track(token: str) -> dict[str, Any]:
    try:
        return tk.get_action("ppid_request_track")(_context(), {"token": token})
    except tk.ObjectNotFound:
        return tk.abort(404, _("Request not found"))


@ppid.route("/lacak/<token>")
def track(token: str):
    return _render("ppid/track.html", ppid_request=_track(token), token=token,
                   received=tk.request.args.get("received"), done=tk.request.args.get("done"))


@ppid.route("/lacak/<token>/<step>", methods=["POST"])
def track_step(token: str, step: str):
    if step not in REQUESTER_STEPS:
        return tk.abort(404)
    data = _form()
    data["token"] = token
    try:
        tk.get_action(REQUESTER_STEPS[step])(_context(), data)
    except tk.ValidationError as error:
        return _render("ppid/track.html", ppid_request=_track(token), token=token, data=data,
                       errors=_errors(error), step=step), 409
    except tk.ObjectNotFound:
        return tk.abort(404, _("Request not found"))
    return tk.redirect_to("ppid.track", token=token, done=step)


@ppid.route("/lacak/<token>/surat")
def track_letter(token: str):
    return _render("ppid/letter.html", ppid_request=_track(token))


@ppid.route("/lacak/<token>/berkas/<file_id>")
def track_file(token: str, file_id: str):
    request = _track(token)
    if file_id not in {d["id"] for d in request["documents"]}:
        return tk.abort(404)
    return _send(file_id)


def _send(file_id: str):
    from ckan import model
    stored = model.Session.get(File, file_id)
    if stored is None:
        return tk.abort(404)
    # stored encrypted (ppid/crypto.py): sent decrypted, never cached by a proxy
    response = send_file(io.BytesIO(lib.read_stored(stored.storage_path)),
                         mimetype=stored.mimetype, as_attachment=True,
                         download_name=stored.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Officers ---------------------------------------------------------------------------------

def _officer_only():
    if not tk.current_user.is_authenticated:
        return tk.abort(403, _("Log in as a PPID officer"))
    if not lib.is_officer(_user()):
        return tk.abort(403, _("Only PPID officers may see this page"))
    return None


@ppid.route("/petugas")
def officer_list():
    _officer_only()
    args = {k: v for k, v in tk.request.args.items() if v}
    page = _page(args)
    size = lib.setting("officer_page_size")
    try:
        result = tk.get_action("ppid_request_list")(
            _context(), {**args, "limit": size, "offset": (page - 1) * size})
    except tk.ValidationError as error:
        result = {"count": 0, "results": []}
        return _render("ppid/officer_list.html", result=result, args=args, page=page,
                       size=size, errors=_errors(error)), 409
    return _render("ppid/officer_list.html", result=result, args=args, page=page, size=size,
                   today=lib.today().isoformat())


@ppid.route("/petugas/baru", methods=["GET", "POST"])
def officer_register():
    _officer_only()
    if tk.request.method == "GET":
        return _render("ppid/request_form.html", officer=True,
                       data={"submission_key": uuid.uuid4().hex, "requester_type": "individual",
                             "received_date": lib.today().isoformat(), "channel": "in_person"})
    result, refused = _create_from_form(officer=True)
    if refused:
        return refused
    number = result["number"]
    found = tk.get_action("ppid_request_show")(_context(), {"id": number})
    tk.h.flash_success(_("Request %(number)s registered") % {"number": number})
    return tk.redirect_to("ppid.officer_read", id=found["id"])


def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("ppid_request_show")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, _("Request not found"))
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))


@ppid.route("/petugas/<id>")
def officer_read(id: str):
    _officer_only()
    return _render("ppid/officer_read.html", ppid_request=_show(id), done=tk.request.args.get("done"))


@ppid.route("/petugas/<id>/<step>", methods=["POST"])
def officer_step(id: str, step: str):
    _officer_only()
    if step not in OFFICER_STEPS:
        return tk.abort(404)
    request = _show(id)
    data = _form()
    data.setdefault("id", request["id"])
    if step in ("objection_decide", "dispute"):
        data["id"] = tk.request.form.get("objection_id")
    if step == "subject_close":
        data["id"] = tk.request.form.get("subject_request_id")
    try:
        tk.get_action(OFFICER_STEPS[step])(_context(), data)
    except tk.ValidationError as error:
        return _render("ppid/officer_read.html", ppid_request=request, data=data,
                       errors=_errors(error), step=step), 409
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error))
    return tk.redirect_to("ppid.officer_read", id=request["id"], done=step)


@ppid.route("/petugas/<id>/surat")
def officer_letter(id: str):
    _officer_only()
    return _render("ppid/letter.html", ppid_request=_show(id))


@ppid.route("/petugas/<id>/berkas/<file_id>")
def officer_file(id: str, file_id: str):
    _officer_only()
    request = _show(id)
    if file_id not in {f["id"] for f in request["files"]}:
        return tk.abort(404)
    from ckan import model
    if not personal.may_download(_user(), model.Session.get(Request, request["id"]),
                                 model.Session.get(File, file_id)):
        return tk.abort(403, _("Show the personal data first, with a reason: the identity "
                               "files open for %(minutes)s minutes after that") %
                        {"minutes": personal.REVEAL_MINUTES})
    return _send(file_id)


@ppid.route("/petugas/<id>/data-pribadi", methods=["POST"])
def officer_reveal(id: str):
    """The explicit, logged "show" of the requester's full personal data (UU PDP)."""
    _officer_only()
    request = _show(id)
    data = _form()
    try:
        revealed = tk.get_action("ppid_personal_data_reveal")(
            _context(), {"id": request["id"], "reason": data.get("reason")})
    except tk.ValidationError as error:
        return _render("ppid/officer_read.html", ppid_request=request, data=data,
                       errors=_errors(error), step="reveal"), 409
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))
    response = make_response(_render("ppid/officer_read.html", ppid_request=request,
                                     revealed=revealed))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@ppid.route("/petugas/kalender", methods=["GET", "POST"])
def holidays():
    _officer_only()
    year = tk.request.args.get("year") or lib.today().year
    data, errors, status = {}, {}, 200
    if tk.request.method == "POST":
        data = _form()
        action = "ppid_holiday_delete" if data.get("delete") else "ppid_holiday_create"
        try:
            tk.get_action(action)(_context(), data)
            tk.h.flash_success(_("Calendar saved"))
            return tk.redirect_to("ppid.holidays", year=year)
        except tk.ValidationError as error:
            errors, status = _errors(error), 409
        except (tk.NotAuthorized, tk.ObjectNotFound) as error:
            return tk.abort(403, str(error))
    try:
        calendar = tk.get_action("ppid_holiday_list")(_context(), {"year": year})
    except tk.ValidationError:
        return tk.abort(400, _("Year must be a whole number from 2008 to 2100"))
    return _render("ppid/holidays.html", calendar=calendar, data=data, errors=errors), status


@ppid.route("/petugas/penunjukan", methods=["GET", "POST"])
def appointments():
    """Sysadmins and the PPID Utama list, appoint and remove PPID officers."""
    _officer_only()
    context = _context()
    try:
        tk.check_access("ppid_appointment_list", context, {})
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))
    data, errors, status = {}, {}, 200
    if tk.request.method == "POST":
        data = _form()
        try:
            if data.get("delete"):
                tk.get_action("ppid_appointment_delete")(context, {"id": data.get("id")})
                tk.h.flash_success(_("Appointment removed"))
            else:
                tk.get_action("ppid_appointment_create")(
                    context, {k: data.get(k) for k in ("user", "role", "opd", "decree")})
                tk.h.flash_success(_("Officer appointed"))
            return tk.redirect_to("ppid.appointments")
        except tk.ValidationError as error:
            errors, status = _errors(error), 409
        except tk.NotAuthorized as error:
            # e.g. the PPID Utama choosing a role only a sysadmin appoints: say so on the form
            errors, status = {"role": [str(error)]}, 403
        except tk.ObjectNotFound as error:
            return tk.abort(404, str(error))
    listed = tk.get_action("ppid_appointment_list")(context, {})
    history = tk.get_action("ppid_appointment_history")(context, {})
    return _render("ppid/appointments.html", appointments=listed, history=history, data=data,
                   errors=errors), status


# Daftar Informasi Publik ----------------------------------------------------------------------

@ppid.route("/dip")
def dip_list():
    args = {k: v for k, v in tk.request.args.items() if v}
    entries = tk.get_action("ppid_dip_list")(_context(), args)
    return _render("ppid/dip_list.html", entries=entries, args=args)


@ppid.route("/dip/baru", methods=["GET", "POST"], endpoint="dip_new")
@ppid.route("/dip/<id>/ubah", methods=["GET", "POST"], endpoint="dip_edit")
def dip_edit(id: str | None = None):
    _officer_only()
    data = tk.get_action("ppid_dip_show")(_context(), {"id": id}) if id else {}
    # the stored test as the form's fields
    for part, value in (data.get("consequence_test") or {}).items():
        data[f"consequence_test_{part}"] = value
    if tk.request.method == "GET":
        return _render("ppid/dip_form.html", data=data, entry_id=id)
    form = _form()
    try:
        if id and form.get("delete"):
            tk.get_action("ppid_dip_delete")(_context(), {"id": id})
        elif id:
            tk.get_action("ppid_dip_update")(_context(), {**form, "id": id})
        else:
            tk.get_action("ppid_dip_create")(_context(), form)
    except tk.ValidationError as error:
        return _render("ppid/dip_form.html", data=form, entry_id=id,
                       errors=_errors(error)), 409
    except tk.NotAuthorized as error:
        return tk.abort(403, str(error))
    tk.h.flash_success(_("Daftar Informasi Publik saved"))
    return tk.redirect_to("ppid.dip_list")


# Register, statistics, annual report ---------------------------------------------------------

@ppid.route("/register")
def register():
    args = {k: v for k, v in tk.request.args.items() if v}
    page = _page(args)
    size = 50
    try:
        result = tk.get_action("ppid_register_list")(
            _context(), {**args, "limit": size, "offset": (page - 1) * size})
    except tk.ValidationError:
        return tk.abort(400, _("Year must be a whole number from 2008 to 2100"))
    return _render("ppid/register.html", result=result, args=args, page=page, size=size)


def _year_arg(year: int | None = None) -> int:
    value = year or tk.request.args.get("year") or lib.today().year
    try:
        return int(value)
    except ValueError:
        return lib.today().year


@ppid.route("/statistik")
def statistics():
    try:
        stats = tk.get_action("ppid_statistics")(_context(), {"year": _year_arg()})
    except tk.ValidationError:
        return tk.abort(404)
    return _render("ppid/statistics.html", stats=stats)


@ppid.route("/laporan/<int:year>")
def report(year: int):
    context = _context()
    try:
        report = tk.get_action("ppid_annual_report")(
            context, {"year": year, "include_requests": False})
        if report["total"] <= REPORT_PAGE_ROWS:
            report = tk.get_action("ppid_annual_report")(context, {"year": year})
    except tk.ValidationError:
        return tk.abort(404)
    return _render("ppid/report.html", report=report, page_rows=REPORT_PAGE_ROWS)


@ppid.route("/laporan/<int:year>.csv")
def report_csv(year: int):
    if not 2008 <= year <= 2100:
        return tk.abort(404)
    body = annual_report.annual_csv(_context(), year)
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="laporan-ppid-{year}.csv"'})
