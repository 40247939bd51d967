from __future__ import annotations

import inspect

import ckan.plugins as p
import ckan.plugins.toolkit as tk


def _public_functions(module) -> dict:
    return {name: value for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__
            and not name.startswith("_")}


def _actions() -> dict:
    from ckanext.tangerang.ppid.logic import action
    return dict(action.ACTIONS)


def _auth_functions() -> dict:
    from ckanext.tangerang.ppid.logic import auth, personal, subject
    return {**_public_functions(auth), **personal.AUTH_FUNCTIONS, **subject.AUTH_FUNCTIONS}


@tk.blanket.config_declarations
@tk.blanket.actions(_actions)
@tk.blanket.auth_functions(_auth_functions)
@tk.blanket.helpers
@tk.blanket.blueprints
class PpidPlugin(p.SingletonPlugin):
    """PPID: requests for public information (UU KIP 14/2008), the Daftar Informasi Publik,
    the public register, statistics and the annual report."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    # IConfigurable
    def configure(self, config):
        # CKAN's mailer logs each recipient's address: masked (UU PDP, docs/security.md)
        from ckanext.tangerang.ppid import logfilter
        logfilter.install()
