"""Staff access tokens: JWTs from the configured OpenID provider(s), verified offline.

Configuration (config/config.yaml)::

    IDENTITY:
      development: true            # these issuers are the development provider
      issuers:
        - issuer: http://127.0.0.1:8090
          audience: iop            # default
          algorithms: [RS256, ES256, PS256]
          roles_claim: roles
          sites_claim: sites
          name_claim: name

Each issuer's discovery document is fetched once (on the first token it signed) and cached; its
JWKS through PyJWT's ``PyJWKClient``, cached, and fetched again when a token names a key id the
cached set does not hold, at most once per unknown key id per ``jwks_refresh_interval_s`` and
never more often than ``jwks_min_refresh_interval_s`` across key ids, so a stream of made-up key
ids cannot turn into a stream of requests to the provider. Only the configured asymmetric
algorithms verify; ``none`` and HMAC are refused before any key is looked up.

With ``IOP_ENV=production`` a development issuer, or one that is not ``https://``, is refused
when the service starts.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError

from shared.config import is_production
from shared.problems import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                        "ES256", "ES384", "ES512", "EdDSA"})
DEFAULT_ALGORITHMS = ("RS256", "ES256", "PS256")


def looks_like_jwt(credential: str) -> bool:
    """A compact JWS has three dot-separated parts; the platform's API keys have no dots."""
    parts = credential.split(".")
    return len(parts) == 3 and all(parts[:2])


@dataclass(frozen=True)
class Identity:
    """What a verified token says: who, which issuer, and the claims the platform reads."""

    issuer: str
    subject: str
    display_name: str
    roles: tuple[str, ...]
    sites: tuple[str, ...] | None  # None: the token gave no sites claim
    claims: dict = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class IssuerConfig:
    issuer: str
    audience: str = "iop"
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    roles_claim: str = "roles"
    sites_claim: str = "sites"
    name_claim: str = "name"
    development: bool = False
    leeway_s: float = 30.0
    jwks_refresh_interval_s: float = 300.0
    jwks_min_refresh_interval_s: float = 5.0
    timeout_s: float = 5.0

    @classmethod
    def from_dict(cls, entry: dict, *, development: bool) -> "IssuerConfig":
        issuer = str(entry["issuer"]).rstrip("/")
        algorithms = tuple(entry.get("algorithms") or DEFAULT_ALGORITHMS)
        refused = [alg for alg in algorithms if alg not in ASYMMETRIC]
        if refused:
            raise RuntimeError(f"IDENTITY issuer {issuer}: only asymmetric algorithms may verify "
                               f"tokens; refused {', '.join(refused)}.")
        known = {name for name in cls.__dataclass_fields__}
        extra = {k: entry[k] for k in known & entry.keys()
                 if k not in ("issuer", "algorithms", "development")}
        return cls(issuer=issuer, algorithms=algorithms,
                   development=bool(entry.get("development", development)), **extra)


class IssuerKeys:
    """One issuer's discovery document and JWKS, fetched lazily and shared by every verifier."""

    def __init__(self, config: IssuerConfig):
        self.config = config
        self._lock = threading.Lock()
        self._discovery: dict | None = None
        self._jwks: PyJWKClient | None = None
        self._kid_refreshed: dict[str, float] = {}
        self._last_refresh = float("-inf")

    def discovery(self) -> dict:
        with self._lock:
            if self._discovery is None:
                url = f"{self.config.issuer}/.well-known/openid-configuration"
                try:
                    with urllib.request.urlopen(url, timeout=self.config.timeout_s) as response:
                        document = json.load(response)
                except (OSError, ValueError) as exc:
                    log.warning("identity provider discovery failed: %s: %s", url, exc)
                    raise ServiceUnavailable("The identity provider cannot be reached; "
                                             "try again shortly.") from None
                if str(document.get("issuer", "")).rstrip("/") != self.config.issuer:
                    raise ServiceUnavailable("The identity provider's discovery document names "
                                             "another issuer.")
                self._discovery = document
                self._jwks = PyJWKClient(document["jwks_uri"], cache_keys=False, cache_jwk_set=True,
                                         lifespan=self.config.jwks_refresh_interval_s,
                                         timeout=self.config.timeout_s)
            return self._discovery

    def signing_key(self, kid: str | None):
        self.discovery()
        try:
            keys = self._jwks.get_signing_keys()
            key = self._match(keys, kid)
            if key is None and self._may_refresh(kid):
                keys = self._jwks.get_signing_keys(refresh=True)
                key = self._match(keys, kid)
        except PyJWKClientConnectionError as exc:
            log.warning("identity provider JWKS fetch failed: %s", exc)
            raise ServiceUnavailable("The identity provider's keys cannot be fetched; "
                                     "try again shortly.") from None
        except PyJWKClientError:
            key = None
        if key is None:
            raise Unauthorized("The token was signed with a key its issuer does not publish.",
                               reason="unknown_key")
        return key

    @staticmethod
    def _match(keys, kid):
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((key for key in keys if key.key_id == kid), None)

    def _may_refresh(self, kid: str | None) -> bool:
        now = time.monotonic()
        with self._lock:
            last_for_kid = self._kid_refreshed.get(kid or "", float("-inf"))
            if now - last_for_kid < self.config.jwks_refresh_interval_s:
                return False
            if now - self._last_refresh < self.config.jwks_min_refresh_interval_s:
                return False
            if len(self._kid_refreshed) > 1000:  # bounded memory against made-up key ids
                self._kid_refreshed.clear()
            self._kid_refreshed[kid or ""] = now
            self._last_refresh = now
            return True


