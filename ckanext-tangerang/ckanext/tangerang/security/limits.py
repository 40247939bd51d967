"""Abuse limits on the forms and API actions that mail someone, create records or check a
password: PPID requests, tracking-link mails, objections, accessibility barrier reports, log-in
and password reset.

Most of these views are not ours (CKAN's user views) and none may be decorated from here, so one
app-wide hook (registered in views.py) recognises them by endpoint name and method and counts
hits with the `limits` package (moving window) in Redis: the counters are shared by every
gunicorn worker and web container. Each action is limited per client address and per target
(the e-mail address, account or request it is aimed at), so neither one address trying many
accounts nor many addresses trying one account get far.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from babel.dates import format_timedelta
from flask import Response, make_response, request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _

log = logging.getLogger(__name__)

OPTION = "ckanext.tangerang.security.limits."
API_ENDPOINT = "api.action"


@dataclasses.dataclass(frozen=True)
class Rule:
    name: str                                  # the options' middle part and the counters' key
    forms: tuple[tuple[str, str | None], ...]  # (endpoint, value of its `step` view arg or None)
    actions: tuple[str, ...]                   # API actions
    target_fields: tuple[str, ...]             # first field given names the target
    what: Callable[[], str]                    # labels, translated when a refusal is written
    target: Callable[[], str]


RULES = (
    Rule("ppid_request", (("ppid.request_form", None),), ("ppid_request_create",), ("email",),
         lambda: _("requests for information"), lambda: _("this email address")),
    Rule("ppid_resend_link", (("ppid.track_lookup", None),), ("ppid_request_resend_link",),
         ("email",), lambda: _("tracking-link emails"), lambda: _("this email address")),
    Rule("ppid_objection", (("ppid.track_step", "objection"),), ("ppid_objection_create",),
         ("token", "id"), lambda: _("objections"), lambda: _("this request")),
    Rule("a11y_report", (("tangerang_a11y.statement", None),), ("tangerang_a11y_barrier_report",),
         ("email",), lambda: _("accessibility barrier reports"), lambda: _("this email address")),
    Rule("login", (("user.login", None),), (), ("login",),
         lambda: _("log-in attempts"), lambda: _("this account")),
    Rule("password_reset", (("user.request_reset", None),), (), ("user",),
         lambda: _("password reset requests"), lambda: _("this account")),
)
SCOPES = ("per_address", "per_target")


# --- configuration -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _parse(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value)) if value and value.strip() else ()


def limits_of(rule: Rule, scope: str) -> tuple[RateLimitItem, ...]:
    key = f"{OPTION}{rule.name}.{scope}"
    try:
        return _parse(tk.config.get(key) or "")
    except ValueError:
        raise tk.ValidationError({key: [
            _('"%(value)s" is not a limit; write e.g. "5 per hour" or "10 per minute; 50 per day"')
            % {"value": tk.config.get(key)}]})


def check_config() -> None:
    """Called when the app is made: a mistyped limit stops the start, naming the option."""
    for rule in RULES:
        for scope in SCOPES:
            try:
                limits_of(rule, scope)
            except tk.ValidationError as error:
                raise RuntimeError(f"abuse limits: {error.error_dict}") from None


@functools.lru_cache(maxsize=8)
def _limiter(url: str, prefix: str) -> MovingWindowRateLimiter:
    # short timeouts: a hung Redis must not hang every log-in (the limits are skipped instead)
    storage = RedisStorage(url, key_prefix=prefix, wrap_exceptions=True,
                           socket_connect_timeout=2, socket_timeout=2)
    return MovingWindowRateLimiter(storage)


def limiter() -> MovingWindowRateLimiter:
    url = tk.config.get(OPTION + "storage_url") or tk.config.get("ckan.redis.url")
    return _limiter(url, tk.config.get(OPTION + "key_prefix"))


# --- the request -------------------------------------------------------------------------------

def client_address() -> str:
    """The client's address: the TCP peer, or with N trusted proxies the N-th address from the
    right of X-Forwarded-For (what the outermost trusted proxy saw). An IPv6 client counts as
    its /64, since one subscriber holds a whole /64."""
    address = request.remote_addr or ""
    trusted = tk.config.get(OPTION + "trusted_proxies")
    if trusted > 0:
        # several header lines (a client's own plus the proxy's) are one list, in order
        hops = [h.strip() for line in request.headers.getlist("X-Forwarded-For")
                for h in line.split(",") if h.strip()]
        if len(hops) >= trusted:
            address = hops[-trusted]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def matching_rule() -> tuple[Rule, bool] | None:
    """The rule this request falls under, and whether it is an API call."""
    if request.method != "POST":
        return None
    endpoint = request.endpoint
    view_args = request.view_args or {}
    if endpoint == API_ENDPOINT:
        action = view_args.get("logic_function")
        return next(((rule, True) for rule in RULES if action in rule.actions), None)
    for rule in RULES:
        for form_endpoint, step in rule.forms:
            if endpoint == form_endpoint and (step is None or view_args.get("step") == step):
                return rule, False
    return None


def _submitted(field: str) -> Any:
    view_args = request.view_args or {}
    if view_args.get(field):
        return view_args[field]
    if request.form:
        return request.form.get(field)
    if request.is_json:  # cached by Flask: CKAN's API view reads the same body again
        data = request.get_json(silent=True)
        return data.get(field) if isinstance(data, dict) else None
    return None


def _digest(value: str) -> str:
    # counters' keys carry no e-mail address, user name or tracking token, not even as a plain
    # hash a list of addresses could be matched against (UU PDP): keyed with the app's secret,
    # the same in every worker and container
    secret = (tk.config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def target_of(rule: Rule) -> str | None:
    for field in rule.target_fields:
        value = _submitted(field)
        if isinstance(value, str) and value.strip():
            return _digest(f"{field}:{value.strip().lower()}")
    return None


# --- the hook ----------------------------------------------------------------------------------

def enforce() -> Response | None:
    """before_app_request: refuse with 429 when a limit of the request's rule is reached."""
    if not tk.config.get(OPTION + "enabled"):
        return None
    found = matching_rule()
    if found is None:
        return None
    rule, is_api = found
    if tk.current_user.is_authenticated and getattr(tk.current_user, "sysadmin", False):
        return None
    checks: list[tuple[str, RateLimitItem, tuple[str, ...]]] = [
        ("per_address", item, (rule.name, "address", _digest(client_address())))
        for item in limits_of(rule, "per_address")]
    target = target_of(rule)
    if target:
        checks += [("per_target", item, (rule.name, "target", target))
                   for item in limits_of(rule, "per_target")]
    if not checks:
        return None
    try:
        counter = limiter()
        blocked = [check for check in checks if not counter.test(check[1], *check[2])]
        if not blocked:
            # hit() is atomic: a parallel request may still take the last slot first
            blocked = [check for check in checks if not counter.hit(check[1], *check[2])]
        if not blocked:
            return None
        reset = max(counter.get_window_stats(item, *ids).reset_time for _s, item, ids in blocked)
    except StorageError as error:
        log.warning("abuse limits not applied: the counters' Redis cannot be reached (%s)", error)
        return None
    wait = max(1, math.ceil(reset - time.time()))
    scope = "per_target" if any(s == "per_target" for s, _i, _ids in blocked) else "per_address"
    log.info("abuse limit %s %s reached by %s", rule.name, scope, client_address())
    return refusal(rule, scope, wait, is_api)


