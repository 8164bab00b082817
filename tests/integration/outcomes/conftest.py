import pytest


@pytest.fixture
def outcomes(platform):
    """The outcomes service, in-process on the test's vhost and a fresh migrated database."""
    return platform.start("outcomes")
