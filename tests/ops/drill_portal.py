"""The backup drill's portal, run in a process of its own with the drill's ini:

    python drill_portal.py seed INI SEED.json       fills the portal, writes the ids it made
    python drill_portal.py answers INI SEED.json OUT.json   the API answers compared before and after

seed uses the portal's own commands (sync-opd, demo, load-table, satupeta import) and the actions
as users call them: datasets (one private), a DataStore table, a layer, users with an API token,
and PPID requests in every state, with encrypted files.
"""
from __future__ import annotations

import hashlib
import io
import json
import sys

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PERSONAL = {"name": "Siti Rahmawati", "nik": "3671011503900001", "address": "Jl. Melati No. 7, Cipondoh",
            "phone": "081298765432", "email": "siti.drill@example.org", "occupation": "Peneliti"}
OFFICERS = {"drill_utama": ("utama", None, "diskominfo", "admin"),
            "drill_dinkes": ("pelaksana", "dinkes", "dinkes", "editor"),
            "drill_atasan": ("atasan", None, None, None)}


class Upload:
    """What werkzeug gives an action for an uploaded file."""

    def __init__(self, content=PDF, filename="ktp.pdf"):
        self.stream, self.filename = io.BytesIO(content), filename


def app_for(ini: str):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    return app._wsgi_app if hasattr(app, "_wsgi_app") else app


def seed(ini: str, out: str) -> None:
    import sqlalchemy as sa

    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.tangerang.satudata import cli as satudata_cli
    from ckanext.tangerang.satupeta import cli as satupeta_cli

    flask_app = app_for(ini)
    with flask_app.test_request_context():
        site = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"],
                "ignore_auth": True}

        def act(action, as_=None, **data):
            context = dict(site) if as_ == "site" else {"user": as_ or "", "ignore_auth": False}
            return tk.get_action(action)(context, data)

        # the portal's commands, as `make run` loads demo content
        satudata_cli.sync_opd.callback()
        satudata_cli.demo.callback()
        demo = act("package_search", "site", q="*:*", rows=100, include_private=True)["results"]
        resources = [r for d in demo for r in d["resources"]]
        table = next(r for r in resources if r["format"].upper() == "CSV")
        geo = next(r for r in resources if r["format"].lower() == "geojson")
        satudata_cli.load_table.callback(resource_ids=(table["id"],), sheet=None)
        satupeta_cli.import_.callback(geo["id"], None, None)

        admin = act("user_create", "site", name="drill_admin", email="admin@drill.example.org",
                    password="Drill-Admin-2026!", sysadmin=True)
        token = act("api_token_create", "site", user="drill_admin", name="drill")["token"]
        for name, (role, opd, org, capacity) in OFFICERS.items():
            act("user_create", "site", name=name, email=f"{name}@tangerangkota.go.id",
                password="Drill-Officer-2026!")
            if org:
                act("organization_member_create", "site", id=org, username=name, role=capacity)
            act("ppid_appointment_create", "site", user=name, role=role, opd=opd)
        act("user_create", "site", name="drill_citizen", email="citizen@drill.example.org",
            password="Drill-Citizen-2026!")
        private = act("package_create", "site", name="drill-private", title="Data Internal Drill",
                      owner_org="dinkes", private=True, notes="Data internal untuk latihan pemulihan.",
                      urusan="kesehatan", frekuensi="tahunan", tahun="2025", satuan="unit",
                      cakupan_wilayah=["36.71"], maintainer_email="data@tangerangkota.go.id",
                      tingkat_akses="terbatas", license_id="cc-by")

        # PPID: a request in every state, files encrypted in the store
        def letter(information):
            made = act("ppid_request_create", "drill_utama", channel="letter", received_date="2026-11-20",
                       requester_type="individual", **PERSONAL, information=information,
                       purpose="Latihan pemulihan", obtain_method="softcopy", delivery_method="email",
                       consent="on")
            return act("ppid_request_show", "drill_utama", id=made["number"])

        web = act("ppid_request_create", None, requester_type="individual", **PERSONAL,
                  information="Data puskesmas per kecamatan", purpose="Penelitian",
                  obtain_method="softcopy", delivery_method="email", consent="on",
                  identity_upload=Upload())
        received = act("ppid_request_show", "drill_utama", id=web["number"])
        incomplete = letter("Data yang perlu dilengkapi")
        act("ppid_request_ask_completion", "drill_utama", id=incomplete["id"], note="KTP buram")
        lapsed = letter("Data yang tidak dilengkapi")
        act("ppid_request_ask_completion", "drill_utama", id=lapsed["id"], note="KTP buram")
        # its completion period has passed: the daily job lapses it
        model.Session.execute(sa.text("UPDATE tangerang_ppid_request SET completion_due = '2026-11-25' "
                                      "WHERE id = :id"), {"id": lapsed["id"]})
        model.Session.commit()
        act("ppid_remind", "site")
        processing = letter("Data tenaga kesehatan")
        act("ppid_request_route", "drill_utama", id=processing["id"], opd="dinkes", note="data dinkes")
        decided = letter("Data rumah sakit")
        act("ppid_request_decide", "drill_utama", id=decided["id"], outcome="granted", reasons="tersedia",
            given="tabel rumah sakit", documents=[Upload(filename="jawaban.pdf")])
        objected = letter("Data anggaran kesehatan")
        act("ppid_request_decide", "drill_utama", id=objected["id"], outcome="granted", reasons="ok",
            given="tabel")
        filed = act("ppid_objection_create", "drill_utama", id=objected["id"], grounds=["d"],
                    reasons="data tidak lengkap")
        disputed = letter("Data obat")
        act("ppid_request_decide", "drill_utama", id=disputed["id"], outcome="granted", reasons="ok",
            given="tabel")
        obj = act("ppid_objection_create", "drill_utama", id=disputed["id"], grounds=["d"], reasons="kurang")
        act("ppid_objection_decide", "drill_atasan", id=obj["id"], result="rejected", reasons="sudah sesuai")
        act("ppid_dispute_create", "drill_utama", id=obj["id"], reference="KI-BANTEN/1/2026")
        decided_obj = letter("Data gizi")
        act("ppid_request_decide", "drill_utama", id=decided_obj["id"], outcome="granted", reasons="ok",
            given="tabel")
        obj2 = act("ppid_objection_create", "drill_utama", id=decided_obj["id"], grounds=["d"], reasons="x")
        act("ppid_objection_decide", "drill_atasan", id=obj2["id"], result="accepted", reasons="diterima")

        requests = {"received": received, "incomplete": incomplete, "lapsed": lapsed,
                    "processing": processing, "decided": decided, "objection_filed": objected,
                    "objection_decided": decided_obj, "dispute": disputed}
        states = {key: act("ppid_request_show", "drill_utama", id=r["id"])["state"]
                  for key, r in requests.items()}
        objections = {"filed": filed["state"],
                      "dispute": act("ppid_request_show", "drill_utama", id=disputed["id"])["objections"][0]["state"],
                      "decided": act("ppid_request_show", "drill_utama", id=decided_obj["id"])["objections"][0]["state"]}
    json.dump({"datasets": [d["name"] for d in demo] + [private["name"]], "private": private["name"],
               "table": table["id"], "layer": geo["id"], "token": token, "admin": admin["name"],
               "requests": {k: r["id"] for k, r in requests.items()}, "request_states": states,
               "objection_states": objections}, open(out, "w"), indent=2)


