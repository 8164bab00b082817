"""Signing in to the console through the real development provider; the session cookie, CSRF,
signing out, the security headers and the language switch. Over real HTTP, without JavaScript."""
import re

import pytest

from tests.support.console import ConsoleBrowser, ConsoleRun


@pytest.fixture(scope="module")
def console_run(tmp_path_factory):
    """Access tokens of 20 seconds here, so that every page renews its token."""
    run = ConsoleRun(tmp_path_factory.mktemp("console"), access_token_ttl_s=20)
    yield run
    run.stop()


def session_cookie(response):
    header = next(v for k, v in response.raw.headers.items() if k.lower() == "set-cookie"
                  and v.startswith("iop_console="))
    return header


def test_sign_in_with_pkce_lands_on_today_with_a_fresh_secure_session(running, console_run):
    browser = ConsoleBrowser(console_run.url)
    start = browser.get("/")
    assert start.status_code == 200 and 'href="/auth/login"' in start.text
    assert browser.get("/today", allow_redirects=False).headers["Location"].startswith("/auth/login?next=")

    to_provider = browser.get("/auth/login?next=/today", allow_redirects=False)
    assert to_provider.status_code == 302
    location = to_provider.headers["Location"]
    assert location.startswith(console_run.provider.issuer + "/auth?")
    for expected in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce=",
                     "client_id=iop-console", "response_type=code", "prompt=login"):
        assert expected in location, location
    cookie = session_cookie(to_provider)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # public_url is http here; https adds Secure
    anonymous = browser.cookies["iop_console"]

    today = browser.sign_in("riverside-coordinator")
    assert today.status_code == 200, today.text
    assert today.url.startswith(console_run.url + "/today")
    assert "<h1>Today at Riverside Clinic</h1>" in today.text
    assert "Casey Coordinator" in today.text
    signed_in = browser.cookies["iop_console"]
    assert signed_in != anonymous  # a new id once signed in: the anonymous one is worth nothing
    assert "eyJ" not in signed_in and len(signed_in) < 120  # no token in the cookie
    stale = ConsoleBrowser(console_run.url)
    stale.http.cookies.set("iop_console", anonymous)
    assert stale.get("/today", allow_redirects=False).status_code == 303


def test_every_page_carries_the_security_headers_and_the_assets_are_local(running, console_run):
    browser = console_run.browser("riverside-clinician")
    page = browser.get("/today")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "form-action 'self'" in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in page.text and "style=" not in page.text and "<style" not in page.text
    for href in re.findall(r'<link[^>]+href="([^"]+)"', page.text):
        assert href.startswith("/static/"), href
        asset = browser.get(href)
        assert asset.status_code == 200 and asset.headers["Content-Type"].startswith("text/css")
    # The page's frame: one h1, a main, a skip link to it, the language, the nav and sign-out.
    assert page.text.count("<h1") == 1 and '<main id="main"' in page.text
    assert '<a class="skip-link" href="#main">' in page.text and '<html lang="en">' in page.text
    for label in ("Today", "Refer", "Alerts", "Outcomes"):
        assert f">{label}</a>" in page.text
    assert '<button type="submit">Sign out</button>' in page.text
    echoed = browser.get("/alerts?done=%3Cscript%3Ealert(1)%3C/script%3E")
    assert echoed.status_code == 200 and "<script" not in echoed.text and 'role="status"' not in echoed.text
    missing = browser.get("/no/such/page")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    assert missing.headers["Content-Security-Policy"] == csp


def test_a_post_without_the_sessions_csrf_token_is_refused_and_changes_nothing(running, console_run):
    browser = console_run.browser("riverside-clinician")
    other = console_run.browser("riverside-coordinator")
    assert browser.post("/auth/logout", csrf=False).status_code == 403
    assert browser.post("/auth/logout", {"csrf_token": other.csrf_token()}, csrf=False).status_code == 403
    assert browser.get("/today").status_code == 200  # still signed in: nothing changed
    oversized = browser.post("/auth/logout", {"padding": "x" * 1_100_000})
    assert oversized.status_code == 413 and browser.get("/today").status_code == 200

    signed_out = browser.post("/auth/logout")
    assert signed_out.status_code == 200 and signed_out.url == console_run.url + "/"
    assert browser.get("/today", allow_redirects=False).status_code == 303
    assert other.get("/today").status_code == 200  # one person's sign-out ends only their session
    # The next person on this browser is asked for a password (prompt=login), not signed in as the last.
    again = browser.sign_in("riverside-coordinator")
    assert "Casey Coordinator" in again.text and "Riley Clinician" not in again.text


def test_a_callback_that_does_not_match_the_sign_in_it_started_is_refused(running, console_run):
    browser = ConsoleBrowser(console_run.url)
    browser.get("/auth/login", allow_redirects=False)
    forged = browser.get("/auth/callback?code=made-up&state=not-the-one")
    assert forged.status_code == 400 and "did not complete" in forged.text
    assert browser.get("/today", allow_redirects=False).status_code == 303
    assert ConsoleBrowser(console_run.url).get("/auth/callback?code=x&state=y").status_code == 400
    # Only a path of the console after signing in, never another host.
    assert browser.get("/auth/login?next=//evil.example/", allow_redirects=False).status_code == 302
    assert browser.sign_in("riverside-clinician").url.startswith(console_run.url + "/today")


def test_the_language_switch_then_the_browser_choose_spanish(running, console_run):
    browser = console_run.browser("riverside-clinician")
    spanish = browser.get("/today?lang=es")
    assert '<html lang="es">' in spanish.text and "Cerrar sesión" in spanish.text
    assert "<h1>Hoy en Riverside Clinic</h1>" in spanish.text
    assert '<html lang="es">' in browser.get("/today").text  # kept in the lang cookie
    assert '<html lang="en">' in browser.get("/today?lang=en").text
    # The switch keeps the page and its query: the same day, the other language.
    assert 'href="/today?site=riverside&amp;date=2026-01-05&amp;lang=es"' in browser.get(
        "/today?site=riverside&date=2026-01-05").text

    fresh = ConsoleBrowser(console_run.url)
    assert '<html lang="es">' in fresh.get("/", headers={"Accept-Language": "es-MX,en;q=0.5"}).text
    assert '<html lang="en">' in fresh.get("/", headers={"Accept-Language": "de"}).text


def test_an_access_token_about_to_end_is_renewed_with_the_refresh_token(running, console_run):
    """This module's provider issues 20-second access tokens (the console renews one that ends
    within 30 s): every page renews it at the token endpoint, and the person stays signed in."""
    browser = console_run.browser("riverside-clinician")
    before = console_run.provider.requests_to("/token")
    for _ in range(2):
        page = browser.get("/today", allow_redirects=False)
        assert page.status_code == 200 and "Riley Clinician" in page.text
    assert console_run.provider.requests_to("/token") == before + 2


def test_a_restart_of_the_console_signs_everyone_out(running, console_run):
    browser = console_run.browser("riverside-clinician")
    assert browser.get("/today").status_code == 200
    console_run.restart()
    assert browser.get("/today", allow_redirects=False).status_code == 303  # sessions were in memory
    assert browser.sign_in("riverside-clinician").status_code == 200
