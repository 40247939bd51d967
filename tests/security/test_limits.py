"""Abuse limits (security/limits.py): PPID requests, tracking-link mails, objections, barrier
reports, log-in and password reset are refused with 429 once a client address or a target
(e-mail address, account, request) has used its share, in every worker sharing the Redis."""
from __future__ import annotations


import pytest
import requests
from limits.storage import RedisStorage

import ckan.plugins.toolkit as tk

from forms import csrf_field
from live_portal import Portal

OPTION = "ckanext.tangerang.security.limits."
PREFIX = "tangerang-limits-test"

pytestmark = [
    pytest.mark.services,
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_limits"),
    pytest.mark.ckan_config(OPTION + "key_prefix", PREFIX),
    pytest.mark.ckan_config(OPTION + "enabled", "true"),
]

# every limited entry point: (rule, how it is reached, path, data whose `email`/`login`/...
# field names the target; "TARGET" is replaced per test)
FORMS = [
    ("ppid_request", "/ppid/permohonan", {"name": "Warga", "email": "TARGET"}),
    ("ppid_resend_link", "/ppid/lacak", {"number": "00001/PPID/2026", "email": "TARGET"}),
    ("ppid_objection", "/ppid/lacak/TARGET/objection", {"grounds": "a", "reasons": "Tidak dijawab"}),
    ("a11y_report", "/aksesibilitas", {"description": "Tombol tanpa label", "email": "TARGET"}),
    ("login", "/user/login", {"login": "TARGET", "password": "salah-sekali"}),
    ("password_reset", "/user/reset", {"user": "TARGET"}),
]
APIS = [
    ("ppid_request", "ppid_request_create", {"name": "Warga", "email": "TARGET"}),
    ("ppid_resend_link", "ppid_request_resend_link", {"number": "00001/PPID/2026", "email": "TARGET"}),
    ("ppid_objection", "ppid_objection_create", {"token": "TARGET", "grounds": ["a"], "reasons": "x"}),
    ("a11y_report", "tangerang_a11y_barrier_report", {"description": "Kontras", "email": "TARGET"}),
]
WHAT_ID = {
    "ppid_request": "permohonan informasi", "ppid_resend_link": "email tautan pelacakan",
    "ppid_objection": "pengajuan keberatan", "a11y_report": "laporan hambatan aksesibilitas",
    "login": "percobaan masuk", "password_reset": "permintaan atur ulang kata sandi",
}


@pytest.fixture
def clean_limits(ckan_config):
    """The tests' own counters, empty before and after each test."""
    storage = RedisStorage(ckan_config["ckan.redis.url"], key_prefix=PREFIX)
    storage.reset()
    yield storage
    storage.reset()


def _fill(data: dict, target: str) -> dict:
    return {k: (target if v == "TARGET" else v) for k, v in data.items()}


def _csrf(app, environ) -> dict:
    """The CSRF field of a form page of this session (the lead enforces CSRF on every POST)."""
    return csrf_field(app.get("/user/login", extra_environ=environ).body)


def _post_form(app, path, data, address, target):
    environ = {"REMOTE_ADDR": address}
    return app.post(path.replace("TARGET", target), data={**_fill(data, target), **_csrf(app, environ)},
                    extra_environ=environ, follow_redirects=False)


def _post_api(app, action, data, address, target):
    return app.post(f"/api/3/action/{action}", json=_fill(data, target),
                    extra_environ={"REMOTE_ADDR": address})


def _limit(ckan_config, rule, per_address="", per_target=""):
    ckan_config[f"{OPTION}{rule}.per_address"] = per_address
    ckan_config[f"{OPTION}{rule}.per_target"] = per_target


def _assert_refused(res, rule, scope_words):
    assert res.status_code == 429, res.status_code
    wait = int(res.headers["Retry-After"])
    assert 1 <= wait <= 60
    text = res.get_data(as_text=True)
    assert f"Terlalu banyak {WHAT_ID[rule]} {scope_words}" in text
    assert "Silakan coba lagi dalam 1 menit" in text
    return text


@pytest.mark.parametrize("rule,path,data", FORMS, ids=[f[0] for f in FORMS])
def test_form_over_the_address_limit_is_refused_with_a_page(app, ckan_config, rule, path, data):
    _limit(ckan_config, rule, per_address="2 per minute")
    for i in range(2):
        res = _post_form(app, path, data, "203.0.113.10", f"warga{i}@example.org")
        assert res.status_code != 429, (i, res.status_code)
    res = _post_form(app, path, data, "203.0.113.10", "warga9@example.org")
    text = _assert_refused(res, rule, "dari alamat jaringan Anda")
    assert res.mimetype == "text/html"
    assert "<h1>Terlalu banyak percobaan</h1>" in text  # the portal's page, not a bare error
    assert 'class="tg-skip"' in text
    # another address is not blocked
    res = _post_form(app, path, data, "198.51.100.7", "warga9@example.org")
    assert res.status_code != 429


@pytest.mark.parametrize("rule,action,data", APIS, ids=[a[0] for a in APIS])
def test_api_over_the_address_limit_is_refused_with_a_json_error(app, ckan_config, rule, action, data):
    _limit(ckan_config, rule, per_address="2 per minute")
    for i in range(2):
        res = _post_api(app, action, data, "203.0.113.11", f"w{i}@example.org")
        assert res.status_code != 429, (i, res.status_code)
    res = _post_api(app, action, data, "203.0.113.11", "w9@example.org")
    _assert_refused(res, rule, "dari alamat jaringan Anda")
    body = res.json
    assert body["success"] is False
    assert body["error"]["__type"] == "Rate Limit Error"
    assert body["error"]["retry_after"] == int(res.headers["Retry-After"])
    assert _post_api(app, action, data, "198.51.100.8", "w9@example.org").status_code != 429


