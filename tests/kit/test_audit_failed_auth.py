"""Abuse: failed authentications are counted in /metrics by reason, and repeated failures from one
address are slowed by a token bucket (429 problem+json with Retry-After), on a driven clock."""
import http.client
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from prometheus_client.parser import text_string_to_metric_families

from shared import tokens
from shared.http import ApiHandler
from shared.throttle import FailureThrottle
from tests.integration.intake.scenario import refer
from tests.kit.identity_provider import provider, signed_token  # noqa: F401 (the fixture)


class DrivenClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def auth_failures(service) -> dict[str, float]:
    text = service.get("/metrics", key=None).text
    return {sample.labels["reason"]: sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "iop_auth_failures"
            for sample in family.samples if sample.name == "iop_auth_failures_total"}


def throttle_of(service) -> FailureThrottle:
    handler = next(e for e in service.container.entrypoints if isinstance(e, ApiHandler))
    return handler.auth_throttle.throttle


@pytest.fixture
def intake(platform, provider):  # noqa: F811
    tokens.forget_issuers()
    yield platform.start("intake", IDENTITY=provider.identity_config(),
                         AUTH_THROTTLE={"failures": 100, "refill_per_s": 1},
                         API_KEYS=platform_keys_with_an_expired_one())
    tokens.forget_issuers()


def platform_keys_with_an_expired_one():
    from hashlib import sha256
    from shared.config import load_config
    keys = list(load_config()["API_KEYS"])
    keys.append({"id": "old-export-1", "name": "old-export", "roles": ["integrator"], "sites": ["*"],
                 "sha256": sha256(b"iop_expired-secret").hexdigest(), "expires": "2020-01-01"})
    return keys


def test_failed_authentications_are_counted_by_reason(provider, intake):  # noqa: F811
    patient = refer(intake)["patient_id"]
    now = int(time.time())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header, payload, signature = signed_token(provider).split(".")
    tampered = f"{header}.{signed_token(provider, sites=['*']).split('.')[1]}.{signature}"
    attempts = {
        "expired": [signed_token(provider, iat=now - 7200, exp=now - 3600)] * 2,
        "wrong_audience": [signed_token(provider, aud="billing")],
        "bad_signature": [tampered],
        "unknown_key": [signed_token(provider, key=stranger, kid="not-published")],
        "untrusted_issuer": [signed_token(provider, iss="http://127.0.0.1:1")],
        "unknown_api_key": ["iop_guessed"] * 3,
        "expired_api_key": ["iop_expired-secret"],
    }
    for credentials in attempts.values():
        for credential in credentials:
            assert intake.get(f"/patients/{patient}", key=credential).status_code == 401
    assert intake.get(f"/patients/{patient}", key=None).status_code == 401
    assert intake.get(f"/patients/{patient}", key=signed_token(provider)).status_code == 200

    assert auth_failures(intake) == {"expired": 2, "wrong_audience": 1, "bad_signature": 1,
                                     "unknown_key": 1, "untrusted_issuer": 1,
                                     "unknown_api_key": 3, "expired_api_key": 1, "missing": 1}


def test_repeated_failures_from_one_address_are_slowed_until_the_bucket_refills(platform):
    intake = platform.start("intake", AUTH_THROTTLE={"failures": 3, "refill_per_s": 0.1})
    clock = throttle_of(intake).clock = DrivenClock()

    refused = [intake.get("/referrals/x", key="iop_guess-%d" % i).status_code for i in range(3)]
    slowed = intake.get("/referrals/x", key="iop_guess-4")
    even_a_good_key = intake.get("/events", key="integrator")

    assert refused == [401, 401, 401]
    assert slowed.status_code == 429
    assert slowed.headers["Content-Type"] == "application/problem+json"
    assert slowed.headers["Retry-After"] == "10"  # one token at 0.1 a second
    assert slowed.json()["retry_after_s"] == 10
    assert even_a_good_key.status_code == 429
    assert intake.get("/health", key=None).status_code == 200  # public routes are not slowed

    clock.now += 4
    assert intake.get("/events", key="integrator").headers["Retry-After"] == "6"
    clock.now += 6
    assert intake.get("/events", key="integrator").status_code == 200
    assert intake.get("/referrals/x", key="iop_guess-5").status_code == 401
    assert intake.get("/events", key="integrator").status_code == 429
    assert auth_failures(intake) == {"unknown_api_key": 4, "throttled": 4}


def test_another_address_is_not_slowed(platform):
    intake = platform.start("intake", AUTH_THROTTLE={"failures": 2, "refill_per_s": 0.01})
    throttle_of(intake).clock = DrivenClock()
    for i in range(2):
        assert intake.get("/events", key=f"iop_guess-{i}").status_code == 401
    assert intake.get("/events", key="integrator").status_code == 429

    host, port = intake.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10, source_address=("127.0.0.2", 0))
    conn.request("GET", "/events", headers={"Authorization": "Bearer dev-integrator-key"})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    assert "events" in json.loads(response.read())
    conn.close()


def test_the_bucket_refills_at_its_rate_and_forgets_full_buckets():
    clock = DrivenClock(0.0)
    throttle = FailureThrottle(2, 0.5, clock=clock, max_addresses=2)

    throttle.failed("a")
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 2  # one token at 0.5 a second
    clock.now = 1.0
    assert throttle.retry_after("a") == 1
    clock.now = 2.0
    assert throttle.retry_after("a") == 0
    throttle.failed("a")  # 1 - 1: empty again
    assert throttle.retry_after("a") == 2
    clock.now = 100.0
    assert throttle.retry_after("a") == 0
    assert "a" not in throttle._buckets  # full again: forgotten
    for address in ("b", "c", "d"):
        throttle.failed(address)
    assert list(throttle._buckets) == ["c", "d"]  # bounded: the oldest is dropped
    assert throttle.retry_after(None) == 0
