"""Headless Chromium (Debian's, through Playwright) for the console's browser tests."""
import pytest

from tests.support.browser import Chromium


@pytest.fixture(scope="session")
def chromium():
    browser = Chromium()
    yield browser
    browser.stop()


@pytest.fixture
def browser_context(chromium):
    yield chromium.context()
    chromium.close_contexts()
