"""Who is calling: staff access tokens from the OpenID provider, or machines' API keys.

``Authorization: Bearer <credential>``: a credential of three dot-separated parts is an access
token, verified by ``shared.tokens`` (signature against the issuer's JWKS, iss, aud, exp, nbf);
anything else is an API key, stored in configuration as the SHA-256 of its secret with an id,
a name, roles, sites and an expiry. Two keys may share a name with different ids (a key and its
successor, both valid until each expires), so a machine's key rotates without downtime.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time as dt_time, timezone

from shared.clock import utcnow
from shared.config import is_production, setting
from shared.enums import ROLES
from shared.errors import ActionForbidden, RecordNotFound
from shared.problems import Forbidden, Unauthorized
from shared.tokens import TokenVerifier, looks_like_jwt

ALL_SITES = "*"
ACTOR_MAX = 120  # audit_log.actor
REASON_MAX = 500  # audit_log.reason: an X-Access-Reason longer than this is refused


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is asking, its roles and the sites it may see.

    ``name`` is what the audit log records: for a person signed in with the OpenID provider
    ``"<display name> <subject>"`` (e.g. ``"Riley Clinician <riverside-clinician>"``), for an API
    key the key's name (never the secret). ``subject`` is the token's ``sub`` (for a key, its
    id), ``display_name`` the person's name, ``issuer`` the token's issuer (None for a key).
    """

    name: str
    roles: frozenset[str]
    sites: frozenset[str] | None  # None: every site
    remote_addr: str | None = None
    subject: str | None = None
    display_name: str | None = None
    issuer: str | None = None
    key_id: str | None = None
    access_reason: str | None = None  # X-Access-Reason: why, recorded in each audit entry

    def stating(self, reason: str | None) -> "Caller":
        """The same caller with the reason it gave for this request (break-the-glass)."""
        return replace(self, access_reason=reason)

    @classmethod
    def service(cls, service_name: str) -> "Caller":
        """A platform service acting on its own behalf (event handlers, RPC)."""
        return cls(name=f"service:{service_name}", roles=frozenset({"service"}), sites=None,
                   subject=f"service:{service_name}", display_name=service_name)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(roles))}.")

    def sees(self, site_id: str | None) -> bool:
        return self.sites is None or site_id in self.sites

    def require_site(self, site_id: str) -> None:
        """For writes naming a site: a site outside the key's reach is forbidden."""
        if not self.sees(site_id):
            raise ActionForbidden(f"This key may not act for site '{site_id}'.",
                                  errors={"site_id": ["Not one of this key's sites."]})

    def visible(self, site_id: str | None, what: str = "Resource"):
        """For reads: another site's record is indistinguishable from a missing one."""
        if not self.sees(site_id):
            raise RecordNotFound(f"{what} not found.")

    def site_filter(self, requested: str | None, all_sites) -> list[str]:
        """The sites a listing covers: the requested one if visible, else every visible one."""
        visible = [s for s in all_sites if self.sees(s)]
        if requested is None:
            return visible
        return [requested] if requested in visible else []


def parse_expiry(value) -> datetime | None:
    """An ISO 8601 date/time (naive means UTC), or a date: the key expires at the start of that
    day, UTC. None or empty: no expiry (development keys only)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, dt_time(0))
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"'{value}' is not an ISO 8601 date or date/time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    sha256: str
    roles: frozenset[str]
    sites: frozenset[str] | None
    expires: datetime | None
    development: bool = False

    @classmethod
    def from_config(cls, entry: dict) -> "ApiKey":
        sites = entry.get("sites") or []
        try:
            expires = parse_expiry(entry.get("expires"))
        except ValueError as exc:
            raise RuntimeError(f"API key '{entry.get('name')}': expires {exc}") from None
        return cls(id=str(entry.get("id") or entry["sha256"][:12]), name=entry["name"],
                   sha256=str(entry["sha256"]).lower(),
                   roles=frozenset(entry.get("roles") or []),
                   sites=None if ALL_SITES in sites else frozenset(sites),
                   expires=expires, development=bool(entry.get("development")))

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and now >= self.expires


def _actor(display_name: str, subject: str) -> str:
    actor = f"{display_name} <{subject}>" if display_name != subject else subject
    return actor if len(actor) <= ACTOR_MAX else actor[:ACTOR_MAX - 1] + "…"


class KeyRing:
    """API keys by the hash of their secret, and the verifier of access tokens."""

    def __init__(self, keys: list[dict], *, production: bool, tokens: TokenVerifier | None = None):
        self._by_hash: dict[str, ApiKey] = {}
        ids: set[str] = set()
        for entry in keys or []:
            key = ApiKey.from_config(entry)
            if production and key.development:
                raise RuntimeError(
                    f"API key '{key.name}' is a development key; refused with IOP_ENV=production.")
            if production and key.expires is None:
                raise RuntimeError(f"API key '{key.name}' ({key.id}) has no expiry; every key "
                                   "needs 'expires' with IOP_ENV=production.")
            if key.id in ids:
                raise RuntimeError(f"API key id '{key.id}' is listed twice; a successor key "
                                   "keeps the name and takes a new id.")
            if key.sha256 in self._by_hash:
                raise RuntimeError(f"API keys '{self._by_hash[key.sha256].id}' and '{key.id}' "
                                   "have the same secret.")
            ids.add(key.id)
            self._by_hash[key.sha256] = key
        self.tokens = tokens or TokenVerifier([])

    @classmethod
    def from_config(cls, config: dict) -> "KeyRing":
        ring = cls(setting(config, "API_KEYS"), production=is_production(config))
        ring.tokens = TokenVerifier.from_config(config)
        return ring

    def authenticate(self, authorization: str | None, remote_addr: str | None = None) -> Caller:
        scheme, _, secret = (authorization or "").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise Unauthorized("Send 'Authorization: Bearer <access token or API key>'.",
                               reason="missing")
        if looks_like_jwt(secret):
            return self._token_caller(secret, remote_addr)
        key = self._by_hash.get(hash_key(secret))
        if key is None:
            raise Unauthorized("Unknown API key.", reason="unknown_api_key")
        if key.expired(utcnow()):
            raise Unauthorized(f"This API key expired on {key.expires.isoformat()}; "
                               "ask for its successor.", key_id=key.id, reason="expired_api_key")
        return Caller(name=key.name, roles=key.roles, sites=key.sites, remote_addr=remote_addr,
                      subject=key.id, display_name=key.name, key_id=key.id)

    def _token_caller(self, token: str, remote_addr: str | None) -> Caller:
        identity = self.tokens.verify(token)
        sites = identity.sites or ()
        return Caller(name=_actor(identity.display_name, identity.subject),
                      roles=frozenset(r for r in identity.roles if r in ROLES),
                      sites=None if ALL_SITES in sites else frozenset(sites),
                      remote_addr=remote_addr, subject=identity.subject,
                      display_name=identity.display_name, issuer=identity.issuer)
