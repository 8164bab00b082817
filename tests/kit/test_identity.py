"""Staff sign in with the development OpenID provider (the real oidc-provider, run with node);
a real service verifies their access tokens against the provider's JWKS."""
import hashlib
import hmac
import json
import subprocess
import time

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, text

from shared import tokens
from shared.auth import KeyRing
from shared.config import load_config
from shared.enums import ROLES
from tests.integration.intake.scenario import refer
from tests.kit.identity_provider import ROOT, b64, provider, seed, signed_token  # noqa: F401


@pytest.fixture
def intake(platform, provider):
    tokens.forget_issuers()  # each test counts the provider's requests from a cold cache
    yield platform.start("intake", IDENTITY=provider.identity_config())
    tokens.forget_issuers()


def audit_actors(platform, patient_id):
    engine = create_engine(platform.database_urls["intake"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, resource_type FROM audit_log "
                                 "WHERE patient_id = :p ORDER BY id"), {"p": patient_id}).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_clinician_signed_in_reads_their_site_only_and_the_audit_names_them(
        platform, provider, intake):
    riverside = refer(intake, site_id="riverside")
    lakeside = refer(intake, site_id="lakeside")
    token = provider.staff_token("riverside-clinician")

    own = intake.get(f"/patients/{riverside['patient_id']}", key=token)
    other = intake.get(f"/patients/{lakeside['patient_id']}", key=token)

    assert own.status_code == 200, own.text
    assert other.status_code == 404
    assert audit_actors(platform, riverside["patient_id"]) == [
        ("dev-admin", "create", "referral"),
        ("Riley Clinician <riverside-clinician>", "read", "patient")]
    assert audit_actors(platform, lakeside["patient_id"]) == [("dev-admin", "create", "referral")]


def test_a_coordinator_token_carries_the_coordinators_role(provider, intake):
    token = provider.staff_token("riverside-coordinator")

    created = intake.post("/referrals", _referral_body("riverside"), key=token)
    elsewhere = intake.post("/referrals", _referral_body("lakeside"), key=token)

    assert created.status_code == 201, created.text
    assert elsewhere.status_code == 403


def _referral_body(site_id):
    from tests.integration.intake.scenario import referral_body
    return referral_body(site_id=site_id)


def test_a_wrong_password_gets_the_form_again(provider):
    with pytest.raises(AssertionError, match="Unknown username or wrong password"):
        provider.staff_token("riverside-clinician", password="guess")


def test_the_integrator_client_reads_events_with_a_client_credentials_token(provider, intake):
    token = provider.client_credentials_token()
    clinician = provider.staff_token("riverside-clinician")

    events = intake.get("/events", key=token)
    refused = intake.get("/events", key=clinician)

    assert events.status_code == 200, events.text
    assert "events" in events.json()
    assert refused.status_code == 403


def test_a_token_the_provider_signed_outside_a_flow_is_accepted(provider, intake):
    patient = refer(intake)["patient_id"]

    assert intake.get(f"/patients/{patient}", key=signed_token(provider)).status_code == 200


def _public_pem():
    jwk = seed()["signing_keys"][0]
    import jwt
    return jwt.PyJWK(jwk).key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _unsigned(provider, alg):
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": seed()["signing_keys"][0]["kid"]}).encode())
    now = int(time.time())
    payload = b64(json.dumps({"iss": provider.issuer, "aud": "iop", "sub": "intruder",
                              "roles": ["admin"], "sites": ["*"], "iat": now,
                              "exp": now + 600}).encode())
    return header, payload


def _alg_none(provider):
    header, payload = _unsigned(provider, "none")
    return f"{header}.{payload}."


