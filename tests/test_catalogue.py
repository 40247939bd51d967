"""Bahasa Indonesia is complete: our own catalogue and the upstream gaps we fill."""
import subprocess
import sys

from babel.support import Translations

from ckanext.tangerang.i18n import DIRECTORY, DOMAIN, build


def test_every_msgid_of_ours_has_an_indonesian_translation():
    assert build.problems("id") == []


def test_upstream_translations_cover_ckan_and_extensions():
    proc = subprocess.run([sys.executable, str(DIRECTORY / "upstream" / "check_upstream.py")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compiled_catalogue_answers_in_indonesian_with_one_plural_form():
    build.compile_locale("id")
    t = Translations.load(str(DIRECTORY), ["id"], DOMAIN)
    assert t.gettext("Datasets") == "Dataset"
    # Indonesian has no plural: the count goes with the same word
    assert t.ngettext("{num} Dataset", "{num} Datasets", 5) == t.ngettext(
        "{num} Dataset", "{num} Datasets", 1)
