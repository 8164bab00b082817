"""The development OpenID provider (identity/dev-provider.mjs) run with node for the tests, and
the ways a client gets its tokens: the authorization-code flow with PKCE, driven over HTTP as a
browser would, and the client-credentials grant."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
import requests

from demo.launch import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = ROOT / "config" / "identity" / "development.json"
CONSOLE = {"client_id": "iop-console", "redirect_uri": "http://127.0.0.1:8000/auth/callback"}


def seed() -> dict:
    return json.loads(SEED_PATH.read_text())


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    """The development provider, once per test session (import this fixture where it is used)."""
    dev = DevProvider(tmp_path_factory.mktemp("identity") / "provider.log")
    yield dev
    dev.stop()


class DevProvider:
    def __init__(self, log_path: Path, seed_path: Path | None = None):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "w")
        env = {**os.environ, "IOP_IDENTITY_PORT": str(self.port), "IOP_IDENTITY_ISSUER": self.issuer,
               "IOP_ENV": "development", "IOP_IDENTITY_SEED": str(seed_path or SEED_PATH)}
        self.process = subprocess.Popen(["node", str(ROOT / "identity" / "dev-provider.mjs")],
                                        env=env, stdout=self._log, stderr=subprocess.STDOUT)
        wait_until(self._ready, timeout=30, message=f"the provider did not start; see {log_path}")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the provider exited: {self.log_path.read_text()}")
        try:
            return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok
        except requests.ConnectionError:
            return False

    def identity_config(self, **issuer_overrides) -> dict:
        """The IDENTITY section a service needs to trust this provider."""
        return {"development": True, "issuers": [{
            "issuer": self.issuer, "audience": "iop", "algorithms": ["RS256", "ES256", "PS256"],
            "roles_claim": "roles", "sites_claim": "sites", "name_claim": "name",
            **issuer_overrides}]}

    def requests_to(self, path: str) -> int:
        """How many requests for ``path`` the provider has received (it logs each on arrival)."""
        self._log.flush()
        count = 0
        for line in self.log_path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            count += entry.get("path") == path
        return count

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()

    # -- tokens as the provider's clients get them ----------------------------------------------

    def staff_token(self, username: str, password: str = "dev-password") -> str:
        """An access token for a staff user through the authorization-code flow with PKCE."""
        browser = requests.Session()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        state = secrets.token_urlsafe(12)
        login_page = browser.get(f"{self.issuer}/auth", params={
            "client_id": CONSOLE["client_id"], "redirect_uri": CONSOLE["redirect_uri"],
            "response_type": "code", "scope": "openid profile", "state": state,
            "code_challenge": challenge.decode(), "code_challenge_method": "S256"}, timeout=10)
        assert login_page.status_code == 200, login_page.text
        action = re.search(r'<form method="post" action="([^"]+)"', login_page.text).group(1)
        response = browser.post(urllib.parse.urljoin(login_page.url, action),
                                data={"username": username, "password": password},
                                allow_redirects=False, timeout=10)
        # Follow the provider's own redirects until it sends the browser back to the console.
        for _ in range(10):
            assert response.status_code in (302, 303), (response.status_code, response.text)
            location = urllib.parse.urljoin(response.url, response.headers["Location"])
            if location.startswith(CONSOLE["redirect_uri"]):
                break
            response = browser.get(location, allow_redirects=False, timeout=10)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        assert query["state"] == [state] and query["iss"] == [self.issuer], query
        tokens = requests.post(f"{self.issuer}/token", data={
            "grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": CONSOLE["redirect_uri"], "client_id": CONSOLE["client_id"],
            "code_verifier": verifier}, timeout=10)
        assert tokens.status_code == 200, tokens.text
        return tokens.json()["access_token"]

    def client_credentials_token(self, client_id="iop-dev-integrator",
                                 secret="dev-integrator-secret") -> str:
        response = requests.post(f"{self.issuer}/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, secret), timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


def signed_token(provider: DevProvider, *, key=None, kid=None, algorithm="RS256", **claims) -> str:
    """A token signed as the provider signs them (its seed key) unless told otherwise: for the
    cases a real provider would not hand out (expired, another audience, …)."""
    jwk = seed()["signing_keys"][0]
    if key is None:
        key = jwt.PyJWK(jwk).key
    now = int(time.time())
    payload = {"iss": provider.issuer, "aud": "iop", "sub": "riverside-clinician",
               "name": "Riley Clinician", "roles": ["clinician"], "sites": ["riverside"],
               "iat": now, "exp": now + 600, **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=algorithm,
                      headers={"kid": kid or jwk["kid"], "typ": "at+jwt"})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
