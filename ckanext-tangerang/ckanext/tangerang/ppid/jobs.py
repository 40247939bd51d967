"""Background jobs (CKAN's RQ queue)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def remind() -> dict:
    """The daily reminder run as the site user."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return tk.get_action("ppid_remind")({"user": site_user["name"], "ignore_auth": True}, {})
