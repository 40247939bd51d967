"""Pages of the accessible theme: display preferences, the accessibility statement with its
barrier-report form, the PPID procedure as easy-read and braille-ready text, the city logo."""
from __future__ import annotations

import html
import textwrap
from urllib.parse import urlparse

from flask import Blueprint, Response, send_file

import ckan.plugins.toolkit as tk

from ckanext.tangerang import city
from ckanext.tangerang.a11y.logic import prefs as _prefs

a11y = Blueprint("tangerang_a11y", __name__)


def _safe_next(target: str | None) -> str:
    """Only paths on this site: a preference form must not become an open redirect."""
    if target:
        parsed = urlparse(target)
        if not parsed.scheme and not parsed.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return tk.h.url_for("tangerang_a11y.preferences")


def preferences():
    current = _prefs.parse(tk.request.cookies.get(_prefs.COOKIE))
    errors: dict[str, str] = {}
    if tk.request.method == "POST":
        form = tk.request.form
        if form.get("reset"):
            chosen, errors = dict(_prefs.DEFAULTS), {}
        else:
            chosen, errors = _prefs.clean(form.to_dict())
        if not errors:
            target = _safe_next(form.get("came_from"))
            resp = tk.redirect_to(target)
            value = _prefs.serialize(chosen)
            if value:
                resp.set_cookie(_prefs.COOKIE, value, max_age=_prefs.MAX_AGE,
                                samesite="Lax", httponly=True, path="/")
            else:
                resp.delete_cookie(_prefs.COOKIE, path="/")
            tk.h.flash_success(tk._("Your display preferences were saved."))
            return resp
        current = {**current, **{k: v for k, v in form.items() if k in _prefs.CHOICES}}
    came_from = tk.request.values.get("came_from") or tk.request.referrer or ""
    if came_from.startswith(tk.request.host_url):
        came_from = "/" + came_from[len(tk.request.host_url):]
    return tk.render("tangerang_a11y/preferences.html", {
        "prefs": current, "errors": errors, "came_from": _safe_next(came_from),
    }), (400 if errors else 200)


def statement():
    data: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    sent = False
    if tk.request.method == "POST":
        data = {k: tk.request.form.get(k, "") for k in
                ("page_url", "description", "assistive_tech", "name", "email")}
        try:
            tk.get_action("tangerang_a11y_barrier_report")({}, data)
            sent = True
            data = {}
        except tk.ValidationError as e:
            errors = e.error_dict
    return tk.render("tangerang_a11y/statement.html", {
        "data": data, "errors": errors, "sent": sent,
        "reviewed": tk.config.get("ckanext.tangerang.a11y.statement_reviewed"),
    }), (400 if errors else 200)


def _ppid_days() -> dict[str, int]:
    """The working-day limits of the PPID settings, as the procedure pages state them: from
    the PPID plugin's helper (the subsystems meet through CKAN); without it there is no
    procedure to explain."""
    deadlines = getattr(tk.h, "ppid_deadlines", None)
    if deadlines is None:
        return tk.abort(404)
    return deadlines()


def ppid_easy_read():
    return tk.render("tangerang_a11y/ppid_easy_read.html", {"ppid_days": _ppid_days()})


BRAILLE_WIDTH = 40  # cells per line of a common braille page


def _braille_ready(text: str) -> str:
    """Lines of at most BRAILLE_WIDTH characters (bullets keep their hanging indent), plain
    characters only, CRLF as braille translation software and embossers expect."""
    out: list[str] = []
    for line in html.unescape(text).strip().splitlines():
        line = line.rstrip()
        indent = "  " if line.startswith("- ") else ""
        out.extend(textwrap.wrap(line, BRAILLE_WIDTH, subsequent_indent=indent,
                                 break_on_hyphens=False) or [""])
    return "\r\n".join(out) + "\r\n"


def ppid_plain_text():
    # rendered through Jinja (autoescaped) for the translations; unescaped back to plain text
    body = _braille_ready(tk.render("tangerang_a11y/ppid_procedure.txt",
                                    {"ppid_days": _ppid_days()}))
    return Response(body, mimetype="text/plain", headers={
        "Content-Disposition": 'attachment; filename="{}"'.format(
            tk._("ppid-procedure") + ".txt"),
    }, content_type="text/plain; charset=utf-8")


def city_logo():
    profile = city.current()
    name = profile.meta.get("logo")
    if not name:
        return tk.abort(404)
    return send_file(profile.path(name), max_age=86400)


a11y.add_url_rule("/preferensi", view_func=preferences, methods=["GET", "POST"])
a11y.add_url_rule("/aksesibilitas", view_func=statement, methods=["GET", "POST"])
a11y.add_url_rule("/aksesibilitas/ppid-mudah-dibaca", view_func=ppid_easy_read)
a11y.add_url_rule("/aksesibilitas/ppid-prosedur.txt", view_func=ppid_plain_text)
a11y.add_url_rule("/kota/logo", view_func=city_logo)
