"""The walk's own judgement (pure logic): what counts as a broken page, how a form is sent."""
from __future__ import annotations

import routewalk
from routewalk import Answer

THEMED_404 = ('<!DOCTYPE html><html lang="id"><head><title>Halaman tidak ditemukan</title></head>'
              '<body><div class="tg-topbar"></div></body></html>')


def test_server_errors_and_unstyled_or_english_error_pages_are_problems():
    assert routewalk.check(Answer(500, "text/html", "<html>"), "id", "dataset.read") == "server error 500"
    assert routewalk.check(Answer(404, "text/html; charset=utf-8", THEMED_404), "id", "dataset.read") is None
    bare = "<!doctype html><html lang=en><title>404 Not Found</title><h1>Not Found</h1></html>"
    assert "outside the portal's theme" in routewalk.check(Answer(404, "text/html", bare), "id", "x")
    english = THEMED_404.replace('lang="id"', 'lang="en"')
    assert "language 'en'" in routewalk.check(Answer(404, "text/html", english), "id", "x")
    titled = THEMED_404.replace("Halaman tidak ditemukan", "404 Not Found")
    assert "titled in English" in routewalk.check(Answer(404, "text/html", titled), "id", "x")


def test_a_full_page_outside_the_theme_is_a_problem_but_json_and_redirects_are_not():
    plain = '<html lang="id"><body>hello</body></html>'
    assert routewalk.check(Answer(200, "text/html", plain), "id", "ppid.index") == "page outside the portal's theme"
    assert routewalk.check(Answer(200, "text/html", plain), "id", "ppid.track_letter") is None
    assert routewalk.check(Answer(409, "application/json", '{"success": false}'), "id", "api.action") is None
    assert routewalk.check(Answer(302, "text/html", ""), "id", "user.me") is None


def test_a_form_is_sent_with_its_own_values_and_one_pressed_button():
    page = """<form method="post" action="/ppid/petugas/1/decide">
      <input type="hidden" name="_csrf_token" value="tok">
      <input type="radio" name="outcome" value="granted"><input type="radio" name="outcome" value="rejected" checked>
      <input type="checkbox" name="grounds" value="a"><input type="checkbox" name="grounds" value="b" checked>
      <select name="opd"><option value="dinkes">Dinkes</option><option value="dindik" selected>Dindik</option></select>
      <textarea name="reasons">alasan</textarea><input type="file" name="documents">
      <button type="submit" name="save" value="1">Simpan</button></form>
      <form method="get" action="/dataset/"><input name="q"></form>"""
    forms = routewalk.post_forms(page, "/ppid/petugas/1")
    assert len(forms) == 1
    assert forms[0].action == "/ppid/petugas/1/decide"
    assert forms[0].fields == [("_csrf_token", "tok"), ("outcome", "rejected"), ("grounds", "b"),
                               ("opd", "dindik"), ("reasons", "alasan"), ("save", "1")]
    assert routewalk.csrf_of_fields(forms[0].fields) == [("_csrf_token", "tok")]


def test_a_rule_the_walk_cannot_fill_is_reported_not_skipped():
    seed = routewalk.Seed(datasets=[{"id": "d"}], organizations=["o"], groups=["g"], users=["u"],
                          tags=["t"], ppid_requests=[{"id": "p", "token": "t"}], dip_entries=["x"],
                          collections=["c"], tile=(14, 1, 2), actions=[], webasset="a.css", logins={})
    assert routewalk.fills(seed, "dataset.read", {"id"}) == [{"id": "d", "_id": "d", "_format": "ttl", "fmt": "csv"}]
    # a resource rule with a dataset that has no resource: nothing to build it with
    assert routewalk.fills(seed, "resource.read", {"id", "resource_id"}) is None
    assert routewalk.fills(seed, "newbp.page", {"thing_id"}) is None
    assert routewalk.tile_of(106.70, -6.18, 14) == (14, 13048, 8473)


def test_a_requesters_personal_data_shown_to_an_outsider_is_a_problem():
    import re

    seed = routewalk.Seed(datasets=[], organizations=[], groups=[], users=[], tags=[], ppid_requests=[],
                          dip_entries=[], collections=[], tile=(14, 1, 2), actions=[], webasset="",
                          logins={}, personal={"NIK": re.compile(r"[\s.-]?".join("3671011503900001"))},
                          outsiders=("anonymous",))
    page = Answer(200, "text/html", "<p>NIK 3671 0115 0390 0001</p>")
    assert routewalk.leak(page, seed, "anonymous", "ppid.officer_read") == "personal data shown to anonymous: NIK"
    # the requester's own tracking link, and roles that may see it, are not outsiders' pages
    assert routewalk.leak(page, seed, "anonymous", "ppid.track") is None
    assert routewalk.leak(page, seed, "ppid_utama", "ppid.officer_read") is None
    masked = Answer(200, "text/html", "<p>NIK 3671 01** **** 0001</p>")
    assert routewalk.leak(masked, seed, "anonymous", "ppid.officer_read") is None