def _hs256_with_public_key(provider):
    header, payload = _unsigned(provider, "HS256")
    mac = hmac.new(_public_pem(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


REJECTED = {  # case: (token, what the problem's detail says)
    "expired": (lambda p: signed_token(p, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
                "expired"),
    "not yet valid": (lambda p: signed_token(p, nbf=int(time.time()) + 3600), "not valid yet"),
    "another audience": (lambda p: signed_token(p, aud="billing"), "audience 'iop'"),
    "another issuer": (lambda p: signed_token(p, iss="http://127.0.0.1:1"), "issuer is not trusted"),
    "no expiry": (lambda p: signed_token(p, exp=None), '"exp" claim'),
    "alg none": (_alg_none, "'none' is not accepted"),
    "HS256 signed with the public key": (_hs256_with_public_key, "'HS256' is not accepted"),
    "tampered claims": (lambda p: _tampered(signed_token(p)), "Signature verification failed"),
}


def _tampered(token):
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    claims["sites"] = ["*"]
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def _unb64(part):
    import base64
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.mark.parametrize("case", REJECTED)
def test_tokens_that_do_not_verify_are_401(provider, intake, case):
    patient = refer(intake)["patient_id"]

    make_token, detail = REJECTED[case]

    response = intake.get(f"/patients/{patient}", key=make_token(provider))

    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Unauthorized"
    assert detail in response.json()["detail"]


def test_an_unknown_key_id_refreshes_the_jwks_once_then_is_401(provider, intake):
    patient = refer(intake)["patient_id"]
    assert intake.get(f"/patients/{patient}", key=signed_token(provider)).status_code == 200
    before = provider.requests_to("/jwks")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = signed_token(provider, key=stranger, kid="not-published")

    first = intake.get(f"/patients/{patient}", key=forged)
    after_first = provider.requests_to("/jwks")
    second = intake.get(f"/patients/{patient}", key=forged)

    assert (first.status_code, second.status_code) == (401, 401)
    assert "does not publish" in first.json()["detail"]
    assert after_first == before + 1
    assert provider.requests_to("/jwks") == before + 1  # the same unknown kid: no new fetch


def test_discovery_and_jwks_are_fetched_once_for_many_requests(provider, intake):
    patient = refer(intake)["patient_id"]
    discovery = provider.requests_to("/.well-known/openid-configuration")
    jwks = provider.requests_to("/jwks")
    token = signed_token(provider)

    statuses = {intake.get(f"/patients/{patient}", key=token).status_code for _ in range(5)}

    assert statuses == {200}
    assert provider.requests_to("/.well-known/openid-configuration") == discovery + 1
    assert provider.requests_to("/jwks") == jwks + 1


def test_roles_outside_the_platform_are_ignored_and_no_sites_sees_nothing(provider, intake):
    patient = refer(intake)["patient_id"]

    no_sites = intake.get(f"/patients/{patient}", key=signed_token(provider, sites=None))
    unknown_role = intake.get(f"/patients/{patient}",
                              key=signed_token(provider, roles=["wizard"], sites=["*"]))
    every_site = intake.get(f"/patients/{patient}",
                            key=signed_token(provider, roles=["clinician", "wizard"], sites=["*"]))

    assert no_sites.status_code == 404
    assert unknown_role.status_code == 403
    assert every_site.status_code == 200


def test_production_refuses_the_development_provider_and_plain_http_issuers():
    development = {"IOP_ENV": "production", "API_KEYS": [], "IDENTITY": {"development": True, "issuers": [
        {"issuer": "https://login.example.org"}]}}
    plain_http = {"IOP_ENV": "production", "API_KEYS": [], "IDENTITY": {"issuers": [
        {"issuer": "http://login.example.org"}]}}
    network = {"IOP_ENV": "production", "API_KEYS": [], "IDENTITY": {"issuers": [
        {"issuer": "https://login.example.org/realms/iop"}]}}

    with pytest.raises(RuntimeError, match="development provider"):
        KeyRing.from_config(development)
    with pytest.raises(RuntimeError, match="not https"):
        KeyRing.from_config(plain_http)
    assert KeyRing.from_config(network).tokens.issuers


def test_only_asymmetric_algorithms_may_be_configured():
    with pytest.raises(RuntimeError, match="HS256"):
        KeyRing.from_config({"API_KEYS": [], "IDENTITY": {"issuers": [
            {"issuer": "https://login.example.org", "algorithms": ["RS256", "HS256"]}]}})


def test_the_development_provider_refuses_to_start_in_production():
    result = subprocess.run(["node", str(ROOT / "identity" / "dev-provider.mjs")],
                            env={"PATH": "/usr/bin:/bin", "IOP_ENV": "production",
                                 "IOP_IDENTITY_PORT": "0"},
                            capture_output=True, text=True, timeout=30)

    assert result.returncode == 2
    assert "IOP_ENV=production" in result.stderr


# -- Keycloak: the realm docker-compose imports is the development provider's equivalent --------

KEYCLOAK_REALM = ROOT / "config" / "identity" / "keycloak-realm.json"


def _realm():
    return json.loads(KEYCLOAK_REALM.read_text())


def test_the_keycloak_realm_holds_the_development_users_with_their_roles_and_sites():
    realm = _realm()
    people = {u["id"]: u for u in realm["users"] if "serviceAccountClientId" not in u}

    assert {r["name"] for r in realm["roles"]["realm"]} == set(ROLES)
    assert {sub: (u["username"], f"{u['firstName']} {u['lastName']}", u["email"],
                  sorted(u["realmRoles"]), sorted(u["attributes"]["sites"]),
                  [c["value"] for c in u["credentials"]])
            for sub, u in people.items()} == {
        user["sub"]: (user["username"], user["name"], user["email"], sorted(user["roles"]),
                      sorted(user["sites"]), [user["password"]])
        for user in seed()["users"]}
    assert "privacy_officer" in people["privacy-officer"]["realmRoles"]


def test_the_keycloak_realm_has_the_integrator_client_and_the_console():
    realm = _realm()
    clients = {c["clientId"]: c for c in realm["clients"]}
    integrator = clients["iop-dev-integrator"]
    account = next(u for u in realm["users"] if u.get("serviceAccountClientId") == "iop-dev-integrator")
    console = clients["iop-console"]

    assert (integrator["publicClient"], integrator["secret"], integrator["serviceAccountsEnabled"],
            integrator["standardFlowEnabled"]) == (False, "dev-integrator-secret", True, False)
    assert (account["realmRoles"], account["attributes"]["sites"]) == (["integrator"], ["*"])
    assert console["publicClient"] is True
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert console["redirectUris"] == ["http://127.0.0.1:8000/auth/callback"]
    for client in clients.values():
        assert {"basic", "iop"} <= set(client["defaultClientScopes"])


def test_the_keycloak_realm_puts_audience_roles_sites_and_name_into_access_tokens():
    scopes = {s["name"]: s for s in _realm()["clientScopes"]}
    mappers = {m["protocolMapper"]: m["config"] for m in scopes["iop"]["protocolMappers"]}
    config = load_config()["IDENTITY"]["issuers"][0]

    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == "iop" == seed()["audience"]
    assert mappers["oidc-usermodel-realm-role-mapper"]["claim.name"] == config["roles_claim"]
    sites = mappers["oidc-usermodel-attribute-mapper"]
    assert (sites["user.attribute"], sites["claim.name"], sites["multivalued"]) == (
        "sites", config["sites_claim"], "true")
    assert mappers["oidc-full-name-mapper"]["access.token.claim"] == "true"
    assert all(m["config"]["access.token.claim"] == "true" for m in scopes["iop"]["protocolMappers"])
    assert [m["protocolMapper"] for m in scopes["basic"]["protocolMappers"]][0] == "oidc-sub-mapper"
    profile = json.loads(_realm()["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
                         ["config"]["kc.user.profile.config"][0])
    assert any(a["name"] == "sites" and a["multivalued"] for a in profile["attributes"])


def test_docker_compose_runs_keycloak_importing_the_realm_and_the_services_trust_it():
    from tests.test_compose import compose_command
    result = subprocess.run([*compose_command(), "-f", "docker-compose.yml", "config"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    keycloak = services["keycloak"]

    assert keycloak["command"][:2] == ["start-dev", "--import-realm"]
    assert any(str(v).endswith("config/identity/keycloak-realm.json:/opt/keycloak/data/import/"
                               "iop-realm.json:ro") for v in keycloak["volumes"])
    issuer = f"{keycloak['environment']['KC_HOSTNAME']}/realms/{_realm()['realm']}"
    for name in ("intake", "scheduling", "notifications", "outcomes"):
        assert services[name]["environment"]["IOP_OIDC_ISSUER"] == issuer
    assert keycloak["healthcheck"]["test"]