# --- the refusal -------------------------------------------------------------------------------

def _rounded_up(seconds: int) -> dt.timedelta:
    """The wait in whole units, never shorter than the real one (the Retry-After is exact)."""
    for unit in (86400, 3600, 60):
        if seconds >= unit:
            return dt.timedelta(seconds=math.ceil(seconds / unit) * unit)
    return dt.timedelta(seconds=seconds)


def message(rule: Rule, scope: str, wait: int) -> str:
    if scope == "per_target":
        first = _("Too many %(what)s for %(target)s.") % {"what": rule.what(), "target": rule.target()}
    else:
        first = _("Too many %(what)s from your network address.") % {"what": rule.what()}
    when = format_timedelta(_rounded_up(wait), add_direction=True, threshold=1,
                            locale=tk.h.lang() or "id")
    return first + " " + _("Please try again %(when)s.") % {"when": when}


def _back_link() -> str:
    referrer = request.referrer or ""
    parsed = urlparse(referrer)
    if referrer and parsed.netloc == request.host:
        return referrer
    return tk.h.url_for("home.index")


def refusal(rule: Rule, scope: str, wait: int, is_api: bool) -> Response:
    text = message(rule, scope, wait)
    headers = {"Retry-After": str(wait), "Cache-Control": "no-store"}
    if is_api:
        action = (request.view_args or {}).get("logic_function")
        body = {
            "help": tk.h.url_for(API_ENDPOINT, logic_function="help_show", name=action,
                                 _external=True),
            "success": False,
            "error": {"__type": "Rate Limit Error", "message": text, "retry_after": wait},
        }
        response = make_response(json.dumps(body), 429, headers)
        response.mimetype = "application/json"
        return response
    page = tk.render("security/rate_limited.html", extra_vars={
        "message": text, "back": _back_link()})
    return make_response(page, 429, headers)
