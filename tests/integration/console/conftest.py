"""The platform as separate processes, the development provider, and the console over them."""
import pytest

from demo.platform import Platform
from tests.integration.console.clinic import open_clinic
from tests.support.console import ConsoleRun


@pytest.fixture(scope="module")
def console_run(tmp_path_factory):
    run = ConsoleRun(tmp_path_factory.mktemp("console"))
    yield run
    run.stop()


@pytest.fixture(scope="module")
def running(console_run, tmp_path_factory, broker):
    """The four services (trusting the provider) and the console, once per test module."""
    vhost = broker.create_vhost()
    platform = Platform(broker.uri(vhost), tmp_path_factory.mktemp("data"),
                        env=console_run.provider_env)
    try:
        platform.prepare()
        platform.start()
        console_run.start(platform)
        yield platform
    finally:
        platform.stop()
        broker.delete_vhost(vhost)


@pytest.fixture(scope="module")
def clinic(running):
    """Riverside two weeks into a CBT group (tests/integration/console/clinic.py)."""
    opened = open_clinic(running)
    yield opened
    opened["events"].close()
