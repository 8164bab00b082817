"""The platform as separate processes, the development provider, and the console over them."""
import pytest

from tests.integration.console.clinic import open_clinic
from tests.support.console import ConsoleRun, console_platform


@pytest.fixture(scope="module")
def console_run(tmp_path_factory):
    run = ConsoleRun(tmp_path_factory.mktemp("console"))
    yield run
    run.stop()


@pytest.fixture(scope="module")
def running(console_run, tmp_path_factory, broker):
    """The four services (trusting the provider) and the console, once per test module."""
    with console_platform(console_run, broker, tmp_path_factory.mktemp("data")) as platform:
        yield platform


@pytest.fixture(scope="module")
def clinic(running):
    """Riverside two weeks into a CBT group (tests/integration/console/clinic.py)."""
    opened = open_clinic(running)
    yield opened
    opened["events"].close()
