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


def test_our_translation_of_a_core_message_wins_over_upstreams():
    """Where we translate a message CKAN's catalogue also has (e.g. "Email", which the portal
    calls "Surel"), the page shows ours."""
    from babel.messages.pofile import read_po

    ours, theirs, twice = {}, {}, {}
    for path in sorted((DIRECTORY / "own" / "id").glob("*.po")):
        with open(path, "rb") as f:
            for m in read_po(f):
                if m.id and m.string and not m.fuzzy:
                    if m.id in ours and ours[m.id] != m.string:
                        twice[m.id] = (ours[m.id], m.string)
                    ours[m.id] = m.string
    # one message, one wording, whichever subsystem shows it
    assert twice == {}
    for path in (DIRECTORY / "upstream" / "id").glob("*.po"):
        with open(path, "rb") as f:
            theirs.update({m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy})
    differing = {k: v for k, v in ours.items() if k in theirs and theirs[k] != v and isinstance(k, str)}
    assert "Email" in differing
    build.compile_locale("id")
    t = Translations.load(str(DIRECTORY), ["id"], DOMAIN)
    assert {k: t.gettext(k) for k in differing} == differing
