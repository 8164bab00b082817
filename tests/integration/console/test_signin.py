"""Signing in to the console through the real development provider, and its session cookie."""
from tests.support.console import ConsoleBrowser


def test_sign_in_lands_on_today_with_a_secure_session_cookie(running, console_run):
    browser = ConsoleBrowser(console_run.url)
    start = browser.get("/")
    assert start.status_code == 200 and 'href="/auth/login"' in start.text

    today = browser.sign_in("riverside-coordinator")
    assert today.status_code == 200, today.text
    assert today.url.startswith(console_run.url + "/today")
    assert "<h1>Today at Riverside Clinic</h1>" in today.text
    assert "Casey Coordinator" in today.text
