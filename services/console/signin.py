"""Staff sign-in with the OpenID provider: authorization code with PKCE (S256), as a public client.

``start`` puts a fresh state, nonce and code verifier on the (not yet signed-in) session and
answers the provider's authorization URL; ``finish`` checks the callback's state and issuer,
exchanges the code with the verifier, and verifies the ID token (signature against the provider's
JWKS, iss, aud = the console's client id, exp, nonce). The access token is then verified as every
service verifies it (shared.tokens), which gives the person's name, roles and sites.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import urllib.parse

import jwt
import requests

from shared.tokens import IssuerConfig, TokenVerifier, issuer_keys


class SignInFailed(Exception):
    """The callback does not complete a sign-in this console started (or the provider refused)."""


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class SignIn:
    def __init__(self, config: dict, redirect_uri: str):
        console = config["CONSOLE"]
        self.client_id = console["client_id"]
        # prompt "login": the provider asks for the password every time, so signing out of the
        # console on a shared tablet leaves the next person signed out; "consent" (with the scope
        # offline_access) is how the development provider issues a refresh token.
        self.scope = str(console.get("scope") or "openid profile")
        self.prompt = str(console.get("prompt") or "login")
        self.redirect_uri = redirect_uri
        self.timeout = float(console.get("upstream_timeout_s", 10))
        identity = config.get("IDENTITY") or {}
        issuers = identity.get("issuers") or []
        if not issuers:
            raise RuntimeError("The console needs an OpenID provider: IDENTITY.issuers is empty.")
        self.issuer = IssuerConfig.from_dict(issuers[0],
                                             development=bool(identity.get("development")))
        self.verifier = TokenVerifier.from_config(config)

    def start(self, pending: dict, return_to: str) -> str:
        state, nonce, verifier = (secrets.token_urlsafe(24), secrets.token_urlsafe(24),
                                  secrets.token_urlsafe(48))
        pending.clear()
        pending.update(state=state, nonce=nonce, verifier=verifier, return_to=return_to)
        endpoint = issuer_keys(self.issuer).discovery()["authorization_endpoint"]
        query = urllib.parse.urlencode({
            "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "response_type": "code", "scope": self.scope, "state": state, "nonce": nonce,
            "prompt": self.prompt,
            "code_challenge": _challenge(verifier), "code_challenge_method": "S256"})
        return f"{endpoint}?{query}"

    def finish(self, pending: dict, args) -> dict:
        """The tokens and the signed-in person: {access_token, id_token, expires_at, user}."""
        state = pending.get("state")
        if not state or not hmac.compare_digest(args.get("state", ""), state):
            raise SignInFailed("state")
        if args.get("error"):
            raise SignInFailed(args.get("error"))
        # RFC 9207: the provider names itself, so a code from another provider is refused.
        if args.get("iss") and args["iss"].rstrip("/") != self.issuer.issuer:
            raise SignInFailed("iss")
        code = args.get("code")
        if not code:
            raise SignInFailed("code")
        discovery = issuer_keys(self.issuer).discovery()
        try:
            answer = requests.post(discovery["token_endpoint"], data={
                "grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri, "client_id": self.client_id,
                "code_verifier": pending["verifier"]}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SignInFailed(f"token endpoint: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise SignInFailed(f"token endpoint answered {answer.status_code}")
        tokens = answer.json()
        self._verify_id_token(tokens.get("id_token") or "", pending["nonce"])
        pending.clear()
        return self._signed_in(tokens)

    def refresh(self, refresh_token: str, subject: str) -> dict:
        """New tokens for the same person (the refresh token grant), or SignInFailed."""
        discovery = issuer_keys(self.issuer).discovery()
        try:
            answer = requests.post(discovery["token_endpoint"], data={
                "grant_type": "refresh_token", "refresh_token": refresh_token,
                "client_id": self.client_id}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SignInFailed(f"token endpoint: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise SignInFailed(f"token endpoint answered {answer.status_code}")
        signed_in = self._signed_in(answer.json(), refresh_token)
        if signed_in["user"]["subject"] != subject:
            raise SignInFailed("another subject")
        return signed_in

    def _signed_in(self, tokens: dict, previous_refresh: str | None = None) -> dict:
        identity = self.verifier.verify(tokens["access_token"])
        expires_in = float(tokens.get("expires_in") or 300)
        return {"access_token": tokens["access_token"],
                "id_token": tokens.get("id_token"),
                "refresh_token": tokens.get("refresh_token") or previous_refresh,
                "expires_at": time.time() + expires_in,
                "user": {"subject": identity.subject, "name": identity.display_name,
                         "roles": list(identity.roles), "sites": list(identity.sites or ())}}

    def _verify_id_token(self, id_token: str, nonce: str) -> dict:
        try:
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in self.issuer.algorithms:
                raise SignInFailed("id_token alg")
            key = issuer_keys(self.issuer).signing_key(header.get("kid"))
            claims = jwt.decode(id_token, key=key.key, algorithms=[header["alg"]],
                                audience=self.client_id, issuer=self.issuer.issuer,
                                leeway=self.issuer.leeway_s,
                                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"id_token: {exc}") from None
        if not hmac.compare_digest(str(claims.get("nonce")), nonce):
            raise SignInFailed("nonce")
        return claims
