"""WSGI entry point for gunicorn: ``gunicorn ckanext.tangerang.wsgi:application``.

CKAN's wheel ships no wsgi module; this one reads the ini named by CKAN_INI.
"""
import configparser
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app
from ckan.lib.i18n import build_js_translations

_ini = os.environ.get("CKAN_INI", "/etc/ckan/ckan.ini")
_parser = configparser.ConfigParser()
_parser.read(_ini)
# an ini that builds on another (`use = config:...`) may carry no logging sections of its own
if _parser.has_section("loggers"):
    fileConfig(_ini, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(_ini).get_config())
# as `ckan run` does: the JavaScript modules' strings (/api/i18n/<locale>) are served from files
# built from the catalogues; without them CKAN's widgets speak English on Indonesian pages
build_js_translations()
