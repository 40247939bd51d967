#!/usr/bin/env python
"""Check the Indonesian translations of upstream (CKAN core and extension)
strings kept in this folder against the installed upstream packages.

For each .po file in ``id/`` it re-reads the upstream msgids:

* ``ckan.po``             <- ckan/i18n/ckan.pot
* ``ckanext-dcat.po``     <- ckanext/dcat/i18n/ckanext-dcat.pot, plus the
                             msgids extracted from ckanext-dcat's code and
                             templates that this (stale) .pot lacks
* ``ckanext-scheming.po`` <- extracted from ckanext-scheming's templates,
                             python and javascript (it ships no .pot)
* ``ckanext-spatial.po``  <- extracted from ckanext-spatial's templates,
                             python and javascript (it ships no .pot)

and prints how many upstream msgids are missing from the .po file, how many
are present but untranslated (empty msgstr or fuzzy), and every entry whose
placeholders (``%(name)s``, ``%s``, ``%d``, ``{0}``, ``{name}``) differ
between msgid and msgstr.  Exits non-zero if anything is wrong.

Usage (inside the virtualenv where CKAN and the extensions are installed)::

    python check_upstream.py [--dump-extracted DIR]

``--dump-extracted DIR`` also writes the extracted scheming/spatial msgids as
.pot files into DIR (handy for updating the translations after an upgrade).
"""
import argparse
import collections
import os
import re
import sys

import polib

HERE = os.path.dirname(os.path.abspath(__file__))
PO_DIR = os.path.join(HERE, "id")

# %(name)s, %s, %d, %.2f ... (but not the escaped "%%")
PERCENT_RE = re.compile(
    r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]"
)
# {0}, {name}, {name.attr}, {0!r:>10} ... (but not "{{" / "}}")
BRACE_RE = re.compile(
    r"(?<!\{)\{((?:[A-Za-z_0-9][A-Za-z0-9_.\[\]]*)?(?:![rsa])?(?::[^{}\s]*)?)\}(?!\})"
)


def _module_dir(name):
    import importlib

    mod = importlib.import_module(name)
    return os.path.dirname(os.path.abspath(mod.__file__))


def _pot_entries(path):
    return [e for e in polib.pofile(path) if not e.obsolete and e.msgid]


# Same layout as the extensions' own ``message_extractors`` in setup.cfg /
# setup.py, plus exclusion of tests and vendored third-party javascript.
METHOD_MAP = [
    ("**/tests/**", "ignore"),
    ("**/vendor/**", "ignore"),
    ("**/validation/xml/**", "ignore"),
    # legacy CKAN 2.8 (fanstatic) templates, never loaded on CKAN 2.12
    ("**/2.8_templates/**", "ignore"),
    ("**.py", "python"),
    ("**.js", "javascript"),
    ("**/templates/**.html", "ckan"),
]
EXTRACTORS = {"ckan": "ckan.lib.extract:extract_ckan"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "ugettext": None,
    "ungettext": (1, 2),
    "N_": None,
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "translate": None,
    "isPlural": (1, 2),
}


