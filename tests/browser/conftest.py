"""The whole platform, the development provider, the console and a headless Chromium over them.

Once per module: the four services as processes (as `make run` starts them) on a vhost of their
own, email to a loopback SMTP server, the provider with a seed copy that accepts the console's
port, the console, and the riverside clinic set up through the APIs (tests/browser/clinic.py).
Each test gets fresh browser contexts (a person each); every page is signed in through the
provider's real form.
"""
from __future__ import annotations

import re

import pytest

from demo.platform import SERVICES
from demo.sinks import live_channels_env
from tests.browser.clinic import open_clinic
from tests.support.browser import DESKTOP, Chromium
from tests.support.console import PASSWORD, ConsoleRun, console_platform
from tests.support.events import EventSubscriber
from tests.support.mailbox_process import MailboxProcess

EVENTS = [("scheduling", "SessionAttended"), ("scheduling", "SessionMissed"),
          ("scheduling", "GroupNoteSigned"), ("outcomes", "RiskFlagRaised"),
          ("notifications", "CareTeamAlerted"), ("intake", "PatientEnrolled")]


@pytest.fixture(scope="module")
def chromium():
    browser = Chromium()
    yield browser
    browser.stop()


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory):
    box = MailboxProcess(tmp_path_factory.mktemp("mailbox")).start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def console_run(tmp_path_factory):
    run = ConsoleRun(tmp_path_factory.mktemp("console"))
    yield run
    run.stop()


@pytest.fixture(scope="module")
def running(console_run, mailbox, broker, database_factory, tmp_path_factory):
    """The four services trusting the provider, with live email, and the console over them
    (on PostgreSQL under ``make test-postgres``, as the end-to-end tests)."""
    databases = ({name: database_factory.create(name) for name in SERVICES}
                 if database_factory.postgres_url else None)
    with console_platform(console_run, broker, tmp_path_factory.mktemp("data"), databases,
                          env=live_channels_env(mailbox)) as platform:
        yield platform


@pytest.fixture(scope="module")
def events(running):
    """A plain kombu subscriber bound before the clinic is set up, as an integrator's would be."""
    subscriber = EventSubscriber(running.env["AMQP_URI"], EVENTS)
    yield subscriber
    subscriber.close()


@pytest.fixture(scope="module")
def clinic(running, events):
    return open_clinic(running)


@pytest.fixture
def people(chromium, console_run):
    """``people("riverside-facilitator")``: a page signed in as that person, in a context of its own."""
    def sign_in(username: str, viewport=DESKTOP, password: str = PASSWORD, javascript=True):
        page = chromium.context(viewport=viewport, javascript=javascript).new_page()
        sign_in_page(page, console_run.url, username, password)
        return page

    yield sign_in
    chromium.close_contexts()


def sign_in_page(page, console_url: str, username: str, password: str = PASSWORD):
    """Through the console's sign-in link and the provider's real login form, back to Today."""
    page.goto(console_url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(console_url) + r"/today"))
    return page
