import pytest


@pytest.fixture
def intake(platform):
    """The intake service, in-process on the test's vhost and a fresh migrated database."""
    return platform.start("intake")
