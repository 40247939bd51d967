from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
class PpidPlugin(p.SingletonPlugin):
    """PPID: requests for public information (UU KIP 14/2008), the Daftar Informasi Publik,
    the public register, statistics and the annual report."""

    p.implements(p.IConfigurer)

    # IConfigurer
    def update_config(self, config):
        tk.add_template_directory(config, "templates")
