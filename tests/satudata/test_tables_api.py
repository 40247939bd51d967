"""The Data API on loaded tables: search, full text in Indonesian, SQL through the read-only role,
refused writes, private datasets, the statement timeout."""
from __future__ import annotations

import psycopg2
import pytest
import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from tables_testlib import PENDUDUK, upload

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

DATA = PENDUDUK + "".join(
    f"{2015 + i % 10},{['Cibodas', 'Ciledug', 'Karawaci', 'Pinang'][i % 4]},36710{i:05d},{1000 + i},"
    f"{i}.5,2020-01-{1 + i % 28:02d},\n" for i in range(200))


@pytest.fixture
def table(create_with_upload, opd):
    from ckanext.tangerang.satudata import model as store
    from ckanext.tangerang.satudata.tables import load

    def make(private=False, text=DATA):
        res = upload(create_with_upload, opd, text, "penduduk.csv", "CSV", private=private)
        run = store.create_load(res["id"])
        load.load_resource(run["id"])
        assert store.get_load(run["id"])["status"] == "done"
        return res

    return make


def test_search_filters_sorts_and_pages(table, app):
    res = table()
    url = "/api/3/action/datastore_search"
    body = app.get(url, query_string={"resource_id": res["id"], "filters": '{"kecamatan": "Cibodas"}',
                                       "sort": "jumlah desc", "limit": 5, "offset": 5}).json["result"]
    assert body["total"] == 52  # 50 generated rows and 2 of PENDUDUK
    assert [r["kecamatan"] for r in body["records"]] == ["Cibodas"] * 5
    jumlah = [r["jumlah"] for r in body["records"]]
    assert jumlah == sorted(jumlah, reverse=True) and jumlah[0] < 1196


def test_full_text_search_stems_indonesian(table, app):
    res = table(text="keterangan,nilai\nPembangunan jalan lingkungan,1\nPerbaikan sekolah,2\n")
    # the Indonesian stemmer: "membangun" and "pembangunan" share the stem "bangun"
    body = app.get("/api/3/action/datastore_search",
                   query_string={"resource_id": res["id"], "q": "bangun"}).json["result"]
    assert [r["keterangan"] for r in body["records"]] == ["Pembangunan jalan lingkungan"]


def test_sql_search_reads_and_refuses_writes(table, app):
    res = table()
    sql = f'SELECT kecamatan, sum(jumlah) AS total FROM "{res["id"]}" GROUP BY kecamatan ORDER BY kecamatan'
    # CKAN takes SQL by POST only
    body = app.post("/api/3/action/datastore_search_sql", json={"sql": sql}).json["result"]
    assert [r["kecamatan"] for r in body["records"]] == ["Cibodas", "Ciledug", "Karawaci", "Pinang"]
    for bad in (f'INSERT INTO "{res["id"]}" (tahun) VALUES (1)',
                f'DROP TABLE "{res["id"]}"',
                f'SELECT 1 FROM "{res["id"]}"; DELETE FROM "{res["id"]}"',
                f'UPDATE "{res["id"]}" SET tahun = 0'):
        reply = app.post("/api/3/action/datastore_search_sql", json={"sql": bad}, expect_errors=True)
        assert reply.status_code in (400, 403, 409), bad
        assert reply.json["success"] is False, bad
    assert helpers.call_action("datastore_search", resource_id=res["id"], limit=0)["total"] == 204


def test_the_read_only_role_cannot_write_or_reach_other_databases(table, ckan_config):
    res = table()
    read_url = sa.engine.make_url(ckan_config["ckan.datastore.read_url"])
    args = dict(host=read_url.host, port=read_url.port, user=read_url.username, password=read_url.password)
    with psycopg2.connect(dbname=read_url.database, **args) as conn, conn.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{res["id"]}"')
        assert cur.fetchone()[0] == 204
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(f'DELETE FROM "{res["id"]}"')
    conn.close()
    main_db = sa.engine.make_url(ckan_config["sqlalchemy.url"]).database
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        psycopg2.connect(dbname=main_db, **args)


def test_a_private_datasets_table_is_not_readable_anonymously(table, app, opd):
    res = table(private=True)
    reply = app.get("/api/3/action/datastore_search", query_string={"resource_id": res["id"]}, status=403)
    assert reply.json["success"] is False
    reply = app.post("/api/3/action/datastore_search_sql",
                     json={"sql": f'SELECT * FROM "{res["id"]}"'}, status=403)
    assert reply.json["success"] is False
    # its OPD reads it with its API token
    reply = app.get("/api/3/action/datastore_search", query_string={"resource_id": res["id"]},
                    headers={"Authorization": opd["token"]})
    assert reply.json["result"]["total"] == 204


@pytest.mark.ckan_config("ckanext.tangerang.satudata.tables.sql_timeout", "200")
def test_a_long_sql_query_is_stopped(table):
    res = table()
    sql = (f'SELECT count(*) FROM "{res["id"]}" a, "{res["id"]}" b, "{res["id"]}" c, '
           f'generate_series(1, 100) g')
    with pytest.raises(tk.ValidationError) as error:
        helpers.call_action("datastore_search_sql", sql=sql)
    assert "too long" in str(error.value.error_dict)
