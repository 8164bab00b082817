"""The console's server-side sessions, their cookie and CSRF token, and its production guard."""
import pytest

from services.console.sessions import SessionStore, csrf_ok
from services.console.web import DEV_SECRET, session_secret


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_cookie_names_a_live_session_and_a_forged_or_idle_one_is_refused():
    clock = Clock()
    store = SessionStore("k" * 40, idle_s=60, clock=clock)
    session = store.new()
    cookie = store.cookie_value(session)
    assert store.find(cookie) is session
    assert store.find(session.id) is None  # unsigned
    assert store.find(session.id + ".0" * 32) is None
    assert store.find(SessionStore("other" * 8, 60).cookie_value(session)) is None  # another key
    clock.now += 59
    assert store.find(cookie) is session  # used: the idle time starts again
    clock.now += 61
    assert store.find(cookie) is None and len(store) == 0


def test_renewing_gives_a_new_id_and_csrf_token_and_ends_the_old_id():
    store = SessionStore("k" * 40, idle_s=60)
    session = store.new()
    old_cookie, old_csrf = store.cookie_value(session), session.csrf
    store.renew(session)
    assert store.find(old_cookie) is None
    assert store.find(store.cookie_value(session)) is session
    assert session.csrf != old_csrf
    assert csrf_ok(session, session.csrf) and not csrf_ok(session, old_csrf)
    assert not csrf_ok(session, None) and not csrf_ok(None, session.csrf)
    store.end(session)
    assert store.find(store.cookie_value(session)) is None


def test_production_refuses_the_development_or_a_short_session_secret():
    def config(env, secret):
        return {"IOP_ENV": env, "CONSOLE": {"session_secret": secret}}

    assert session_secret(config("development", DEV_SECRET)) == DEV_SECRET
    for secret in (DEV_SECRET, "short"):
        with pytest.raises(RuntimeError, match="session_secret"):
            session_secret(config("production", secret))
    assert session_secret(config("production", "p" * 40)) == "p" * 40


@pytest.mark.parametrize("public_url, secure", [("https://console.clinic.example", True),
                                                ("http://127.0.0.1:8000", False)])
def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(public_url, secure):
    from werkzeug.wrappers import Response

    from services.console.web import Console

    console = Console.__new__(Console)  # its cookie rules only, without a container
    console.sessions = SessionStore("k" * 40, idle_s=60)
    console.secure_cookies = public_url.startswith("https://")
    header = console.set_session_cookie(Response(), console.sessions.new()).headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert ("Secure" in header) is secure
