"""A full reindex of the catalogue in bulk (``ckan tangerang search-index rebuild``).

CKAN's ``search-index rebuild`` indexes one dataset at a time: a ``package_show`` (about ten
queries), two validations and one Solr request each, 19 minutes for 100,000 datasets. This path
builds the very same Solr documents from CKAN's own functions and hooks, but reads each batch of
datasets with one query per table, sends each batch to Solr in one request, commits once at the
end and spreads the batches over processes. ``tests/satudata/test_search_index.py`` proves the
documents equal CKAN's, field by field. Incremental indexing on edit stays CKAN's own.

The steps mirror CKAN 2.12's, each named after the CKAN function whose output it reproduces:
``dictize`` = ``model_dictize.package_dictize``, ``show_dicts`` =
``logic.package_show_default_and_custom_schemas``, ``solr_document`` =
``PackageSearchIndex.index_package`` up to its Solr request.
"""
from __future__ import annotations

import collections
import copy
import hashlib
import json
import logging
import multiprocessing
import os
from typing import Any, Callable, Iterable, Iterator, Optional

import sqlalchemy as sa
from dateutil.parser import ParserError, parse

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.dictization import table_dictize
from ckan.lib.dictization.model_dictize import (group_list_dictize, package_dictize,
                                                resource_list_dictize)
from ckan.lib.navl.dictization_functions import MissingNullEncoder
from ckan.lib.search.common import make_connection
from ckan.lib.search.index import (KEY_CHARS, PACKAGE_TYPE, RESERVED_FIELDS, TYPE_FIELD,
                                   escape_xml_illegal_chars)
from ckan.logic import apply_after_dataset_show_plugins
from ckan.logic.schema import default_show_package_schema

log = logging.getLogger(__name__)

BATCH = 250  # datasets per read and per Solr request: ~2 MB of XML, well under Solr's limits
_RESOURCE_FIELDS = (("name", "res_name"), ("description", "res_description"),
                    ("format", "res_format"), ("url", "res_url"), ("resource_type", "res_type"))