@pytest.mark.parametrize("rule,path,data", FORMS, ids=[f[0] for f in FORMS])
def test_one_target_from_many_addresses_is_bounded(app, ckan_config, rule, path, data):
    """A distributed attempt on one account, one mailbox or one request."""
    _limit(ckan_config, rule, per_address="100 per minute", per_target="2 per minute")
    target = {"login": "admin", "ppid_objection": "token-korban"}.get(rule, "korban@example.org")
    for i in range(2):
        assert _post_form(app, path, data, f"192.0.2.{i + 1}", target).status_code != 429
    res = _post_form(app, path, data, "192.0.2.50", target)
    _assert_refused(res, rule, "untuk")
    # the same address may still try another target (upper case: one account, any spelling)
    if rule == "login":
        assert _post_form(app, path, data, "192.0.2.50", "ADMIN").status_code == 429
    assert _post_form(app, path, data, "192.0.2.50", "lain@example.org").status_code != 429


def test_message_in_english_and_the_wait_in_the_header(app, ckan_config):
    _limit(ckan_config, "login", per_address="1 per hour")
    _post_form(app, "/en/user/login", FORMS[4][2], "203.0.113.12", "someone")
    res = _post_form(app, "/en/user/login", FORMS[4][2], "203.0.113.12", "someone")
    assert res.status_code == 429
    assert 3500 < int(res.headers["Retry-After"]) <= 3600
    text = res.get_data(as_text=True)
    assert "Too many log-in attempts from your network address. Please try again in 1 hour." in text
    assert "<h1>Too many attempts</h1>" in text


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(app, ckan_config):
    _limit(ckan_config, "password_reset", per_address="1 per minute")

    def reset(forwarded, target):
        environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": forwarded}
        return app.post("/user/reset", data={"user": target, **_csrf(app, environ)},
                        extra_environ=environ, follow_redirects=False).status_code

    # no trusted proxy: a client cannot escape by making up addresses
    assert reset("1.1.1.1", "a@example.org") != 429
    assert reset("2.2.2.2", "b@example.org") == 429
    # one trusted proxy (HAProxy): the address it appended counts, not what the client wrote
    ckan_config[OPTION + "trusted_proxies"] = 1
    assert reset("6.6.6.6, 203.0.113.20", "c@example.org") != 429
    assert reset("7.7.7.7, 203.0.113.20", "d@example.org") == 429
    assert reset("6.6.6.6, 203.0.113.21", "e@example.org") != 429


def test_switched_off_nothing_is_limited(app, ckan_config):
    _limit(ckan_config, "login", per_address="1 per minute")
    ckan_config[OPTION + "enabled"] = False
    for _ in range(3):
        assert _post_form(app, "/user/login", FORMS[4][2], "203.0.113.30", "x").status_code != 429


def test_unreachable_redis_lets_requests_through(app, ckan_config):
    """Redis down: the site keeps serving (and logs it) rather than refusing every log-in."""
    _limit(ckan_config, "login", per_address="1 per minute")
    ckan_config[OPTION + "storage_url"] = "redis://127.0.0.1:1/0"
    for _ in range(3):
        res = _post_form(app, "/user/login", FORMS[4][2], "203.0.113.31", "x")
        assert res.status_code == 200


def test_a_mistyped_limit_stops_the_start(ckan_config, make_app):
    ckan_config[OPTION + "login.per_address"] = "lima kali sejam"
    with pytest.raises(RuntimeError, match="login.per_address"):
        make_app()


def test_limits_hold_across_two_app_instances(make_app, ckan_config):
    """Two apps (as two gunicorn workers would each build) count in the same Redis."""
    from ckanext.tangerang.security import limits

    _limit(ckan_config, "ppid_resend_link", per_address="2 per minute")
    first, second = make_app(), make_app()
    data = APIS[1][2]
    assert _post_api(first, "ppid_request_resend_link", data, "203.0.113.40", "a@x.org").status_code != 429
    limits._limiter.cache_clear()  # no connection object shared between the two either
    assert _post_api(second, "ppid_request_resend_link", data, "203.0.113.40", "b@x.org").status_code != 429
    assert _post_api(first, "ppid_request_resend_link", data, "203.0.113.40", "c@x.org").status_code == 429
    assert _post_api(second, "ppid_request_resend_link", data, "203.0.113.40", "d@x.org").status_code == 429


def test_limits_hold_across_two_gunicorn_servers(request, tmp_path, clean_limits):
    """Two gunicorn processes (separate portals on one Redis) share the counters."""
    options = {OPTION + "enabled": "true", OPTION + "key_prefix": PREFIX,
               OPTION + "ppid_resend_link.per_address": "3 per minute"}
    ini = request.config.getoption("ckan_ini")
    with Portal.serving(ini, tmp_path, workers=1, name="test-limits-a", **options) as a, \
            Portal.serving(ini, tmp_path, workers=1, name="test-limits-b", **options) as b:
        def resend(portal, i):
            return requests.post(f"{portal.url}/api/3/action/ppid_request_resend_link",
                                 json={"number": "00001/PPID/2026", "email": f"w{i}@example.org"},
                                 timeout=30)
        assert [resend(p, i).status_code for i, p in enumerate((a, b, a))] == [200, 200, 200]
        refused = resend(b, 4)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["__type"] == "Rate Limit Error"
        assert resend(a, 5).status_code == 429
