"""Fixtures of the journeys: the PPID tests' people and SMTP inbox (reused from tests/ppid,
not copied), who sign in with a password through the login form, one browser each."""
from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

PPID_TESTS = pathlib.Path(__file__).resolve().parents[1] / "ppid"
if str(PPID_TESTS) not in sys.path:
    sys.path.insert(0, str(PPID_TESTS))  # ppid_testlib, as tests/ppid/conftest.py imports it

_spec = importlib.util.spec_from_file_location("ppid_conftest_for_journeys",
                                               PPID_TESTS / "conftest.py")
_ppid = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ppid)

# the same fixtures as tests/ppid uses: plugins loaded, a real SMTP server, the officers
_ppid_plugins = _ppid._ppid_plugins
smtp = _ppid.smtp
people = _ppid.people

PASSWORD = "Kata-sandi-petugas-2026!"
I18N = pathlib.Path(__file__).resolve().parents[2] / "ckanext-tangerang" / "ckanext" / \
    "tangerang" / "i18n" / "own" / "id"


@pytest.fixture(scope="session")
def id_text():
    """id_text(msgid) is what an Indonesian page shows for it; id_text.problems(page) lists
    English left on the page and raw codes shown as text."""
    from browse import Catalogue
    return Catalogue(I18N / "ppid.po", I18N / "shared.po",
                     compiled=I18N.parents[1] / "id" / "LC_MESSAGES" / "ckanext-tangerang.mo")


@pytest.fixture
def passwords(people):
    """The people's password, as their own (factories give random ones): they sign in
    through /user/login like anyone else."""
    from ckan import model
    for name in ("utama", "dinkes_officer", "dindik_officer", "sekda", "citizen"):
        model.User.get(name).password = PASSWORD
    model.Session.commit()
    return PASSWORD


@pytest.fixture
def person(app, passwords, id_text):
    """person("Siti") is someone with a browser of their own; person("utama", sign_in=True)
    has signed in through the login form."""
    from browse import Person

    def make(who: str, sign_in: bool = False) -> Person:
        someone = Person(app, who)
        someone.check = id_text.problems
        if sign_in:
            someone.sign_in(who, passwords)
        return someone
    return make