class Batch:
    """What one batch of datasets needs from the database, read with one query per table.
    Groups, organizations and vocabularies repeat across datasets: dictized once per process."""

    _groups: dict[tuple[str, str], dict[str, Any]] = {}
    _orgs: dict[str, Optional[dict[str, Any]]] = {}
    _vocabularies: dict[str, str] = {}

    def __init__(self, ids: list[str]):
        session = model.Session
        self.packages = session.query(model.Package).filter(model.Package.id.in_(ids)).all()
        res, tag, pkg_tag = model.resource_table, model.tag_table, model.package_tag_table
        member, group, rel = model.member_table, model.group_table, model.package_relationship_table

        self.resources: dict[str, list] = collections.defaultdict(list)
        for row in session.execute(sa.select(res).where(res.c["package_id"].in_(ids))):
            self.resources[row.package_id].append(row)

        self.tags: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        q = sa.select(tag, pkg_tag.c["state"], pkg_tag.c["package_id"].label("_package_id")).join(
            pkg_tag, tag.c["id"] == pkg_tag.c["tag_id"]).where(pkg_tag.c["package_id"].in_(ids))
        for row in session.execute(q):
            tag_dict = table_dictize(row, {})
            self.tags[tag_dict.pop("_package_id")].append(tag_dict)

        self.groups: dict[str, list] = collections.defaultdict(list)
        q = sa.select(group, member.c["capacity"], member.c["table_id"].label("_package_id")).join(
            member, group.c["id"] == member.c["group_id"]).where(
            member.c["table_id"].in_(ids), member.c["state"] == "active",
            group.c["is_organization"] == sa.false())
        for row in session.execute(q):
            self.groups[row._package_id].append((row.id, row.capacity))
            if (row.id, row.capacity) not in Batch._groups:
                # CKAN's own dictization of the row package_dictize selects (group and capacity)
                plain = sa.select(group, sa.literal(row.capacity).label("capacity")).where(
                    group.c["id"] == row.id)
                Batch._groups[(row.id, row.capacity)] = group_list_dictize(
                    session.execute(plain), {"with_capacity": False}, with_package_counts=False)[0]

        # relationships are rare: a dataset with any is dictized by CKAN itself
        self.related = {r[0] for r in session.execute(
            sa.select(rel.c["subject_package_id"]).where(rel.c["subject_package_id"].in_(ids)).union(
                sa.select(rel.c["object_package_id"]).where(rel.c["object_package_id"].in_(ids))))}

        missing = {pkg.owner_org for pkg in self.packages} - set(Batch._orgs) - {None}
        if missing:
            found = {row.id: row for row in session.execute(sa.select(group).where(
                group.c["id"].in_(missing), group.c["state"] == "active"))}
            for org_id in missing:
                row = found.get(org_id)
                org = table_dictize(row, {}) if row is not None else None
                if org is not None:
                    del org["extras"]
                Batch._orgs[org_id] = org

    @classmethod
    def vocabulary_name(cls, vocabulary_id: str) -> str:
        if vocabulary_id not in cls._vocabularies:
            cls._vocabularies[vocabulary_id] = tk.get_action("vocabulary_show")(
                {}, {"id": vocabulary_id})["name"]
        return cls._vocabularies[vocabulary_id]

    def dictize(self, pkg: model.Package, context: dict[str, Any]) -> dict[str, Any]:
        """What ``package_dictize(pkg, context)`` returns, from the batch's rows."""
        if pkg.id in self.related:
            return package_dictize(pkg, context)
        result = table_dictize(pkg, context)
        if result.get("title"):
            result["title"] = result["title"].strip()
        result.pop("plugin_data", None)
        result["resources"] = resource_list_dictize(self.resources.get(pkg.id, []), context)
        result["num_resources"] = len(result["resources"])
        tags = sorted((t for t in self.tags.get(pkg.id, []) if t["state"] == "active"),
                      key=lambda t: t["name"])
        for t in tags:
            t["display_name"] = t["name"]
        result["tags"] = tags
        result["num_tags"] = len(tags)
        result["extras"] = [{"key": k, "value": v} for k, v in (result["extras"] or {}).items()]
        context["with_capacity"] = False
        result["groups"] = sorted((copy.deepcopy(Batch._groups[key]) for key in self.groups.get(pkg.id, [])),
                                  key=lambda g: tk.h.strxfrm(g["display_name"]))
        org = Batch._orgs.get(pkg.owner_org) if pkg.owner_org else None
        result["organization"] = dict(org) if org else None
        result["relationships_as_subject"] = []
        result["relationships_as_object"] = []
        result["isopen"] = pkg.isopen()
        result["type"] = pkg.type or "dataset"
        if pkg.license and pkg.license.url:
            result["license_url"] = pkg.license.url
            result["license_title"] = pkg.license.title.split("::")[-1]
        elif pkg.license:
            result["license_title"] = pkg.license.title
        else:
            result["license_title"] = pkg.license_id
        result["metadata_modified"] = pkg.metadata_modified.isoformat()
        result["metadata_created"] = pkg.metadata_created.isoformat() if pkg.metadata_created else None
        return result


def _without_name_check(schema: dict[str, Any]) -> dict[str, Any]:
    """The show schema without the name's uniqueness check: a query per dataset that can only
    find the dataset itself (names are unique in the table), so it never adds an error, and the
    indexer keeps no error anyway."""
    unique = tk.get_validator("package_name_validator")
    return {**schema, "name": [v for v in schema["name"] if v is not unique]}


