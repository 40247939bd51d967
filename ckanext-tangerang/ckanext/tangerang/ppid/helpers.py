"""Template helpers of the PPID pages."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.tangerang.ppid import choices, lib


def ppid_labels(kind: str) -> dict[str, str]:
    """The labels of a closed list (states, outcomes, channels, ...) in the current language,
    translated once per page (a list of 50 requests asks for them 100 times)."""
    cache = tk.g.setdefault("ppid_labels", {})
    if kind not in cache:
        if kind == "channels":
            cache[kind] = choices.channels(lib.profile_settings(), tk.h.lang())
        else:
            cache[kind] = getattr(choices, kind)()
    return cache[kind]


def ppid_label(kind: str, value: Any) -> str:
    if value is None:
        return ""
    return ppid_labels(kind).get(value, value)


def _user():
    from ckan import model
    return model.User.get(tk.current_user.id) if tk.current_user.is_authenticated else None


def ppid_is_officer() -> bool:
    return lib.is_officer(_user())


def ppid_can_route() -> bool:
    return lib.is_utama(_user())


def ppid_can_appoint() -> bool:
    """Sysadmins and the PPID Utama manage the appointments of officers."""
    return lib.is_utama(_user())


def ppid_appointable_roles() -> dict[str, str]:
    """The roles the current user may appoint: all for a sysadmin, Pelaksana for the Utama."""
    user = _user()
    roles = choices.appointment_roles()
    if user is not None and user.sysadmin:
        return roles
    return {"pelaksana": roles["pelaksana"]}


def ppid_is_atasan() -> bool:
    return lib.is_atasan(_user())


def ppid_profile() -> dict[str, Any]:
    return lib.profile_settings()


def ppid_opds() -> dict[str, str]:
    from ckanext.tangerang import city
    return {o.name: o.title for o in city.current().opds}


def ppid_setting(name: str) -> Any:
    return lib.setting(name)


def ppid_deadlines() -> dict[str, int]:
    """The working-day limits in force, for pages that explain the procedure."""
    return lib.deadlines()


def ppid_date(value: str | None) -> str:
    """A date as people read it in the current language (e.g. 8 April 2026)."""
    if not value:
        return ""
    import datetime as dt
    from babel.dates import format_date
    day = dt.date.fromisoformat(value[:10])
    return format_date(day, format="long", locale=tk.h.lang() or "id")


def ppid_this_year() -> int:
    return lib.today().year


def ppid_bar(count: int, largest: int) -> int:
    """Width in percent of a bar in the statistics charts."""
    return round(100 * count / largest) if largest else 0


def ppid_month(month: int) -> str:
    from babel.dates import get_month_names
    return get_month_names("wide", locale=tk.h.lang() or "id")[month]