def extract_entries(package_dir):
    """Extract msgids from an extension folder with babel, like
    ``python setup.py extract_messages`` would."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    method_map = [(pattern, EXTRACTORS.get(m, m)) for pattern, m in METHOD_MAP]
    # "ckanext/scheming" rather than an absolute site-packages path
    prefix = os.path.relpath(
        package_dir, os.path.dirname(os.path.dirname(package_dir))
    )
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        package_dir,
        method_map=method_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    entries = []
    for msg in catalog:
        if not msg.id:
            continue
        if isinstance(msg.id, (list, tuple)):
            msgid, msgid_plural = msg.id[0], msg.id[1]
        else:
            msgid, msgid_plural = msg.id, ""
        entry = polib.POEntry(
            msgid=msgid,
            msgid_plural=msgid_plural,
            msgctxt=msg.context,
            occurrences=[
                (os.path.join(prefix, f).replace(os.sep, "/"), str(l))
                for f, l in msg.locations
            ],
            comment="\n".join(msg.auto_comments),
            flags=sorted(msg.flags),
        )
        if msgid_plural:
            entry.msgstr_plural = {0: ""}
        entries.append(entry)
    return entries


def upstream_sources():
    """Return {po file name: list of upstream POEntry}."""
    ckan_dir = _module_dir("ckan")
    dcat_dir = _module_dir("ckanext.dcat")
    # ckanext-dcat ships a .pot, but it is stale (2015): its code and
    # templates use more msgids than it lists, so add the extracted ones.
    dcat = _pot_entries(os.path.join(dcat_dir, "i18n", "ckanext-dcat.pot"))
    seen = {_key(e) for e in dcat}
    dcat += [e for e in extract_entries(dcat_dir) if _key(e) not in seen]
    return {
        "ckan.po": _pot_entries(os.path.join(ckan_dir, "i18n", "ckan.pot")),
        "ckanext-dcat.po": dcat,
        "ckanext-scheming.po": extract_entries(_module_dir("ckanext.scheming")),
        "ckanext-spatial.po": extract_entries(_module_dir("ckanext.spatial")),
    }


def placeholders(text):
    found = PERCENT_RE.findall(text.replace("%%", ""))
    found += ["{%s}" % p for p in BRACE_RE.findall(text)]
    return collections.Counter(found)


def _key(entry):
    return (entry.msgctxt or None, entry.msgid)


def _translations(entry):
    if entry.msgid_plural:
        return [entry.msgstr_plural.get(k, "") for k in sorted(entry.msgstr_plural)] or [""]
    return [entry.msgstr]


def check_file(name, upstream):
    path = os.path.join(PO_DIR, name)
    if not os.path.exists(path):
        print("%s: MISSING FILE (%d upstream msgids)" % (name, len(upstream)))
        return 1
    po = polib.pofile(path)
    by_key = {_key(e): e for e in po if not e.obsolete}
    missing = []
    untranslated = []
    bad_placeholders = []
    for up in upstream:
        entry = by_key.get(_key(up))
        if entry is None:
            missing.append(up)
            continue
        if up.msgid_plural and entry.msgid_plural != up.msgid_plural:
            missing.append(up)
            continue
        strs = _translations(entry)
        if "fuzzy" in entry.flags or any(not s for s in strs):
            untranslated.append(entry)
            continue
        if up.msgid_plural:
            # nplurals=1: the single form must carry the placeholders of the
            # general (plural) form, e.g. "%(num)d" or "{number}".
            wanted = [placeholders(up.msgid_plural), placeholders(up.msgid)]
        else:
            wanted = [placeholders(up.msgid)]
        for s in strs:
            if placeholders(s) not in wanted:
                bad_placeholders.append((entry, s))
    print(
        "%-20s upstream=%4d  translated=%4d  missing=%d  untranslated=%d  "
        "placeholder-mismatch=%d"
        % (
            name,
            len(upstream),
            len(upstream) - len(missing) - len(untranslated),
            len(missing),
            len(untranslated),
            len(bad_placeholders),
        )
    )
    for e in missing:
        print("  missing:      %r" % e.msgid)
    for e in untranslated:
        print("  untranslated: %r" % e.msgid)
    for e, s in bad_placeholders:
        print(
            "  placeholders: %r %s != %r %s"
            % (
                e.msgid,
                sorted(placeholders(e.msgid_plural or e.msgid).elements()),
                s,
                sorted(placeholders(s).elements()),
            )
        )
    return len(missing) + len(untranslated) + len(bad_placeholders)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump-extracted", metavar="DIR")
    args = parser.parse_args(argv)
    sources = upstream_sources()
    if args.dump_extracted:
        os.makedirs(args.dump_extracted, exist_ok=True)
        for name in ("ckanext-scheming.po", "ckanext-spatial.po", "ckanext-dcat.po"):
            pot = polib.POFile()
            pot.metadata = {"Content-Type": "text/plain; charset=utf-8"}
            pot.extend(sources[name])
            pot.save(os.path.join(args.dump_extracted, name[:-3] + ".pot"))
    errors = 0
    for name, upstream in sources.items():
        errors += check_file(name, upstream)
    print("OK" if not errors else "FAILED: %d problem(s)" % errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
