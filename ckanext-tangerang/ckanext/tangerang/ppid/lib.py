"""What the actions, views and jobs share: settings, the calendar, roles, tokens, files, mail."""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import uuid
import zoneinfo
from typing import Any

import flask
import flask_babel
import magic
import yaml

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang import city
from ckanext.tangerang.ppid import clock
from ckanext.tangerang.ppid.model import Appointment, Holiday, Request

log = logging.getLogger(__name__)
PREFIX = "ckanext.tangerang.ppid."

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


# declared types, applied again because tests and other code may set raw strings
_LISTS = {"utama_users", "pelaksana_capacities", "atasan_users", "upload_types"}
_BOOLS = {"completion_restarts_clock", "cuti_bersama_off", "count_receipt_day",
          "outside_hours_next_working_day"}
_INTS = {"decision_days", "extension_max_days", "completion_days", "objection_days",
         "objection_decision_days", "dispute_days", "upload_max_bytes",
         "officer_page_size", "retention_days"}
# lists of whole numbers, most distant first
_INT_LISTS = {"reminder_days"}


def setting(name: str) -> Any:
    value = tk.config.get(PREFIX + name)
    if name in _LISTS:
        return tk.aslist(value)
    if name in _BOOLS:
        return tk.asbool(value)
    if name in _INTS:
        return tk.asint(value)
    if name in _INT_LISTS:
        return sorted({tk.asint(item) for item in tk.aslist(value)}, reverse=True)
    return value


# the deadlines of the law, as the public pages explain them (easy-read guide, braille text)
DEADLINES = ("decision_days", "extension_max_days", "completion_days", "objection_days",
             "objection_decision_days", "dispute_days")


@functools.lru_cache(maxsize=1)
def _declared_defaults() -> dict[str, Any]:
    path = os.path.join(os.path.dirname(__file__), "config_declaration.yaml")
    with open(path, encoding="utf-8") as f:
        declaration = yaml.safe_load(f)
    return {option["key"][len(PREFIX):]: option.get("default")
            for group in declaration["groups"] for option in group["options"]}


def deadlines() -> dict[str, int]:
    """The working-day limits in force (for pages of other plugins: the declared default when
    the PPID plugin is not loaded)."""
    out = {}
    for name in DEADLINES:
        value = tk.config.get(PREFIX + name)
        out[name] = tk.asint(_declared_defaults()[name] if value in (None, "") else value)
    out["extended_days"] = out["decision_days"] + out["extension_max_days"]
    return out


def profile_settings() -> dict[str, Any]:
    path = city.current().path("ppid.yaml")
    if not path.is_file():
        return {}
    return _read_yaml(str(path), path.stat().st_mtime)


@functools.lru_cache(maxsize=8)
def _read_yaml(path: str, mtime: float) -> dict[str, Any]:
    # keyed by mtime: an edited profile is read again without a restart
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def timezone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(profile_settings().get("timezone", "Asia/Jakarta"))


def now() -> dt.datetime:
    """The current moment in the city's time zone."""
    return dt.datetime.now(timezone())


def today() -> dt.date:
    return now().date()


def service_hours() -> clock.ServiceHours:
    """The PPID desk's service days and hours of the city profile (``service_hours``)."""
    return clock.ServiceHours.from_profile(profile_settings().get("service_hours"))


def receipt_date(moment: dt.datetime | None = None, day: dt.date | None = None,
                 cal: clock.Calendar | None = None) -> dt.date:
    """The date a request counts as received: the moment it arrived (default now), or the day
    an officer gives; outside the service days and hours, the next working day's opening
    when ``outside_hours_next_working_day`` is on (the default)."""
    if day is None:
        moment = (moment or now()).astimezone(timezone())
    if not setting("outside_hours_next_working_day"):
        return day if day is not None else moment.date()
    cal = cal or calendar()
    hours = service_hours()
    if day is not None:
        return hours.next_service_day(cal, day)
    return hours.receipt(cal, moment.replace(tzinfo=None))


# Languages of mail to requesters ------------------------------------------------------------

def languages() -> list[str]:
    return tk.aslist(tk.config.get("ckan.locales_offered")) or \
        [tk.config.get("ckan.locale_default") or "id"]


def default_language() -> str:
    return tk.config.get("ckan.locale_default") or "id"


def day_text(day: dt.date | None) -> str:
    """A day as people read it (8 April 2026) in the language being written: the page's, or
    the one in_language chose for a mail. Pages, mail and the notes stored on a request use
    it; the API's data keeps ISO dates."""
    if not day:
        return ""
    if flask.has_app_context():
        try:
            return flask_babel.format_date(day, format="long")
        except RuntimeError:  # an app context without a request: no page language to follow
            pass
    from babel.dates import format_date
    return format_date(day, format="long", locale=default_language())


def current_language() -> str:
    """The language of the page the request was filed on (the portal's default outside a web
    request)."""
    if flask.has_request_context():
        lang = flask.request.environ.get("CKAN_LANG")
        if lang in languages():
            return lang
    return default_language()


