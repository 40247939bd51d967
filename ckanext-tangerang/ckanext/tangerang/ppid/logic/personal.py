"""The requester's personal data (UU 27/2022 on Personal Data Protection): masks, who may see
it, the logged "show" of the full values, the access log the requester reads, and the
re-encryption of every row and file under a new key.

- Officers see NIK, phone and address masked (``3671 01** **** 0099``) in
  ``ppid_request_show`` and on their pages.
- The full values (and the identity files) only after ``ppid_personal_data_reveal`` with a
  reason, by the officer handling the request (PPID Utama, the Pelaksana of its OPD) or by an
  Atasan PPID when a keberatan was filed on it. Each reveal is a ``PersonalAccess`` row.
- An Atasan PPID sees no personal data of a request without a keberatan, not even masked.
- The requester sees each access on the tracking page as role and office (not the officer's
  name: the office is accountable, and an officer's name is personal data too), with its time
  and reason.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Callable

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.plugins.toolkit import _

from ckanext.tangerang.ppid import crypto, lib
from ckanext.tangerang.ppid.logic import schema
from ckanext.tangerang.ppid.model import (
    PERSONAL_FIELDS, File, Objection, PersonalAccess, Request,
)

# files that carry personal data (everything but the documents given with a decision)
PERSONAL_FILE_KINDS = ("identity", "attorney", "completion")
# a keberatan being decided, or a sengketa at the Komisi Informasi (no closing state yet)
OPEN_OBJECTION_STATES = ("filed", "dispute")
# how long a reveal opens the identity files to the officer who made it
REVEAL_MINUTES = 30

_MASKS: dict[str, Callable[[str | None], str | None]] = {
    "nik": crypto.mask_nik, "phone": crypto.mask_phone, "address": crypto.mask_address,
}


def masked(req: Request) -> dict[str, Any]:
    """The personal fields with NIK, phone and address masked."""
    out = {field: getattr(req, field) for field in PERSONAL_FIELDS}
    for field, mask in _MASKS.items():
        out[field] = mask(out[field])
    out["personal_masked"] = True
    return out


def may_see(user: model.User | None, req: Request) -> bool:
    """The officer handling the request, or an Atasan PPID once a keberatan was filed on it."""
    if user is None:
        return False
    if lib.can_handle(user, req.opd):
        return True
    return lib.is_atasan(user) and bool(req.objections)


def restrict(out: dict[str, Any], req: Request, user: model.User | None) -> dict[str, Any]:
    """``ppid_request_show``'s answer for a viewer: nothing personal to one who may not see it
    (an Atasan without a keberatan on the request)."""
    if may_see(user, req):
        out["personal_visible"] = True
        return out
    for field in PERSONAL_FIELDS:
        out[field] = None
    out["files"] = [f for f in out.get("files", []) if f["kind"] not in PERSONAL_FILE_KINDS]
    out["personal_visible"] = False
    return out


def _role(user: model.User, req: Request) -> tuple[str, str | None]:
    role = lib.role_of(user, req.opd) or "atasan"
    return role, req.opd if role == "ppid_pelaksana" else None


def access_log(req: Request) -> list[dict[str, Any]]:
    """The reveals of a request as the requester sees them: role, office, time, reason."""
    rows = model.Session.query(PersonalAccess).filter(PersonalAccess.request_id == req.id) \
        .order_by(PersonalAccess.created).all()
    return [{"role": a.role, "opd": a.opd, "opd_title": lib.opd_title(a.opd) if a.opd else None,
             "what": a.what, "reason": a.reason, "created": a.created.isoformat()}
            for a in rows]


def recently_revealed(user: model.User | None, req: Request) -> bool:
    if user is None:
        return False
    since = dt.datetime.utcnow() - dt.timedelta(minutes=REVEAL_MINUTES)
    return model.Session.query(PersonalAccess.id).filter(
        PersonalAccess.request_id == req.id, PersonalAccess.user_id == user.id,
        PersonalAccess.created >= since).first() is not None


def may_download(user: model.User | None, req: Request, stored: File) -> bool:
    """A decision document: every officer of the request; a personal file: one who may see the
    personal data and revealed it in the last ``REVEAL_MINUTES`` minutes."""
    if stored.kind not in PERSONAL_FILE_KINDS:
        return True
    return may_see(user, req) and recently_revealed(user, req)


def objection_open(today: dt.date):
    """SQL: an objection still open, for the retention purge: being decided, at the Komisi
    Informasi, or decided with the period to file a dispute (UU KIP Ps 37(2)) still running."""
    return sa.or_(Objection.state.in_(OPEN_OBJECTION_STATES),
                  sa.and_(Objection.dispute_due.isnot(None), Objection.dispute_due >= today))


# Actions ------------------------------------------------------------------------------------

def ppid_personal_data_reveal(context, data_dict):
    """Show a requester's full personal data (NIK, phone, address) once, for a stated reason;
    the access is logged (who, when, why) and the requester sees it on the tracking page.

    :param id: the request's id or nomor pendaftaran
    :param reason: why the officer needs the full data (required, at most 500 characters)
    :returns: the personal fields in full and ``files`` (the identity files, open for
        30 minutes to this officer)
    """
    tk.check_access("ppid_personal_data_reveal", context, data_dict)
    req = lib.get_request(data_dict)
    data, errors = schema.validate(data_dict, schema.personal_data_reveal(), context)
    errors.raise_if_any()
    reason = data["reason"]
    user = lib.user_obj(context)
    role, opd = _role(user, req)
    model.Session.add(PersonalAccess(request_id=req.id, user_id=user.id, role=role, opd=opd,
                                     reason=reason, what="data"))
    model.Session.commit()
    out = {field: getattr(req, field) for field in PERSONAL_FIELDS}
    out.update({"id": req.id, "number": req.number, "personal_masked": False,
                "files": [{"id": f.id, "kind": f.kind, "filename": f.filename,
                           "mimetype": f.mimetype, "size": f.size}
                          for f in req.files if f.kind in PERSONAL_FILE_KINDS]})
    return out


@tk.side_effect_free
def ppid_personal_access_list(context, data_dict):
    """Who revealed a request's personal data, when and why (the officers of the request; the
    officer's user name is included here, not on the requester's page).

    :param id: the request's id or nomor pendaftaran
    """
    tk.check_access("ppid_personal_access_list", context, data_dict)
    req = lib.get_request(data_dict)
    out = access_log(req)
    rows = model.Session.query(PersonalAccess).filter(PersonalAccess.request_id == req.id) \
        .order_by(PersonalAccess.created).all()
    for item, row in zip(out, rows):
        user = model.User.get(row.user_id)
        item["user_name"] = user.name if user else None
    return out


# Auth -----------------------------------------------------------------------------------------

def _auth_reveal(context, data_dict):
    user = lib.user_obj(context)
    ident = (data_dict or {}).get("id") or (data_dict or {}).get("number")
    req = Request.get(ident) if ident else None
    if req is None:
        # existence is no secret to officers; the action answers Not found
        if lib.is_officer(user):
            return {"success": True}
        return {"success": False, "msg": _("Only PPID officers may see requests")}
    if may_see(user, req):
        return {"success": True}
    return {"success": False,
            "msg": _("Only the officer handling the request (the PPID Utama or the PPID "
                     "Pelaksana of its OPD), or the Atasan PPID of a keberatan on it, may see "
                     "the requester's personal data")}


ACTIONS = {
    "ppid_personal_data_reveal": ppid_personal_data_reveal,
    "ppid_personal_access_list": ppid_personal_access_list,
}
AUTH_FUNCTIONS = {
    "ppid_personal_data_reveal": _auth_reveal,
    "ppid_personal_access_list": _auth_reveal,
}


# Key rotation ---------------------------------------------------------------------------------

def _reencrypt_field(value: str | None, extra: list[str], key) -> str | None:
    return crypto.encrypt(crypto.decrypt(value, extra), key)


def rotate(extra_keys: list[str], progress: Callable[[int], Any] | None = None) -> dict[str, int]:
    """Re-encrypt every request's NIK, phone and address and every stored file with the current
    ``data_key``, reading with it, ``data_key_previous`` and ``extra_keys``; plain values and
    files of before the encryption are encrypted too. Each row is committed with its new
    values; each file is replaced atomically. Safe to run again after an interruption.

    :returns: counts {rows, files, missing_files}
    """
    key = crypto.current_key()
    for secret in extra_keys:
        crypto.make_key(secret)  # a clear error for a bad --old before anything changes
    table = Request.__table__
    counts = {"rows": 0, "files": 0, "missing_files": 0}
    conn = model.Session.connection()
    ids = [row.id for row in conn.execute(sa.select(table.c.id))]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = conn.execute(sa.text(
            "SELECT id, nik, phone, address FROM tangerang_ppid_request WHERE id = ANY(:ids)"),
            {"ids": chunk}).fetchall()
        for row in rows:
            nik = crypto.decrypt(row.nik, extra_keys)
            conn.execute(sa.text(
                "UPDATE tangerang_ppid_request SET nik = :nik, nik_hash = :nik_hash, "
                "phone = :phone, address = :address WHERE id = :id"), {
                "id": row.id, "nik": crypto.encrypt(nik, key),
                "nik_hash": crypto.blind_index(nik, key) if nik else None,
                "phone": _reencrypt_field(row.phone, extra_keys, key),
                "address": _reencrypt_field(row.address, extra_keys, key)})
            counts["rows"] += 1
        model.Session.commit()
        conn = model.Session.connection()
        if progress:
            progress(len(rows))
    for stored in model.Session.query(File).all():
        path = lib.stored_path(stored.storage_path)
        try:
            with open(path, "rb") as f:
                content = f.read()
        except FileNotFoundError:
            counts["missing_files"] += 1
            continue
        plain = crypto.decrypt_bytes(content, extra_keys)
        sealed = crypto.encrypt_bytes(plain, key)
        partial = path + ".rotating"
        with open(partial, "wb") as f:
            f.write(sealed)
        os.replace(partial, path)
        counts["files"] += 1
        if progress:
            progress(1)
    return counts


def rotation_size() -> int:
    return model.Session.query(Request.id).count() + model.Session.query(File.id).count()
