"""Datasets are saved even while Solr is down.

CKAN 2.12's package_create and package_update index the dataset *before* committing, so a Solr
outage aborts the write and the publisher loses their work. When indexing fails because Solr
cannot be reached, these wrappers commit the write CKAN has already validated and flushed, and
log which dataset waits for the index. Once Solr is back, ``ckan search-index rebuild -o`` indexes
the new datasets and ``ckan search-index rebuild <id>`` a changed one. An index error while Solr
*is* reachable (a document Solr rejects) still aborts the write, as in CKAN.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib import search

log = logging.getLogger(__name__)

Action = Callable[..., Any]


def _save_without_index(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
    try:
        return up_func(context, data_dict)
    except search.SearchIndexError as error:
        if context.get("defer_commit") or search.is_available():
            raise
        # the session holds the whole validated, flushed write: only the index step is missing
        model = context["model"]
        package_id = model.Package.get(data_dict.get("id") or data_dict.get("name")).id
        model.repo.commit()
        log.warning("dataset %s saved but not indexed, Solr is unreachable (%s): when it is back "
                    "run `ckan search-index rebuild -o` (new datasets) or "
                    "`ckan search-index rebuild %s`", package_id, error, package_id)
        if context.get("return_id_only"):
            return package_id
        return tk.get_action("package_show")(
            {"user": context.get("user"), "ignore_auth": True}, {"id": package_id})


def resilient(inner: Action) -> Action:
    """Wraps the plugin's own chained ``inner`` action: writes survive a Solr outage."""
    @functools.wraps(inner)
    def action(up_func: Action, context: dict[str, Any], data_dict: dict[str, Any]):
        return _save_without_index(functools.partial(inner, up_func), context, data_dict)

    return tk.chained_action(action)


def actions() -> dict[str, Action]:
    """The plugin's actions (logic/action.py), package_create and package_update made resilient:
    one plugin registers one function per action name, so the two wrappers compose."""
    from ckanext.tangerang.satudata.logic import action

    members = {name: getattr(action, name) for name in action.__all__}
    for name in ("package_create", "package_update"):
        members[name] = resilient(members[name])
    return members
