"""Server-side sessions: in the console's memory, keyed by a random id the browser holds in a cookie.

The cookie carries only ``<id>.<HMAC of the id>`` (signed with CONSOLE.session_secret, so a forged
id is refused without a look-up); the tokens stay here. A session unused for the idle time ends,
and signing in gives a fresh id (a session id known before sign-in is worth nothing after it).
Each session has its own CSRF token, which every form carries and every POST must return.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "iop_console"


@dataclass
class WebSession:
    id: str
    csrf: str
    last_seen: float
    # While signing in: what the callback must find again (OAuth 2.0 state, OIDC nonce, PKCE).
    pending: dict = field(default_factory=dict)
    # Once signed in.
    access_token: str | None = None
    id_token: str | None = None
    refresh_token: str | None = None
    expires_at: float = 0.0
    user: dict | None = None
    # One renewal at a time: the provider rotates refresh tokens, and a used one presented again
    # (two pages loading at once) would end the whole grant.
    refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def signed_in(self) -> bool:
        return self.user is not None and time.time() < self.expires_at

    def expiring(self, within_s: float = 30.0) -> bool:
        """Signed in, but the access token ends within ``within_s`` (time to refresh it)."""
        return self.user is not None and time.time() + within_s >= self.expires_at


class SessionStore:
    def __init__(self, secret: str, idle_s: float, clock=time.time):
        self._key = secret.encode()
        self.idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def new(self) -> WebSession:
        session = WebSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32),
                             last_seen=self._clock())
        with self._lock:
            self._expire()
            self._sessions[session.id] = session
        return session

    def find(self, cookie: str | None) -> WebSession | None:
        """The live session the cookie names (and it counts as used now), else None."""
        session_id, _, signature = (cookie or "").partition(".")
        if not session_id or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or now - session.last_seen > self.idle_s:
                self._sessions.pop(session_id, None)
                return None
            session.last_seen = now
            return session

    def renew(self, session: WebSession) -> WebSession:
        """The same session under a new id and CSRF token; the old id ends."""
        with self._lock:
            self._sessions.pop(session.id, None)
            session.id = secrets.token_urlsafe(32)
            session.csrf = secrets.token_urlsafe(32)
            session.last_seen = self._clock()
            self._sessions[session.id] = session
        return session

    def end(self, session: WebSession) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def cookie_value(self, session: WebSession) -> str:
        return f"{session.id}.{self._sign(session.id)}"

    def __len__(self) -> int:
        return len(self._sessions)

    def _sign(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()

    def _expire(self) -> None:
        cutoff = self._clock() - self.idle_s
        for session_id in [k for k, s in self._sessions.items() if s.last_seen < cutoff]:
            del self._sessions[session_id]


def csrf_ok(session: WebSession | None, submitted: str | None) -> bool:
    return bool(session and submitted) and hmac.compare_digest(session.csrf, submitted)
