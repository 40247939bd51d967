"""PPID fixtures: the officers of three OPDs, an Atasan PPID, and a real SMTP server."""
from __future__ import annotations

import email
import email.policy
import socket
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from ckan.tests import factories

from ppid_testlib import appoint



@pytest.fixture(autouse=True)
def _ppid_plugins(request):
    """Load the plugins only for tests that touch CKAN (the pure-logic ones need none)."""
    if "people" in request.fixturenames or "app" in request.fixturenames:
        request.getfixturevalue("with_plugins")
    yield


@pytest.fixture(autouse=True)
def _received_the_day_it_arrives(request):
    """These tests file requests at whatever hour the suite runs and expect them received that
    day: the service-hours rule (on by default) is off for them. Tests marked
    ``service_hours`` keep the shipped setting (tests/ppid/test_ppid_calendar_notify.py)."""
    if request.node.get_closest_marker("service_hours") is None and (
            {"people", "app", "ckan_config"} & set(request.fixturenames)):
        request.getfixturevalue("ckan_config")[
            "ckanext.tangerang.ppid.outside_hours_next_working_day"] = False
    yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(SimpleNamespace(
            to=envelope.rcpt_tos, subject=str(message["Subject"]),
            body=message.get_body(("plain",)).get_content()))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m.to]


@pytest.fixture
def smtp(ckan_config):
    """A real SMTP server on loopback (aiosmtpd); CKAN's mailer sends to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    ckan_config["smtp.server"] = f"127.0.0.1:{controller.port}"
    ckan_config["smtp.mail_from"] = "ppid@tangerangkota.go.id"
    yield inbox
    controller.stop()


@pytest.fixture
def people(clean_db, ckan_config, smtp):
    """PPID Utama, Pelaksana of Dinkes and of Dindik and an Atasan, all appointed (PPID roles
    are never implied by editing an OPD's datasets, though these officers also do)."""
    users = {name: factories.User(name=name, email=f"{name}@tangerangkota.go.id")
             for name in ("utama", "dinkes_officer", "dindik_officer", "sekda", "citizen")}
    factories.Organization(name="diskominfo", users=[{"name": "utama", "capacity": "admin"}])
    factories.Organization(name="dinkes", users=[{"name": "dinkes_officer", "capacity": "editor"}])
    factories.Organization(name="dindik", users=[{"name": "dindik_officer", "capacity": "editor"}])
    appoint("utama", "utama")
    appoint("dinkes_officer", "pelaksana", "dinkes")
    appoint("dindik_officer", "pelaksana", "dindik")
    appoint("sekda", "atasan")
    return SimpleNamespace(**users, smtp=smtp)


@pytest.fixture
def act(app):
    """Actions called beside the test client run in their own request context (a shared one
    would keep the first request's user for every later request)."""
    from ppid_testlib import act as call_action

    def call(*args, **kwargs):
        with app.flask_app.test_request_context():
            return call_action(*args, **kwargs)
    return call


@pytest.fixture
def tokens(people):
    """An API token of each of the people, as request headers."""
    return {name: {"Authorization": factories.APIToken(user=name)["token"]}
            for name in ("utama", "dinkes_officer", "dindik_officer", "sekda", "citizen")}
