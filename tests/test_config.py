"""The tests run the portal as shipped: config/test.ini may differ from config/ckan.ini only in
where the services are (databases, Solr core, Redis, storage, address) and where mail goes."""
from __future__ import annotations

import configparser
import pathlib

CONFIG = pathlib.Path(__file__).resolve().parents[1] / "config"
# the only options test.ini may set
SERVICE_OPTIONS = {
    "use", "testing",
    "ckan.site_url", "sqlalchemy.url", "solr_url", "ckan.redis.url", "ckan.storage_path",
    "ckanext.tangerang.satupeta.sqlalchemy.url",
    "ckan.datastore.write_url", "ckan.datastore.read_url",
    "smtp.server", "ckan.activity_streams_email_notifications",
}


def _app_main(name: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(CONFIG / name)
    return dict(parser["app:main"])


def test_test_ini_changes_only_where_the_services_are():
    tests = _app_main("test.ini")
    assert tests["use"] == "config:ckan.ini"
    extra = sorted(set(tests) - SERVICE_OPTIONS - {"debug"})
    assert not extra, f"config/test.ini sets options that make the tests differ from the shipped portal: {extra}"


def test_every_service_address_of_test_ini_differs_from_the_portal():
    shipped, tests = _app_main("ckan.ini"), _app_main("test.ini")
    for key in ("sqlalchemy.url", "solr_url", "ckan.redis.url", "ckan.storage_path",
                "ckanext.tangerang.satupeta.sqlalchemy.url", "ckan.datastore.write_url",
                "ckan.datastore.read_url"):
        assert tests[key] != shipped[key], f"{key}: a test run would touch the demo portal's data"
