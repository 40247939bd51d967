from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.tangerang import city
from ckanext.tangerang.a11y.logic import schema


def _officer_email() -> str:
    return (tk.config.get("ckanext.tangerang.a11y.officer_email")
            or (city.current().meta.get("contact") or {}).get("email", ""))


def tangerang_a11y_barrier_report(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Send a barrier report from the accessibility statement to the accessibility officer.

    :param page_url: where the barrier is (a URL or a page name)
    :param description: what went wrong
    :param assistive_tech: the assistive technology used (optional)
    :param name: the reporter's name (optional)
    :param email: where the officer can answer (optional)
    """
    tk.check_access("tangerang_a11y_barrier_report", context, data_dict)
    data, errors = tk.navl_validate(data_dict, schema.barrier_report_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    officer = _officer_email()
    if not officer:
        raise tk.ValidationError({"email": [tk._("No accessibility officer is configured.")]})
    portal = city.current().meta["portal_title"]
    body = "\n".join([
        tk._("A barrier was reported on {portal}.").format(portal=portal),
        "",
        "{}: {}".format(tk._("Page"), data["page_url"]),
        "{}: {}".format(tk._("Assistive technology"), data.get("assistive_tech") or "-"),
        "{}: {}".format(tk._("Name"), data.get("name") or "-"),
        "{}: {}".format(tk._("E-mail"), data.get("email") or "-"),
        "",
        data["description"],
    ])
    headers = {"Reply-To": data["email"]} if data.get("email") else None
    tk.mail_recipient(tk._("Accessibility officer"), officer,
                      tk._("Accessibility barrier report: {page}").format(page=data["page_url"][:80]),
                      body, headers=headers)
    return {"sent": True}
