"""The translation catalogue (gettext domain ``ckanext-tangerang``).

- ``id/LC_MESSAGES/ckanext-tangerang.po``: our own strings (msgids in English).
- ``upstream/id/*.po``: Indonesian for CKAN core's and the extensions' strings that their own
  catalogues lack. CKAN merges plugin catalogues over its own, so these fill the gaps.

``python -m ckanext.tangerang.i18n.build`` merges both into the compiled .mo.
"""
import pathlib

DIRECTORY = pathlib.Path(__file__).parent
DOMAIN = "ckanext-tangerang"
LOCALES = ("id", "en")
