"""Cross-cutting protection of the whole portal: CSRF on every form, HTTP security headers,
safe serving of user files, abuse limits, and the audit trail of administrative changes. Every
request passes through the app-wide hooks that `views.py` registers on its blueprint; each
concern lives in its own module."""
from __future__ import annotations

import pathlib

import yaml

import ckan.plugins as p
import ckan.plugins.toolkit as tk

HERE = pathlib.Path(__file__).parent


def _actions() -> dict:
    from ckanext.tangerang.security.logic import action
    return action.get_actions()


@tk.blanket.blueprints
@tk.blanket.helpers
@tk.blanket.actions(_actions)
@tk.blanket.auth_functions
class SecurityPlugin(p.SingletonPlugin):
    p.implements(p.IConfigDeclaration)
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)

    # IConfigurable: the audit trail's recorder listens on CKAN's sessions (web, API and CLI)
    def configure(self, config):
        from ckanext.tangerang.security import audit
        audit.install()

    # IConfigurer: pages of its own (the 429 page of limits.py, the audit trail and its admin tab)
    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    # IConfigDeclaration: one file per concern (csrf, headers, limits, ...)
    def declare_config_options(self, declaration, key):
        for path in sorted((HERE / "config_declaration").glob("*.yaml")):
            declaration.load_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
