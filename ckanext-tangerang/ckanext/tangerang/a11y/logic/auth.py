from __future__ import annotations

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def tangerang_a11y_barrier_report(context, data_dict):
    # anyone may report a barrier: many who meet one cannot log in because of it
    return {"success": True}