def answers(ini: str, seed_file: str, out: str) -> None:
    """The answers a user gets, through the HTTP layer (Flask's test client)."""
    ids = json.load(open(seed_file))
    client = app_for(ini).test_client()
    admin = {"Authorization": ids["token"]}

    def api(action, headers=None, **params):
        reply = client.get(f"/api/3/action/{action}", query_string=params, headers=headers or {})
        return reply.status_code, reply.get_json()

    found = {
        # the token still authenticates, as its user
        "token_user": api("user_show", admin, id="drill_admin")[1]["result"]["name"],
        "private_anonymous": api("package_show", id=ids["private"])[0],
        "private_with_token": api("package_show", admin, id=ids["private"])[1]["result"],
        "package_show": [api("package_show", id=name)[1]["result"] for name in ids["datasets"][:3]],
        "package_search": api("package_search", q="*:*", rows=100, sort="name asc",
                              **{"facet.field": '["organization","res_format"]'})[1]["result"],
        "search_private": api("package_search", admin, q="name:drill-private", include_private="true")[1]["result"]["count"],
        "datastore_search": api("datastore_search", resource_id=ids["table"], limit=1000)[1]["result"],
        "ogc_items": client.get(f"/ogc/collections/{ids['layer']}/items?limit=1000&f=json").get_json(),
        "layer": api("tangerang_satupeta_layer_show", admin, id=ids["layer"])[1]["result"]["layer"],
    }
    # a PPID request as its officer sees it, files (decrypted) included
    with app_for(ini).test_request_context():
        import ckan.plugins.toolkit as tk
        from ckanext.tangerang.ppid import lib

        shown = {}
        for key, rid in ids["requests"].items():
            req = tk.get_action("ppid_request_show")({"user": "drill_utama", "ignore_auth": False}, {"id": rid})
            shown[key] = req
        found["ppid"] = shown
        # the files read back through the data key: their plain bytes
        from ckan import model
        from ckanext.tangerang.ppid.model import PpidFile
        found["ppid_files_plain"] = sorted(
            (f.storage_path, hashlib.sha256(lib.read_stored(f.storage_path)).hexdigest())
            for f in model.Session.query(PpidFile))
    json.dump(found, open(out, "w"), indent=2, sort_keys=True, default=str)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"seed": seed, "answers": answers}[command](*args)
