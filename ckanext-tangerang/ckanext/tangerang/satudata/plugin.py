from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.tangerang import i18n


@tk.blanket.config_declarations("../config_declaration.yaml")
@tk.blanket.helpers
@tk.blanket.actions
@tk.blanket.auth_functions
class SatudataPlugin(p.SingletonPlugin):
    """The base plugin of Tangerang Satu Data: the other tangerang_* plugins build on it."""

    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)

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
