"""WSGI entry point for gunicorn: ``gunicorn ckanext.tangerang.wsgi:application``.

CKAN's wheel ships no wsgi module; this one reads the ini named by CKAN_INI.
"""
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

_ini = os.environ.get("CKAN_INI", "/etc/ckan/ckan.ini")
fileConfig(_ini, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(_ini).get_config())
