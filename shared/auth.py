"""Bearer API keys: stored as SHA-256 hashes in configuration, each with roles and sites."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared.config import setting
from shared.problems import Forbidden, NotFound, Unauthorized

ALL_SITES = "*"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """Who is asking: the key's name (never the secret), its roles and the sites it may see."""

    name: str
    roles: frozenset[str]
    sites: frozenset[str] | None  # None: every site
    remote_addr: str | None = None

    @classmethod
    def service(cls, service_name: str) -> "Caller":
        """A platform service acting on its own behalf (event handlers, RPC)."""
        return cls(name=f"service:{service_name}", roles=frozenset({"service"}), sites=None)

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
            raise Forbidden(f"This key may not act for site '{site_id}'.",
                            errors={"site_id": ["Not one of this key's sites."]})

    def visible(self, site_id: str | None, what: str = "Resource"):
        """For reads: another site's record is indistinguishable from a missing one."""
        if not self.sees(site_id):
            raise NotFound(f"{what} not found.")

    def site_filter(self, requested: str | None, all_sites) -> list[str]:
        """The sites a listing covers: the requested one if visible, else every visible one."""
        visible = [s for s in all_sites if self.sees(s)]
        if requested is None:
            return visible
        return [requested] if requested in visible else []


class KeyRing:
    def __init__(self, keys: list[dict], *, production: bool):
        self._by_hash: dict[str, dict] = {}
        for key in keys or []:
            if production and key.get("development"):
                raise RuntimeError(
                    f"API key '{key['name']}' is a development key; refused with IOP_ENV=production.")
            self._by_hash[key["sha256"]] = key

    @classmethod
    def from_config(cls, config: dict) -> "KeyRing":
        return cls(setting(config, "API_KEYS"),
                   production=str(setting(config, "IOP_ENV")).lower() == "production")

    def authenticate(self, authorization: str | None, remote_addr: str | None = None) -> Caller:
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Send 'Authorization: Bearer <key>'.")
        key = self._by_hash.get(hash_key(secret.strip()))
        if key is None:
            raise Unauthorized("Unknown API key.")
        sites = key.get("sites") or []
        return Caller(name=key["name"], roles=frozenset(key.get("roles") or []),
                      sites=None if ALL_SITES in sites else frozenset(sites),
                      remote_addr=remote_addr)
