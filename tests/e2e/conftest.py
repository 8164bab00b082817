"""The platform as separate processes on the test's vhost, with email going to a loopback SMTP server."""
import pytest
from aiosmtpd.controller import Controller

from demo.platform import SERVICES, Platform
from tests.e2e.program import BEFORE_START
from tests.harness import free_port


class Mailbox:
    def __init__(self):
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def mailbox():
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def running_platform(amqp_uri, database_factory, mailbox, tmp_path):
    """The four services, prepared and started as `make run` does; scheduling on a clock before the program."""
    databases = ({name: database_factory.create(name) for name in SERVICES}
                 if database_factory.postgres_url else None)
    platform = Platform(amqp_uri, tmp_path / "data", databases, env={
        "NOTIFICATION_CHANNEL": "live", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
        "INBOX_MAX_ATTEMPTS": "5"})
    try:
        platform.prepare()
        platform.start(clock=BEFORE_START)
        yield platform
    finally:
        platform.stop()
