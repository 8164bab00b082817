"""The platform as separate processes on the test's vhost, with email going to a loopback SMTP server."""
import pytest

from demo.platform import SERVICES, Platform
from demo.sinks import Mailbox, live_channels_env
from tests.e2e.program import BEFORE_START


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def running_platform(amqp_uri, database_factory, mailbox, tmp_path):
    """The four services, prepared and started as `make run` does; scheduling on a clock before the program."""
    databases = ({name: database_factory.create(name) for name in SERVICES}
                 if database_factory.postgres_url else None)
    platform = Platform(amqp_uri, tmp_path / "data", databases, env=live_channels_env(mailbox))
    try:
        platform.prepare()
        platform.start(clock=BEFORE_START)
        yield platform
    finally:
        platform.stop()
