"""Each service's HTTP contract, fuzzed from its own /openapi.json with schemathesis.

Every operation gets a bounded, seeded number of generated requests with the admin key and real
ids in its path; each answer must be documented (status code, content type, response schema) and
none may be a 5xx. The documents themselves must be valid OpenAPI 3.1 (schemathesis refuses to
load one that is not).
"""
import os
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_headers_conformance, response_schema_conformance,
                                 status_code_conformance)
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi import from_dict

from demo.launch import DEV_KEYS, wait_until
from tests.e2e import program as p

EXAMPLES = int(os.environ.get("IOP_FUZZ_EXAMPLES", "15"))  # generated requests per operation
SERVICES = ("intake", "scheduling", "outcomes", "notifications")
# What the contract promises. Not "positive data accepted": a schema-valid body may still break a
# rule (a referral that does not exist, a plan under the IOP minimum) and be a documented 422.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def clinic(platform):
    """The four services on one vhost, with a clinic, an enrolled patient and an alert."""
    platform.declare_topology()
    # Scheduling books on a clock before the program starts, as the e2e test does.
    clocks = {"scheduling": {"CLOCK_NOW": p.BEFORE_START.isoformat()}}
    running = {name: platform.start(name, **clocks.get(name, {})) for name in SERVICES}
    intake, scheduling, outcomes = running["intake"], running["scheduling"], running["outcomes"]
    therapist, facilitator = (scheduling.post("/staff", {"site_id": "riverside", **s}).json()
                              for s in p.STAFF)
    scheduling.post("/group-series", p.series("riverside", facilitator["staff_id"]))
    referral = intake.post("/referrals", p.referral("riverside", "Ada", p.SCREENING_PHQ9,
                                                    p.SCREENING_GAD7)).json()
    enrollment = intake.post("/enrollments", {
        "referral_id": referral["referral_id"], "track": "depression",
        "start_date": p.START.isoformat(), "planned_weeks": p.WEEKS, "plan": p.PLAN,
        "goals": ["Back to work"]}).json()
    patient_id = referral["patient_id"]
    sessions = wait_until(lambda: scheduling.get(f"/patients/{patient_id}/schedule").json()
                          .get("sessions"), timeout=30, message="the enrollment booked")
    wait_until(lambda: outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary")
               .status_code == 200, timeout=30, message="outcomes knows the enrollment")
    outcomes.post("/assessments", {"patient_id": patient_id, "instrument": "phq9",
                                   "responses": [1] * 8 + [3],
                                   "administered_at": "2026-06-03T15:00:00+00:00"})
    alerts = wait_until(lambda: running["notifications"].get("/alerts").json().get("alerts"),
                        timeout=30, message="the risk alert")
    ids = {"site_id": "riverside", "patient_id": patient_id,
           "referral_id": referral["referral_id"], "enrollment_id": enrollment["enrollment_id"],
           "session_id": sessions[0]["session_id"], "booking_id": sessions[0]["booking_id"],
           "staff_id": therapist["staff_id"], "alert_id": alerts[0]["id"]}
    return running, ids


@pytest.mark.parametrize("service_name", SERVICES)
def test_every_operation_answers_as_documented(clinic, service_name):
    running, ids = clinic
    service = running[service_name]
    schema = from_dict(service.get("/openapi.json", key=None).json())
    headers = {"Authorization": f"Bearer {DEV_KEYS['admin']}"}
    failures, requests = {}, Counter()

    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            for name in case.path_parameters or {}:
                case.path_parameters[name] = ids.get(name, str(uuid.uuid4()))
            requests[operation.label] += 1
            try:
                case.call_and_validate(base_url=service.base_url, headers=headers, checks=CHECKS)
            except (Exception, FailureGroup) as failure:  # a failed check: keep the first per operation
                failures.setdefault(operation.label, f"{type(failure).__name__}: {failure}"[:600])

        fuzz()

    print(f"{service_name}: {len(requests)} operations, {sum(requests.values())} requests, "
          f"{len(failures)} failing")
    assert not failures, "\n\n".join(f"{label}\n{error}" for label, error in failures.items())
