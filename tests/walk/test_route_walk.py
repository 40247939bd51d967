"""The route walk in the suite: the portal as shipped, seeded with demo content and one object of
each kind, every URL rule fetched as each of ten roles (see routewalk.py)."""
from __future__ import annotations

import datetime as dt
import io
import json
import pathlib
import sys

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories

import routewalk
import satu_factories

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "ppid"))
from ppid_testlib import Upload, appoint, request_data  # noqa: E402

PASSWORD = "Jalan-Jalan-Rute-2026"
ROLE_USERS = {
    "registered": "walk_warga", "requester": "walk_pemohon", "other_citizen": "walk_warga_lain",
    "other_opd_editor": "walk_editor_dindik", "ppid_pelaksana": "walk_pelaksana",
    "ppid_utama": "walk_utama", "atasan_ppid": "walk_atasan", "walidata": "walk_walidata",
    "sysadmin": "walk_sysadmin",
}
CIPONDOH = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": i, "nama": f"Titik {i}"},
     "geometry": {"type": "Point", "coordinates": [106.70 + i / 1000, -6.18]}} for i in range(5)]}


def _as(user: str) -> dict:
    return {"user": user, "ignore_auth": False}


def _site() -> dict:
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site["name"], "ignore_auth": True}


def _upload(data: bytes, name: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/octet-stream")


def _work() -> None:
    from ckan.lib import jobs

    jobs.Worker().work(burst=True)


def _layer_dataset(name: str, private: bool, org: str, content: bytes, filename: str,
                   **fields) -> dict:
    ds = satu_factories.Dataset(name=name, owner_org=org, private=private, **fields)
    res = tk.get_action("resource_create")(_site(), {
        "package_id": ds["id"], "name": filename, "format": "GeoJSON", "url": "",
        "upload": _upload(content, filename)})
    return {"dataset": ds, "resource": res}


def seed_portal(cli) -> routewalk.Seed:
    for command in (["sync-opd"], ["sync-urusan"], ["demo"]):
        result = cli.invoke(ckan_cli, ["tangerang", "satudata", *command])
        assert result.exit_code == 0, result.output
    users = {role: factories.User(name=name, password=PASSWORD, email=f"{name}@example.org")
             for role, name in ROLE_USERS.items()}
    model.Session.query(model.User).filter_by(name="walk_sysadmin").update({"sysadmin": True})
    model.Session.commit()
    org_member = tk.get_action("organization_member_create")
    org_member(_site(), {"id": "dindik", "username": "walk_editor_dindik", "role": "editor"})
    org_member(_site(), {"id": "diskominfo", "username": "walk_walidata", "role": "editor"})
    appoint("walk_utama", "utama")
    appoint("walk_pelaksana", "pelaksana", "dinkes")
    appoint("walk_atasan", "atasan")

    # datasets: public with a layer, private with a layer, terbatas, and a failed import
    public = _layer_dataset("walk-titik-publik", False, "dinkes", json.dumps(CIPONDOH).encode(),
                            "titik.geojson")
    private = _layer_dataset("walk-titik-privat", True, "dinkes", json.dumps(CIPONDOH).encode(),
                             "titik-privat.geojson")
    failed = _layer_dataset("walk-impor-gagal", False, "dinkes", b"ini bukan GeoJSON",
                            "rusak.geojson")
    terbatas = satu_factories.Dataset(name="walk-data-terbatas", owner_org="dinkes",
                                      tingkat_akses="terbatas")
    standard = tk.get_action("tangerang_standard_create")(_site(), {
        "name": "walk-standar", "title": "Standar jalan-jalan",
        "schema": {"fields": [{"name": "kegiatan", "type": "string"}]}})
    tabel_privat = satu_factories.Dataset(name="walk-tabel-privat", owner_org="dinkes", private=True)
    tk.get_action("resource_create")(_site(), {
        "package_id": tabel_privat["id"], "name": "anggaran.csv", "format": "CSV", "url": "",
        "upload": _upload(b"kegiatan,anggaran\nPosyandu,300000\n", "anggaran.csv")})
    _work()
    from ckanext.activity.model import Activity

    datasets = []
    for item in (public, private, failed):
        ds, res = item["dataset"], item["resource"]
        view = tk.get_action("resource_view_create")(_site(), {
            "resource_id": res["id"], "view_type": "satupeta_view", "title": "Peta"})
        # the dataset's first activity ("new package"): a later one without the package in its
        # data makes CKAN's resource history answer 500 (KeyError 'package'; see the closing note)
        activity = (model.Session.query(Activity).filter(Activity.object_id == ds["id"])
                    .order_by(Activity.timestamp).first())
        datasets.append({"id": ds["name"], "resource_id": res["id"], "view_id": view["id"],
                         "activity_id": activity.id if activity else None,
                         "filename": res["url"].rsplit("/", 1)[-1]})
    # tables in the DataStore (loaded by the worker above): the demo's public one and a private one
    for name in ("jumlah-penduduk-per-kecamatan", tabel_privat["name"]):
        res = tk.get_action("package_show")(_site(), {"id": name})["resources"][0]
        views = tk.get_action("resource_view_list")(_site(), {"id": res["id"]})
        datasets.append({"id": name, "resource_id": res["id"],
                         "table_view_id": next(v["id"] for v in views if v["view_type"] == "datatables_view")})
    datasets.append({"id": terbatas["name"]})

    # PPID: a request in each state, a pending objection, a dispute, a DIP entry
    requester = "walk_pemohon"

    def filed(information: str) -> dict:
        return tk.get_action("ppid_request_create")(
            _as(requester), request_data(information=information, email="walk_pemohon@example.org",
                                         identity_upload=Upload()))

    # the others arrived by letter a week ago, registered by the PPID: whatever day the suite
    # runs on (a web request on a Sunday counts from Monday), their steps may be taken today
    week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()

    def registered(information: str) -> dict:
        return tk.get_action("ppid_request_create")(
            _as("walk_utama"), request_data(information=information, email="walk_pemohon@example.org",
                                            channel="letter", received_date=week_ago,
                                            identity_upload=None))

    reqs = {"received": filed("Data uji jalan rute: received")}
    reqs.update({state: registered(f"Data uji jalan rute: {state}")
                 for state in ("incomplete", "processing", "decided", "objection", "dispute", "lapsed")})
    act = tk.get_action
    utama = _as("walk_utama")
    ids = {state: act("ppid_request_show")(utama, {"id": r["number"]})["id"] for state, r in reqs.items()}
    act("ppid_request_ask_completion")(utama, {"id": ids["incomplete"], "note": "Lengkapi KTP"})
    act("ppid_request_route")(utama, {"id": ids["processing"], "opd": "dinkes"})
    for state in ("decided", "objection", "dispute"):
        act("ppid_request_decide")(utama, {"id": ids[state], "outcome": "granted",
                                           "reasons": "Informasi terbuka", "given": "Tabel data"})
    objection = act("ppid_objection_create")(
        {"user": "", "ignore_auth": False},
        {"token": reqs["objection"]["tracking_token"], "grounds": ["b"], "reasons": "Uji keberatan"})
    disputed = act("ppid_objection_create")(
        {"user": "", "ignore_auth": False},
        {"token": reqs["dispute"]["tracking_token"], "grounds": ["b"], "reasons": "Uji sengketa"})
    act("ppid_objection_decide")(_as("walk_atasan"), {"id": disputed["id"], "result": "rejected",
                                                       "reasons": "Sudah sesuai"})
    act("ppid_dispute_create")(utama, {"id": disputed["id"], "reference": "KI-BANTEN/1/2026"})
    # lapsed: the completion period ended; the daily sweep marks it
    act("ppid_request_ask_completion")(utama, {"id": ids["lapsed"], "note": "Lengkapi"})
    from ckanext.tangerang.ppid.model import Request

    model.Session.query(Request).filter(Request.id == ids["lapsed"]).update(
        {"completion_due": dt.date.today() - dt.timedelta(days=30)})
    model.Session.commit()
    act("ppid_remind")(_site(), {})
    assert act("ppid_request_show")(utama, {"id": ids["lapsed"]})["state"] == "lapsed"
    dip = act("ppid_dip_create")(utama, {
        "number": "DIP-UJI-1", "summary": "Daftar puskesmas", "opd": "dinkes", "holder": "Dinkes",
        "responsible": "PPID Pelaksana Dinkes", "made": "2026", "form": "elektronik",
        "retention": "5 tahun", "category": "berkala", "language": "id"})
    ppid_requests = []
    for state, r in reqs.items():
        shown = act("ppid_request_show")(utama, {"id": ids[state]})
        files = shown.get("files") or []
        ppid_requests.append({"id": ids[state], "token": r["tracking_token"],
                              "file_id": files[0]["id"] if files else None})
    assert objection["state"] == "filed"

    layer = tk.get_action("tangerang_satupeta_layer_show")(_site(), {"id": public["resource"]["id"]})
    collections = [public["resource"]["id"], private["resource"]["id"], failed["resource"]["id"]]
    return routewalk.Seed(
        datasets=datasets, organizations=["dinkes"], groups=[_first_group()],
        users=["walk_pemohon", "walk_sysadmin"], tags=["kesehatan"],
        ppid_requests=ppid_requests, dip_entries=[dip["id"]], collections=collections,
        standards=[standard["name"]],
        tile=routewalk.tile_of(106.702, -6.18, 14), actions=[],
        webasset="", logins={role: (name, PASSWORD) for role, name in ROLE_USERS.items()},
        year=dt.date.today().year,
        personal=personal_patterns(),
        outsiders=("anonymous", "registered", "other_citizen", "other_opd_editor"),
    ) if layer else None


def personal_patterns() -> dict:
    """The walk's requester's NIK (in any grouping), phone, street address and e-mail address
    (request_data's PERSONAL, with the walk's own address) and her KTP scan's link."""
    import re

    from ppid_testlib import NIK, PERSONAL

    def spaced(digits: str) -> str:
        return r"[\s.-]?".join(digits)

    return {"NIK": re.compile(spaced(NIK)), "phone": re.compile(spaced(PERSONAL["phone"][1:])),
            "address": re.compile(re.escape(PERSONAL["address"].split(",")[0])),
            "email": re.compile(re.escape("walk_pemohon@example.org")),
            "KTP link": re.compile(r"/berkas/[^\"'\s]*ktp|ktp\.pdf", re.I)}


def _first_group() -> str:
    groups = tk.get_action("group_list")(_site(), {})
    return groups[0] if groups else "walk-none"


class FlaskClient(routewalk.Client):
    """One role's browser session on the app through Flask's test client (cookies kept)."""

    def __init__(self, app, login: tuple[str, str] | None):
        self.client = app.flask_app.test_client()
        self.login = login
        if login:
            self.sign_in()

    @staticmethod
    def _answer(res) -> routewalk.Answer:
        body = res.get_data(as_text=True) if res.mimetype.startswith(("text/", "application/json",
                                                                       "application/xhtml")) else ""
        return routewalk.Answer(res.status_code, res.content_type or "", body,
                                res.headers.get("Location", ""))

    def _open(self, method: str, path: str, **kw) -> routewalk.Answer:
        # in testing mode an unexpected error reaches the caller instead of the 500 page: the
        # walk records it as the server error a visitor would get
        try:
            return self._answer(self.client.open(path, method=method, **kw))
        except Exception as e:  # noqa: BLE001
            import traceback

            model.Session.rollback()
            where = traceback.extract_tb(e.__traceback__)[-1]
            return routewalk.Answer(500, "text/plain", f"{type(e).__name__}: {e} "
                                    f"({where.filename.split('site-packages/')[-1]}:{where.lineno})")

    def get(self, path: str) -> routewalk.Answer:
        return self._open("GET", path, headers={"Accept": "text/html"})

    def post(self, path: str, data) -> routewalk.Answer:
        from werkzeug.datastructures import MultiDict

        return self._open("POST", path, data=MultiDict(data), headers={"Accept": "text/html"})

    def api(self, action: str, payload: dict) -> routewalk.Answer:
        return self._open("POST", f"/api/3/action/{action}", json=payload,
                          headers={"X-CSRFToken": self.csrf_token()})


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index", "peta_store", "clean_queues",
                         "csw_service")
@pytest.mark.ckan_config("ckanext.tangerang.satupeta.auto_import", "true")
def test_every_route_as_every_role(app, cli, capsys):
    seed = seed_portal(cli)
    assert seed is not None, "the public layer was not imported"
    flask_app = app.flask_app
    routes = routewalk.routes_of(flask_app.url_map)
    adapter = flask_app.url_map.bind("localhost")
    with flask_app.app_context():
        seed.actions = routewalk.public_actions()
    home = app.get("/").body
    import re

    asset = re.search(r"/webassets/([^\"'?]+)", home)
    seed.webasset = asset.group(1) if asset else "walk-none.css"
    clients = {"anonymous": FlaskClient(app, None)}
    for role in routewalk.ROLES[1:]:
        clients[role] = FlaskClient(app, seed.logins[role])
    findings, cover = routewalk.walk(routes, seed, clients,
                                     lambda path: routewalk.endpoint_of(adapter, path))
    table = cover.table(clients)
    (ROOT / "var" / "log").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "log" / "route-walk.txt").write_text(
        table + "\n" + "\n".join(map(str, findings)) + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + table)
    assert not findings, f"{len(findings)} problems:\n" + "\n".join(map(str, findings))
