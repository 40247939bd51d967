from __future__ import annotations

import json
import pathlib
from collections import OrderedDict
from typing import Any

import yaml

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultPermissionLabels
from ckanext.datastore.interfaces import IDataDictionaryForm

from ckanext.tangerang import i18n
from ckanext.tangerang.satudata.logic import resilience, topics
from ckanext.tangerang.satudata import codelists, helpers
from ckanext.tangerang.satudata.tables import chart
from ckanext.tangerang.satudata.logic.auth import is_walidata

HERE = pathlib.Path(__file__).parent
WALIDATA_LABEL = "walidata"
# completeness buckets for the facet (lower bound, value)
# set in the context by before_resource_update when the resource's table must be loaded again
TABLE_CHANGED = "tangerang_table_changed"
COMPLETENESS_BUCKETS = ((100, "100%"), (80, "80-99%"), (50, "50-79%"), (0, "0-49%"))


def _declare(declaration, key) -> None:
    # the package-wide options (city profile) and Satu Data's own
    for source in (HERE.parent / "config_declaration.yaml", HERE / "config_declaration.yaml"):
        declaration.load_dict(yaml.safe_load(source.read_text(encoding="utf-8")))


@tk.blanket.config_declarations(_declare)
@tk.blanket.helpers
@tk.blanket.actions(resilience.actions)
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.blueprints
class SatudataPlugin(p.SingletonPlugin, DefaultPermissionLabels):
    """The base plugin of Tangerang Satu Data: the other tangerang_* plugins build on it."""

    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IPermissionLabels)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IResourceView, inherit=True)
    p.implements(IDataDictionaryForm, inherit=True)

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    def update_config_schema(self, schema):
        # the feeds and the DCAT catalogue for the national portal cannot be built without the
        # site's title and description (dct:title, dct:description): the settings form refuses
        # to clear them instead of breaking both
        not_empty = tk.get_validator("not_empty")
        for key in ("ckan.site_title", "ckan.site_description"):
            schema[key] = [not_empty, *schema.get(key, [])]
        return schema

    # ITranslation: one catalogue for the whole package, with upstream gaps filled
    def i18n_directory(self) -> str:
        return str(i18n.DIRECTORY)

    def i18n_locales(self) -> list[str]:
        return list(i18n.LOCALES)

    def i18n_domain(self) -> str:
        return i18n.DOMAIN

    # IFacets: the Satu Data facets, in the order an officer looks for data
    def dataset_facets(self, facets_dict, package_type):
        facets = OrderedDict()
        facets["organization"] = tk._("Data producer (OPD)")
        facets["urusan"] = tk._("Topic (government affairs)")
        facets["frekuensi"] = tk._("Update frequency")
        facets["tahun"] = tk._("Year")
        facets["vocab_cakupan_wilayah"] = tk._("Regional coverage")
        facets["res_format"] = tk._("Format")
        facets["kelengkapan"] = tk._("Completeness")
        for key, title in facets_dict.items():
            if key not in facets and key not in ("license_id",):
                facets[key] = title
        return facets

    # IPackageController: facets of code lists show their labels in the page's language, not
    # the codes ("Tidak tentu", not "tidak-tentu")
    def after_dataset_search(self, search_results: dict[str, Any], search_params) -> dict[str, Any]:
        if not tk.request:  # a command or job: no page language
            return search_results
        lists = {"urusan": "urusan", "frekuensi": "frekuensi",
                 "vocab_cakupan_wilayah": codelists.WILAYAH}
        for facet, list_name in lists.items():
            for item in (search_results.get("search_facets") or {}).get(facet, {}).get("items", []):
                item["display_name"] = helpers.tangerang_code_label(list_name, item["name"])
        return search_results

    # IPackageController: the urusan decides the dataset's topic group
    def after_dataset_create(self, context, pkg_dict: dict[str, Any]) -> None:
        topics.set_urusan_group(pkg_dict["id"], pkg_dict.get("urusan"))

    def after_dataset_update(self, context, pkg_dict: dict[str, Any]) -> None:
        topics.set_urusan_group(pkg_dict["id"], pkg_dict.get("urusan"))

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        score = helpers.tangerang_completeness(pkg_dict)
        # zero-padded so the string field sorts: sort=completeness desc
        pkg_dict["completeness"] = f"{score:03d}"
        pkg_dict["kelengkapan"] = next(v for low, v in COMPLETENESS_BUCKETS if score >= low)
        regions = pkg_dict.get("cakupan_wilayah")
        if isinstance(regions, str):
            try:
                regions = json.loads(regions)
            except ValueError:
                regions = [regions]
        if regions:
            names = {c.value: c.label_id for c in codelists.codes(codelists.WILAYAH)}
            pkg_dict["vocab_cakupan_wilayah"] = [f"{code} {names.get(code, '')}".strip()
                                                 for code in regions]
        return pkg_dict

    # IResourceController: a new tabular file (or another sheet) is loaded into the DataStore
    def after_resource_create(self, context, resource):
        self._queue_table(resource)

    def before_resource_update(self, context, current, resource):
        context[TABLE_CHANGED] = bool(resource.get("upload")) or \
            resource.get("url") != current.get("url") or \
            (resource.get("sheet") or "") != (current.get("sheet") or "") or \
            (resource.get("standar_data") or "") != (current.get("standar_data") or "")

    def after_resource_update(self, context, resource):
        if context.pop(TABLE_CHANGED, False):
            self._queue_table(resource)

    def _queue_table(self, resource):
        if not tk.config.get("ckanext.tangerang.satudata.tables.auto_load"):
            return
        from ckanext.tangerang.satudata.tables import load

        if load.is_table(resource):
            from ckanext.tangerang.satudata.logic import action

            action.queue_table_load(resource, (resource.get("sheet") or "").strip() or None)

    # IResourceView: the accessible chart of a table (tables/chart.py, public/satudata/chart.js)
    def info(self):
        ignore_missing = tk.get_validator("ignore_missing")
        unicode_safe = tk.get_validator("unicode_safe")
        return {"name": "tangerang_chart", "title": tk._("Chart"), "icon": "chart-bar",
                "iframed": False, "always_available": False, "requires_datastore": True,
                "default_title": tk._("Chart"), "preview_enabled": False,
                "schema": {key: [ignore_missing, unicode_safe] for key in chart.SCHEMA_KEYS}}

    def can_view(self, data_dict):
        resource = data_dict["resource"]
        if not resource.get("datastore_active"):
            return False
        try:
            fields = tk.get_action("datastore_info")({"ignore_auth": True}, {"id": resource["id"]})["fields"]
        except (tk.ObjectNotFound, tk.ValidationError):
            return False
        return bool(chart.numeric_fields(fields))

    def setup_template_variables(self, context, data_dict):
        return helpers.tangerang_chart_view(data_dict["resource"], data_dict.get("resource_view") or {})

    def view_template(self, context, data_dict):
        return "satudata/chart_view.html"

    def form_template(self, context, data_dict):
        return "satudata/chart_form.html"

    # IDataDictionaryForm: the data dictionary in both languages, with units. The form stores
    # label_en, notes_en and unit in each column's info (templates/datastore/snippets); CKAN's
    # own view reads label_translated and notes_translated through h.get_translated
    def update_datastore_info_field(self, field, plugin_data):
        info = field.get("info")
        if isinstance(info, dict):
            for key in ("label", "notes"):
                if info.get(f"{key}_en"):
                    info[f"{key}_translated"] = {"id": info.get(key) or info[f"{key}_en"],
                                                 "en": info[f"{key}_en"]}
        return field

    # IPermissionLabels: the Walidata sees every OPD's drafts and restricted datasets
    def get_dataset_labels(self, dataset_obj) -> list[str]:
        labels = super().get_dataset_labels(dataset_obj)
        if "public" not in labels:
            labels.append(WALIDATA_LABEL)
        return labels

    def get_user_dataset_labels(self, user_obj) -> list[str]:
        labels = super().get_user_dataset_labels(user_obj)
        if user_obj and not user_obj.is_anonymous and is_walidata(user_obj.name):
            labels.append(WALIDATA_LABEL)
        return labels