def show_dicts(pkg: model.Package, pkg_dict: dict[str, Any], context: dict[str, Any]
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two dicts ``package_show_default_and_custom_schemas`` gives the indexer: the rest of
    ``package_show`` (read and resource hooks), then both show schemas and the show hooks."""
    for item in p.PluginImplementations(p.IPackageController):
        item.read(pkg)
    for item in p.PluginImplementations(p.IResourceController):
        for resource_dict in pkg_dict["resources"]:
            item.before_resource_show(resource_dict)
    # both schemas built afresh and compared as CKAN does (some validators are made per call)
    default_schema = default_show_package_schema()
    with_default, _errors = lib_plugins.plugin_validate(
        object(), context, pkg_dict, _without_name_check(default_schema), "package_show")
    package_plugin = lib_plugins.lookup_package_plugin(pkg_dict["type"])
    custom_schema = package_plugin.show_package_schema()
    if custom_schema == default_schema:
        with_custom = with_default
    else:
        with_custom, _errors = lib_plugins.plugin_validate(
            package_plugin, context, pkg_dict, custom_schema, "package_show")
    apply_after_dataset_show_plugins(context, with_custom)
    return with_default, with_custom


def solr_document(pkg: model.Package, with_default: dict[str, Any], with_custom: dict[str, Any],
                  site_id: str) -> Optional[dict[str, Any]]:
    """The document ``PackageSearchIndex.index_package`` sends to Solr (None: it would delete)."""
    doc = dict(with_default)
    doc["data_dict"] = json.dumps(with_default)
    doc["validated_data_dict"] = json.dumps(with_custom, cls=MissingNullEncoder)
    if doc.get("title"):
        doc["title_string"] = doc["title"]
    if tk.config.get("ckan.search.remove_deleted_packages") and doc.get("state") in (None, "deleted"):
        return None

    reserved = set(RESERVED_FIELDS) | set(doc)
    for extra in doc.pop("extras", None) or []:
        value = extra["value"]
        if isinstance(value, (tuple, list)):
            value = " ".join(map(str, value))
        key = "".join(c for c in extra["key"] if c in KEY_CHARS)
        doc["extras_" + key] = value
        if key not in reserved:
            doc[key] = value

    plain_tags = []
    for tag in doc.pop("tags", None) or []:
        if tag.get("vocabulary_id"):
            doc.setdefault("vocab_" + Batch.vocabulary_name(tag["vocabulary_id"]), []).append(tag["name"])
        else:
            plain_tags.append(tag["name"])
    doc["tags"] = plain_tags
    doc["capacity"] = "private" if doc["private"] else "public"
    doc["groups"] = [g["name"] for g in doc.pop("groups", None) or []]
    doc["organization"] = doc["organization"]["name"] if doc.get("organization") else None

    columns = _RESOURCE_FIELDS + tuple((e, "res_extras_" + e) for e in model.Resource.get_extra_columns())
    for resource in doc.get("resources", []):
        for source, target in columns:
            doc[target] = doc.get(target, []) + [resource.get(source, "")]
    doc.pop("resources", None)

    relations: dict[str, list[str]] = collections.defaultdict(list)
    for rel in doc.pop("relationships_as_object", None) or []:
        other = model.Package.get(rel["subject_package_id"])
        relations[model.PackageRelationship.forward_to_reverse_type(rel["type"])].append(other.name)
    for rel in doc.pop("relationships_as_subject", None) or []:
        relations[rel["type"]].append(model.Package.get(rel["object_package_id"]).name)
    for key, names in relations.items():
        doc.setdefault(key, names)

    doc[TYPE_FIELD] = PACKAGE_TYPE
    doc["dataset_type"] = doc["type"]
    doc = {key: value for key, value in ((k, _solr_date(doc["id"], k, v)) for k, v in doc.items())
           if value is not _DROP}
    for key in ("title", "notes", "title_string"):
        if doc.get(key):
            doc[key] = escape_xml_illegal_chars(doc[key])
    doc["metadata_created"] += "Z"
    doc["metadata_modified"] += "Z"
    doc["site_id"] = site_id
    if doc.get("title"):
        doc["title"] = doc["title"].lstrip()  # Solr sorts " " before "a"
    doc["index_id"] = hashlib.md5(f"{doc['id']}{site_id}".encode()).hexdigest()
    for item in p.PluginImplementations(p.IPackageController):
        doc = item.before_dataset_index(doc)
    assert doc, "Plugin must return non empty package dict on index"
    doc["permission_labels"] = lib_plugins.get_permission_labels().get_dataset_labels(pkg)
    return doc


_DROP = object()


def _solr_date(dataset_id: str, key: str, value: Any) -> Any:
    """Fields named *_date as Solr takes them (ISO, UTC); an empty or unreadable one is left out."""
    if not key.endswith("_date"):
        return value
    if not value:
        return _DROP
    try:
        date = parse(value)
    except ParserError:
        log.warning("%r: %r value of %r is not a valid date", dataset_id, key, value)
        return _DROP
    return date.isoformat() + ("" if date.tzinfo else "Z")


# Sent once per batch, before its datasets are shown: a subsystem whose after_dataset_show reads
# something per dataset reads it for the whole batch into ``prefetched`` (under a key of its
# own), which each dataset's context carries as ``tangerang_prefetched``.
bulk_show = tk.signals.ckanext.signal("tangerang_datasets_bulk_show")


def documents(ids: list[str]) -> Iterator[tuple[str, Optional[dict[str, Any]]]]:
    """(id, Solr document or None) for each dataset of ``ids`` that exists."""
    batch = Batch(ids)
    site_id = tk.config["ckan.site_id"]
    prefetched: dict[str, Any] = {}
    bulk_show.send(__name__, package_ids=ids, prefetched=prefetched,
                   resource_ids=[r.id for rows in batch.resources.values() for r in rows])
    for pkg in batch.packages:
        context = {"ignore_auth": True, "use_cache": False, "validate": False,
                   "session": model.Session, "package": pkg, "tangerang_prefetched": prefetched}
        pkg_dict = batch.dictize(pkg, context)
        with_default, with_custom = show_dicts(pkg, pkg_dict, context)
        yield pkg.id, solr_document(pkg, with_default, with_custom, site_id)


def index_batch(ids: list[str]) -> int:
    """Indexes one batch in one Solr request (no commit); returns how many were sent."""
    docs, gone = [], []
    for package_id, doc in documents(ids):
        if doc is None:
            gone.append(package_id)
        else:
            docs.append(doc)
    conn = make_connection()
    if docs:
        conn.add(docs=docs, commit=False)
    for package_id in gone:
        conn.delete(q=f'+{TYPE_FIELD}:{PACKAGE_TYPE} AND +id:"{package_id}" '
                      f'AND +site_id:"{tk.config["ckan.site_id"]}"', commit=False)
    model.Session.remove()
    return len(ids)


def dataset_ids() -> list[str]:
    """The datasets CKAN's rebuild indexes: all, or all but the deleted ones (its default)."""
    q = model.Session.query(model.Package.id)
    if tk.config.get("ckan.search.remove_deleted_packages"):
        q = q.filter(model.Package.state != "deleted")
    return [r[0] for r in q.order_by(model.Package.id)]


def _chunks(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _worker_start() -> None:
    # a forked process must not share the parent's database connections
    model.Session.remove()
    model.meta.engine.dispose(close=False)
    for engine in _other_engines():
        engine.dispose(close=False)


def _other_engines() -> Iterable[sa.engine.Engine]:
    # engines the plugins opened (the Satu Peta store): found by reference, not by import
    import gc
    return [o for o in gc.get_objects() if isinstance(o, sa.engine.Engine) and o is not model.meta.engine]


def rebuild(processes: int = 0, batch: int = BATCH,
            progress: Optional[Callable[[int], None]] = None) -> dict[str, int]:
    """Reindexes every dataset, then removes from the index what is no longer in the database
    (for this site), and commits once. ``processes`` 0 means one per CPU."""
    # groups, organizations and vocabularies are read afresh by each rebuild (a long-lived
    # process must not index a renamed organization under its old name)
    for cache in (Batch._groups, Batch._orgs, Batch._vocabularies):
        cache.clear()
    ids = dataset_ids()
    chunks = _chunks(ids, batch)
    processes = processes or os.cpu_count() or 1
    done = 0
    if processes == 1 or len(chunks) < 2:
        for chunk in chunks:
            done += index_batch(chunk)
            if progress:
                progress(len(chunk))
    else:
        model.Session.remove()
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(processes, len(chunks)), initializer=_worker_start) as pool:
            for n in pool.imap_unordered(index_batch, chunks):
                done += n
                if progress:
                    progress(n)
    removed = remove_orphans(set(ids))
    make_connection().commit(waitSearcher=False)
    return {"indexed": done, "removed": removed}


def remove_orphans(kept: set[str]) -> int:
    """Deletes this site's documents whose dataset is not among ``kept`` (as CKAN's
    ``search-index rebuild`` does unless --keep-orphans)."""
    conn = make_connection()
    site_id = tk.config["ckan.site_id"]
    stale, cursor = [], "*"
    while True:
        found = conn.search(q="*:*", fq=[f'+site_id:"{site_id}"', f"+{TYPE_FIELD}:{PACKAGE_TYPE}"],
                            fl="id", sort="index_id asc", rows=10000, cursorMark=cursor)
        stale += [d["id"] for d in found.docs if d["id"] not in kept]
        if found.nextCursorMark == cursor:
            break
        cursor = found.nextCursorMark
    for chunk in _chunks(stale, 500):
        conn.delete(q=f'+site_id:"{site_id}" AND +id:({" OR ".join(json.dumps(i) for i in chunk)})',
                    commit=False)
    return len(stale)