@contextlib.contextmanager
def in_language(lang: str | None):
    """Translate what is built inside (mail to a requester) into ``lang``, whatever the
    language of the page or job that sends it."""
    lang = lang if lang in languages() else default_language()
    if not flask.has_app_context():
        yield
        return
    with flask_babel.force_locale(lang):
        yield


def _profile_overrides() -> dict[dt.date, bool]:
    path = city.current().path("holidays-override.csv")
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {dt.date.fromisoformat(row["date"]): row["working"].strip().lower() in ("1", "true", "yes")
                for row in csv.DictReader(f)}


def calendar() -> clock.Calendar:
    """The calendar with the settings, the profile's overrides and the officers' table."""
    overrides = _profile_overrides()
    for day, working in model.Session.query(Holiday.date, Holiday.working):
        overrides[day] = working
    return clock.Calendar(cuti_bersama_off=setting("cuti_bersama_off"),
                          count_receipt_day=setting("count_receipt_day"),
                          overrides=overrides)


def format_number(pattern: str, seq: int, day: dt.date) -> str:
    return pattern.format(seq=seq, year=day.year, month=f"{day.month:02d}",
                          roman=ROMAN[day.month - 1])


# Tracking tokens are derived, not stored: the database keeps only their hash, and a double
# submit can hand the same link back.
def tracking_token(request_id: str) -> str:
    secret = (tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret") or "").encode()
    return hmac.new(secret, f"ppid-track:{request_id}".encode(), hashlib.sha256).hexdigest()[:40]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_url(token: str) -> str:
    return tk.url_for("ppid.track", token=token, _external=True)


# Roles ------------------------------------------------------------------------------------

def _memberships(user: model.User) -> list[tuple[str, str]]:
    """(organization, capacity) pairs of the user, once per web request."""
    cache = None
    if flask.has_request_context():
        cache = flask.g.setdefault("ppid_memberships", {})
        if user.id in cache:
            return cache[user.id]
    q = (model.Session.query(model.Group.name, model.Member.capacity)
         .join(model.Member, model.Member.group_id == model.Group.id)
         .filter(model.Member.table_name == "user", model.Member.table_id == user.id,
                 model.Member.state == "active", model.Group.state == "active",
                 model.Group.is_organization.is_(True)))
    found = [(name, capacity) for name, capacity in q]
    if cache is not None:
        cache[user.id] = found
    return found


def user_obj(context: dict[str, Any]) -> model.User | None:
    user = context.get("auth_user_obj")
    if user is not None and getattr(user, "id", None):
        return user
    name = context.get("user")
    return model.User.get(name) if name else None


def _appointments(user: model.User) -> list[tuple[str, str | None]]:
    """(role, opd) pairs the user was appointed to, once per web request."""
    cache = None
    if flask.has_request_context():
        cache = flask.g.setdefault("ppid_appointments", {})
        if user.id in cache:
            return cache[user.id]
    found = [(role, opd) for role, opd in model.Session.query(Appointment.role, Appointment.opd)
             .filter(Appointment.user_id == user.id)]
    if cache is not None:
        cache[user.id] = found
    return found


def forget_roles() -> None:
    """Drop the per-request caches after an appointment changed."""
    if flask.has_request_context():
        flask.g.pop("ppid_appointments", None)
        flask.g.pop("ppid_memberships", None)


def _utama_capacity() -> str | None:
    # opt-in only: by default nobody is PPID Utama for editing the walidata's datasets
    capacity = (setting("utama_capacity") or "").strip()
    return None if capacity in ("", "none") else capacity


def is_utama(user: model.User | None) -> bool:
    if user is None:
        return False
    # sysadmins administer the portal, PPID included
    if user.sysadmin or user.name in setting("utama_users"):
        return True
    if any(role == "utama" for role, _opd in _appointments(user)):
        return True
    capacity = _utama_capacity()
    if capacity is None:
        return False
    walidata = city.current().meta["walidata_org"]
    return any(org == walidata and cap == capacity for org, cap in _memberships(user))


def pelaksana_opds(user: model.User | None) -> set[str]:
    """The OPDs (organization names of the city profile) whose requests the user handles."""
    if user is None:
        return set()
    opds = {o.name for o in city.current().opds}
    found = {opd for role, opd in _appointments(user) if role == "pelaksana"}
    capacities = set(setting("pelaksana_capacities"))
    if capacities:  # a city that opted back in to implicit Pelaksana
        found |= {org for org, cap in _memberships(user) if cap in capacities}
    return found & opds


def is_atasan(user: model.User | None) -> bool:
    if user is None:
        return False
    return user.name in setting("atasan_users") or \
        any(role == "atasan" for role, _opd in _appointments(user))


def officers(role: str, opd: str | None = None) -> list[model.User]:
    """Active users holding a role (for a Pelaksana: of the OPD), as is_utama, pelaksana_opds
    and is_atasan see them; sysadmins are not counted as officers to notify."""
    q = model.Session.query(model.User).join(Appointment, Appointment.user_id == model.User.id) \
        .filter(Appointment.role == role, model.User.state == "active")
    if role == "pelaksana":
        q = q.filter(Appointment.opd == opd)
    users = q.all()
    names = {"utama": setting("utama_users"), "atasan": setting("atasan_users")}.get(role)
    if names:
        users += model.Session.query(model.User).filter(
            model.User.name.in_(names), model.User.state == "active").all()
    capacities = {"utama": [c for c in [_utama_capacity()] if c],
                  "pelaksana": setting("pelaksana_capacities")}.get(role) or []
    org = city.current().meta["walidata_org"] if role == "utama" else opd
    if capacities and org:
        users += (model.Session.query(model.User)
                  .join(model.Member, model.Member.table_id == model.User.id)
                  .join(model.Group, model.Group.id == model.Member.group_id)
                  .filter(model.Group.name == org, model.Member.table_name == "user",
                          model.Member.state == "active", model.Member.capacity.in_(capacities),
                          model.User.state == "active").all())
    return list({u.id: u for u in users}.values())


def is_officer(user: model.User | None) -> bool:
    return is_utama(user) or is_atasan(user) or bool(pelaksana_opds(user))


def role_of(user: model.User | None, opd: str | None = None) -> str | None:
    if is_utama(user):
        return "ppid_utama"
    if opd and opd in pelaksana_opds(user):
        return "ppid_pelaksana"
    if is_atasan(user):
        return "atasan"
    return None


def can_handle(user: model.User | None, opd: str | None) -> bool:
    """PPID Utama handles every request; a Pelaksana only its OPD's."""
    return is_utama(user) or (opd is not None and opd in pelaksana_opds(user))


def opd_title(name: str | None) -> str:
    for opd in city.current().opds:
        if opd.name == name:
            return opd.title
    return name or ""


# Files --------------------------------------------------------------------------------------

class UploadError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def read_upload(upload: Any) -> tuple[str, bytes, str]:
    """(filename, content, mimetype) of a werkzeug FileStorage / cgi FieldStorage, checked
    by content against the allowed types and the size limit."""
    limit = setting("upload_max_bytes")
    stream = getattr(upload, "stream", None) or getattr(upload, "file", None)
    if stream is None:
        raise UploadError("missing")
    content = stream.read(limit + 1)
    if not content:
        raise UploadError("missing")
    if len(content) > limit:
        raise UploadError("size")
    mimetype = magic.from_buffer(content[:8192], mime=True)
    if mimetype not in setting("upload_types"):
        raise UploadError("type")
    filename = os.path.basename(getattr(upload, "filename", "") or "file")
    return filename, content, mimetype


def storage_dir() -> str:
    root = tk.config.get("ckan.storage_path")
    if not root:
        raise RuntimeError("ckan.storage_path is not set: PPID files need private storage")
    return os.path.join(root, "ppid")


def store(request_id: str, content: bytes) -> str:
    """Write a file to private storage (never under a public folder), encrypted with the PPID
    data key (ppid/crypto.py); its relative path."""
    from ckanext.tangerang.ppid import crypto

    relative = os.path.join(request_id, uuid.uuid4().hex)
    path = os.path.join(storage_dir(), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(crypto.encrypt_bytes(content))
    return relative


def read_stored(relative: str) -> bytes:
    """A stored file's plain bytes (decrypted; a file stored before encryption as it is)."""
    from ckanext.tangerang.ppid import crypto

    with open(stored_path(relative), "rb") as f:
        return crypto.decrypt_bytes(f.read())


def remove_stored(relative_paths: list[str]) -> None:
    for relative in relative_paths:
        try:
            os.remove(os.path.join(storage_dir(), relative))
        except FileNotFoundError:
            pass


def stored_path(relative: str) -> str:
    return os.path.join(storage_dir(), relative)


# Mail ---------------------------------------------------------------------------------------

def send_mail(name: str, email: str | None, subject: str, body: str) -> bool:
    """Mail one recipient; a failure is logged (without the address) and never undoes the step."""
    if not email:
        return False
    try:
        tk.mail_recipient(name, email, subject, body)
        return True
    except Exception as error:  # the mailer raises MailerException, smtplib and socket errors
        log.warning("PPID mail %r not sent: %s", subject, type(error).__name__)
        return False


def request_by_token(token: str | None) -> Request:
    """The request a tracking token opens (the requester's key), for every requester step."""
    req = Request.by_tracking_hash(token_hash(token)) if token else None
    if req is None:
        raise tk.ObjectNotFound(tk._("Request not found"))
    return req


def get_request(data_dict: dict) -> Request:
    """The request named by ``id`` (or nomor pendaftaran), for every action on one."""
    ident = data_dict.get("id") or data_dict.get("number")
    req = Request.get(ident) if ident else None
    if req is None:
        raise tk.ObjectNotFound(tk._("Request not found"))
    return req
