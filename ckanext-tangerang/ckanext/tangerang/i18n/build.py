"""The catalogue's tools: ``python -m ckanext.tangerang.i18n.build COMMAND``.

- ``update``: extract every msgid of each subsystem (python and templates) into own/<locale>/<part>.po,
  keeping the translations already there, dropping msgids no longer used.
- ``check``: exit 1 when a msgid is untranslated or fuzzy, or its placeholders differ.
- ``compile`` (default): merge own/ over upstream/ into <locale>/LC_MESSAGES/ckanext-tangerang.mo
  (and the same as .po, which CKAN's JavaScript catalogue is built from).
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from . import DIRECTORY, DOMAIN

PACKAGE = DIRECTORY.parent
# each part of the catalogue and the folders its msgids come from
PARTS = {
    "shared": ["city", "i18n"],
    "satudata": ["satudata"],
    "satupeta": ["satupeta"],
    "ppid": ["ppid"],
    "a11y": ["a11y"],
    "security": ["security"],
}
METHODS = [
    ("**/templates/**.html", "ckan"),
    ("**/templates/**.txt", "ckan"),
    ("**.py", "python"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "ungettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\([a-zA-Z_]\w*\)[sdif]|%[sdif]|\{[a-zA-Z_0-9]*\}")
TRANSLATED_LOCALES = ("id",)


def _read(path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f)


def _write(path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True)


def extract(part: str) -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="ckanext-tangerang")
    for folder in PARTS[part]:
        root = PACKAGE / folder
        if not root.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(root), METHODS, keywords=KEYWORDS, strip_comment_tags=True
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def update(locales: Iterable[str]) -> None:
    for locale in locales:
        for part in PARTS:
            template = extract(part)
            path = DIRECTORY / "own" / locale / f"{part}.po"
            catalog = _read(path) if path.exists() else Catalog(locale=locale, domain=DOMAIN)
            if not path.exists():
                catalog.mime_headers = [("Plural-Forms", "nplurals=1; plural=0;")]
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            _write(path, catalog)
            todo = sum(1 for m in catalog if m.id and not _done(m))
            print(f"{locale}/{part}.po: {len(catalog)} messages, {todo} to translate")


def _done(msg) -> bool:
    strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
    return bool(strings and all(strings)) and not msg.fuzzy


def _ids(msg) -> tuple:
    return msg.id if isinstance(msg.id, tuple) else (msg.id,)


def problems(locale: str) -> list[str]:
    found = []
    for part in PARTS:
        path = DIRECTORY / "own" / locale / f"{part}.po"
        template = extract(part)
        catalog = _read(path) if path.exists() else Catalog(locale=locale)
        for msg in template:
            if not msg.id:
                continue
            have = catalog.get(msg.id, msg.context)
            if have is None or not _done(have):
                found.append(f"{path.name}: untranslated: {_ids(msg)[0]!r}")
                continue
            wanted = sorted(PLACEHOLDER.findall(_ids(msg)[0]))
            strings = have.string if isinstance(have.string, tuple) else (have.string,)
            for s in strings:
                if sorted(PLACEHOLDER.findall(s)) != wanted:
                    found.append(f"{path.name}: placeholders differ: {_ids(msg)[0]!r} -> {s!r}")
    return found


def compile_locale(locale: str) -> tuple[int, int]:
    """Returns (own, upstream) counts of translated messages written."""
    merged = Catalog(locale=locale, domain=DOMAIN)
    upstream = 0
    for po in sorted((DIRECTORY / "upstream" / locale).glob("*.po")):
        catalog = _read(po)
        # Indonesian has one plural form; babel's default for `id` would pick the English plural
        merged.mime_headers = [("Plural-Forms", catalog.plural_forms)]
        for msg in catalog:
            if msg.id and _done(msg):
                merged[msg.id] = msg
                upstream += 1
    own = 0
    for po in sorted((DIRECTORY / "own" / locale).glob("*.po")):
        for msg in _read(po):
            if msg.id and _done(msg):
                # ours win over upstream: babel's Catalog keeps the first translation of an id it
                # already holds (adding merges locations only), so the upstream one goes first
                if merged.get(msg.id, msg.context) is not None:
                    merged.delete(msg.id, msg.context)
                merged[msg.id] = msg
                own += 1
    out = DIRECTORY / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        write_mo(f, merged, use_fuzzy=False)
    # CKAN builds its JavaScript catalogue (/api/i18n/<locale>: "Show more", the image upload
    # widget, the slug editor) from the plugins' .po beside their .mo, not from the .mo
    _write(out.with_suffix(".po"), merged)
    return own, upstream


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "update":
        update(TRANSLATED_LOCALES)
    elif command == "check":
        found = [p for locale in TRANSLATED_LOCALES for p in problems(locale)]
        print("\n".join(found) or "catalogue complete")
        return 1 if found else 0
    elif command == "compile":
        for locale in TRANSLATED_LOCALES:
            own, upstream = compile_locale(locale)
            print(f"{locale}: {own} own and {upstream} upstream messages compiled")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
