from __future__ import annotations

import logging

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.tangerang.a11y import errors

log = logging.getLogger(__name__)


@tk.blanket.config_declarations
@tk.blanket.helpers
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.blueprints
class A11yPlugin(p.SingletonPlugin):
    """The accessible theme of the portal (WCAG 2.2 AA) and the reader's display preferences.

    Listed first in ``ckan.plugins`` so its templates (page.html, header.html, footer.html,
    form macros) override CKAN's for every page, the other subsystems' pages included.
    """

    p.implements(p.IConfigurer)
    p.implements(p.IMiddleware, inherit=True)

    # IMiddleware: called once CKAN has registered its error handler, so the theme's replace it
    def make_middleware(self, app, config):
        flask_app = errors.flask_app(app)
        if flask_app is None:
            log.warning("Themed error pages off: no Flask app found in %r", app)
        else:
            errors.register(flask_app)
        return app

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        tk.add_resource("assets", "tangerang_a11y")

