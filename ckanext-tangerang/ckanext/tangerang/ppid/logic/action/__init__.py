"""PPID actions, one module per concern around the workflow table (``ppid/workflow.py``):

- ``requests``: receipt, routing, completion, extension, the written decision (UU KIP Ps 22)
- ``objections``: keberatan (Ps 35-36) and sengketa (Ps 37)
- ``calendar``: holiday overrides, the recount of open deadlines, the daily reminders and lapses
- ``dip``: the Daftar Informasi Publik
- ``reports``: the public register, statistics, the annual report (Ps 12)
- ``retention``: the purge of personal data (UU PDP)
- ``appointments``: who is PPID Utama, Pelaksana, Atasan
- ``common``: what they share (dictionaries, the request's facts, events, the one commit)

and, in ``logic/personal.py`` and ``logic/subject.py``, the requester's personal data: the
logged "show", and their own requests for a copy or erasure.

Each step checks everything first and then writes in one transaction, so a refused step leaves
nothing behind; each state change adds an Event (who, when, from, to, note).
"""
from __future__ import annotations

import inspect

from ckanext.tangerang.ppid.logic import personal, subject
from ckanext.tangerang.ppid.logic.action import (
    appointments, calendar, dip, objections, reports, requests, retention,
)

MODULES = (requests, objections, calendar, dip, reports, retention, appointments)


def _actions_of(module) -> dict:
    return {name: fn for name, fn in vars(module).items()
            if name.startswith("ppid_") and inspect.isfunction(fn)
            and fn.__module__ == module.__name__}


# every PPID action, by name: what the plugin registers
ACTIONS = {name: fn for module in MODULES for name, fn in _actions_of(module).items()}
ACTIONS.update(personal.ACTIONS)
ACTIONS.update(subject.ACTIONS)