_SHARED: dict[IssuerConfig, IssuerKeys] = {}
_SHARED_LOCK = threading.Lock()


def issuer_keys(config: IssuerConfig) -> IssuerKeys:
    """One cache per issuer configuration in the process: every route's verifier shares it."""
    with _SHARED_LOCK:
        if config not in _SHARED:
            _SHARED[config] = IssuerKeys(config)
        return _SHARED[config]


def forget_issuers() -> None:
    """Drop every cached discovery document and JWKS (tests; a process otherwise keeps them)."""
    with _SHARED_LOCK:
        _SHARED.clear()


def _claim(claims: dict, name: str):
    """A claim by its exact name (``https://example.org/roles``), else by a dotted path
    (``realm_access.roles``)."""
    if name in claims:
        return claims[name]
    value = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _strings(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v for v in value.replace(",", " ").split() if v)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if isinstance(v, (str, int)))
    return ()


class TokenVerifier:
    def __init__(self, issuers: list[IssuerConfig]):
        self.issuers = {issuer.issuer: issuer for issuer in issuers}

    @classmethod
    def from_config(cls, config: dict) -> "TokenVerifier":
        identity = config.get("IDENTITY") or {}
        production = is_production(config)
        development = bool(identity.get("development", False))
        issuers = [IssuerConfig.from_dict(entry, development=development)
                   for entry in identity.get("issuers") or []]
        if production:
            for issuer in issuers:
                if issuer.development:
                    raise RuntimeError(f"IDENTITY issuer {issuer.issuer} is the development "
                                       "provider; refused with IOP_ENV=production.")
                if not issuer.issuer.startswith("https://"):
                    raise RuntimeError(f"IDENTITY issuer {issuer.issuer} is not https; "
                                       "refused with IOP_ENV=production.")
        return cls(issuers)

    def verify(self, token: str) -> Identity:
        if not self.issuers:
            raise Unauthorized("This service accepts no access tokens (no IDENTITY issuers).",
                               reason="no_issuers")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized("The access token is malformed.", reason="malformed") from None
        issuer = self.issuers.get(str(unverified.get("iss", "")).rstrip("/"))
        if issuer is None:
            raise Unauthorized("The access token's issuer is not trusted.", reason="untrusted_issuer")
        alg = header.get("alg")
        if alg not in issuer.algorithms:
            raise Unauthorized(f"The access token's algorithm '{alg}' is not accepted.",
                               reason="algorithm_refused")
        key = issuer_keys(issuer).signing_key(header.get("kid"))
        declared = key._jwk_data.get("alg")
        if declared and declared != alg:  # a key published for one algorithm verifies only it
            raise Unauthorized("The access token's algorithm does not match its key.",
                               reason="algorithm_refused")
        try:
            claims = jwt.decode(token, key=key.key, algorithms=[alg], audience=issuer.audience,
                                issuer=unverified["iss"], leeway=issuer.leeway_s,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired.", reason="expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("The access token is not valid yet.", reason="not_yet_valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized(f"The access token is not for audience '{issuer.audience}'.",
                               reason="wrong_audience") from None
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}.",
                               reason="bad_signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}.",
                               reason="missing_claim") from None
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}.",
                               reason="untrusted_issuer") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}.") from None
        subject = str(claims["sub"])
        name = (_claim(claims, issuer.name_claim) or claims.get("preferred_username") or subject)
        return Identity(issuer=issuer.issuer, subject=subject, display_name=str(name),
                        roles=_strings(_claim(claims, issuer.roles_claim)) or (),
                        sites=_strings(_claim(claims, issuer.sites_claim)), claims=claims)
