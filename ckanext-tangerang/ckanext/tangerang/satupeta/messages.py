"""Messages of the map services' protocols in both languages.

WMS/WFS clients (QGIS, ArcGIS, GDAL) and OGC API clients name no language of their own, and the
short ways before CKAN (ows.PublicOws, tiles.PublicTiles) have no session to read one from: an
error says what is wrong in Indonesian, then in English, from the portal's catalogue.
"""
from __future__ import annotations

import functools
import pathlib

from babel.support import Translations


def N_(message: str) -> str:
    """Marks a message for the catalogue (translated by `both`)."""
    return message


@functools.lru_cache(maxsize=1)
def _indonesian() -> Translations:
    return Translations.load(str(pathlib.Path(__file__).resolve().parents[1] / "i18n"), ["id"],
                             "ckanext-tangerang")


def both(message: str, **params: object) -> str:
    """`message` (a msgid with {named} fields) in Indonesian, then English."""
    english = message.format(**params)
    indonesian = _indonesian().gettext(message).format(**params)
    return english if indonesian == english else f"{indonesian} / {english}"
