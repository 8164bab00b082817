"""Accounting of disclosures: a privacy officer reads, per patient, every read and change of their
data in a service (GET /audit on each), and `bin/iop audit patient` merges the four services'."""
import os
import subprocess
import uuid
from datetime import datetime, timezone

import pytest

from shared import tokens
from tests.integration.intake.scenario import refer
from tests.kit.identity_provider import ROOT, provider  # noqa: F401 (the fixture)

PRIVACY_KEY = "dev-privacy-key"  # config/config.yaml: privacy_officer, every site


@pytest.fixture
def intake(platform, provider):  # noqa: F811
    tokens.forget_issuers()
    yield platform.start("intake", IDENTITY=provider.identity_config())
    tokens.forget_issuers()


def accounting(service, credential, **params):
    return service.get("/audit", key=credential, params=params)


def test_a_privacy_officer_reads_who_did_what_when_from_where_and_why(provider, intake):  # noqa: F811
    patient = refer(intake, site_id="riverside")["patient_id"]
    clinician = provider.staff_token("riverside-clinician")
    assert intake.get(f"/patients/{patient}", key=clinician).status_code == 200
    assert intake.get(f"/patients/{patient}", key=clinician,
                      headers={"X-Access-Reason": "Call  from the  crisis line"}).status_code == 200
    officer = provider.staff_token("privacy-officer")

    response = accounting(intake, officer, patient_id=patient)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["service"], body["patient_id"]) == ("intake", patient)
    entries = body["entries"]
    assert [(e["who"]["subject"], e["who"]["name"], e["action"], e["resource_type"], e["reason"])
            for e in entries] == [
        ("dev-admin-1", "dev-admin", "create", "referral", None),
        ("riverside-clinician", "Riley Clinician", "read", "patient", None),
        ("riverside-clinician", "Riley Clinician", "read", "patient", "Call from the crisis line")]
    assert {e["from"] for e in entries} == {"127.0.0.1"}
    assert {e["site_id"] for e in entries} == {"riverside"}
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)


def test_the_accounting_is_itself_audited(provider, intake):  # noqa: F811
    patient = refer(intake)["patient_id"]
    officer = provider.staff_token("privacy-officer")

    first = accounting(intake, officer, patient_id=patient).json()["entries"]
    second = accounting(intake, officer, patient_id=patient).json()["entries"]

    assert len(second) == len(first) + 1
    assert (second[-1]["who"]["subject"], second[-1]["who"]["name"], second[-1]["action"],
            second[-1]["resource_type"]) == ("privacy-officer", "Pat Privacy", "read", "audit_log")


def test_an_officers_sites_bound_what_they_see(provider, intake):  # noqa: F811
    riverside = refer(intake, site_id="riverside")["patient_id"]
    lakeside = refer(intake, site_id="lakeside")["patient_id"]
    officer = provider.staff_token("riverside-privacy")

    own = accounting(intake, officer, patient_id=riverside).json()["entries"]
    other = accounting(intake, officer, patient_id=lakeside).json()["entries"]

    assert [(e["action"], e["resource_type"]) for e in own] == [("create", "referral")]
    assert other == []


def test_from_and_to_bound_the_entries_in_time(intake):
    patient = refer(intake)["patient_id"]
    between = datetime.now(timezone.utc).isoformat()
    assert intake.get(f"/patients/{patient}").status_code == 200

    before = accounting(intake, PRIVACY_KEY, patient_id=patient, to=between).json()["entries"]
    after = accounting(intake, PRIVACY_KEY, patient_id=patient, **{"from": between}).json()["entries"]

    assert [(e["action"], e["resource_type"]) for e in before] == [("create", "referral")]
    assert [(e["action"], e["resource_type"]) for e in after] == [("read", "patient"),
                                                                  ("read", "audit_log")]


@pytest.mark.parametrize("params, fields", [
    ({}, {"patient_id"}),
    ({"patient_id": "not-a-uuid"}, {"patient_id"}),
    ({"patient_id": str(uuid.uuid4()), "from": "yesterday", "to": "2026-13-01T00:00:00Z"},
     {"from", "to"}),
    ({"patient_id": str(uuid.uuid4()), "from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
     {"to"}),
    ({"patient_id": str(uuid.uuid4()), "site": "riverside"}, {"site"}),
    ({"patient_id": str(uuid.uuid4()), "limit": "0"}, {"limit"}),
])
def test_bad_parameters_are_a_problem_naming_each_and_audit_nothing(intake, params, fields):
    patient = refer(intake)["patient_id"]

    response = accounting(intake, PRIVACY_KEY, **params)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == fields
    entries = accounting(intake, PRIVACY_KEY, patient_id=patient).json()["entries"]
    assert [(e["action"], e["resource_type"]) for e in entries] == [("create", "referral")]


def test_only_a_privacy_officer_reads_the_accounting(intake):
    patient = refer(intake)["patient_id"]

    assert accounting(intake, "admin", patient_id=patient).status_code == 403
    assert accounting(intake, "riverside", patient_id=patient).status_code == 403
    assert accounting(intake, None, patient_id=patient).status_code == 401


def test_every_service_answers_the_accounting(platform):
    for name in ("scheduling", "notifications", "outcomes"):
        service = platform.start(name)
        response = accounting(service, PRIVACY_KEY, patient_id=str(uuid.uuid4()))
        assert response.status_code == 200, (name, response.text)
        assert response.json()["service"] == name
        assert response.json()["entries"] == []


def test_the_cli_merges_the_four_services_entries_in_time_order(platform):
    services = {name: platform.start(name) for name in
                ("intake", "scheduling", "notifications", "outcomes")}
    patient = refer(services["intake"], site_id="riverside")["patient_id"]
    assert services["notifications"].get(
        "/notifications", params={"patient_id": patient}).status_code == 200
    assert services["intake"].get(f"/patients/{patient}", key="riverside",
                                  headers={"X-Access-Reason": "Discharge summary"}).status_code == 200
    env = {**os.environ, "IOP_CREDENTIAL": PRIVACY_KEY,
           **{f"IOP_{name.upper()}_URL": service.base_url for name, service in services.items()}}

    result = subprocess.run([str(ROOT / "bin" / "iop"), "audit", "patient", patient],
                            env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "3 entries"
    assert "dev-admin" in lines[0] and "create referral" in lines[0] and "(intake, site riverside)" in lines[0]
    assert "dev-admin" in lines[1] and "read notifications" in lines[1] and "(notifications, site -)" in lines[1]
    assert "dev-riverside" in lines[2] and "read patient" in lines[2]
    assert "from 127.0.0.1" in lines[2] and lines[2].endswith("reason: Discharge summary")
    stamps = [line.split()[0] for line in lines[:3]]
    assert stamps == sorted(stamps)


def test_the_cli_says_which_service_refused(platform):
    services = {name: platform.start(name) for name in ("intake", "scheduling", "notifications",
                                                        "outcomes")}
    env = {**os.environ, "IOP_CREDENTIAL": "dev-riverside-key",
           **{f"IOP_{name.upper()}_URL": service.base_url for name, service in services.items()}}

    result = subprocess.run([str(ROOT / "bin" / "iop"), "audit", "patient", str(uuid.uuid4())],
                            env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert "intake" in result.stderr and "403" in result.stderr
