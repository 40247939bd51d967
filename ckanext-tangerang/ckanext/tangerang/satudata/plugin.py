from __future__ import annotations

import json
import pathlib
from collections import OrderedDict
from typing import Any

import yaml

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultPermissionLabels

from ckanext.tangerang import i18n
from ckanext.tangerang.satudata.logic import resilience, topics
from ckanext.tangerang.satudata import codelists, helpers
from ckanext.tangerang.satudata.logic.auth import is_walidata

HERE = pathlib.Path(__file__).parent
WALIDATA_LABEL = "walidata"
# completeness buckets for the facet (lower bound, value)
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

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")

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
