"""One assessment or risk flag by its id (the FHIR gateway's reads): site rules and audit."""
from tests.integration.outcomes.scenario import assess, enroll, phq9, rows


def test_an_assessment_and_its_flag_are_read_by_id_by_their_site_only_and_audited(platform, outcomes):
    enrollment = enroll(platform, outcomes)
    scored = assess(outcomes, enrollment, "phq9", phq9(14, item9=2), on_day=3)
    assert scored.status_code == 201, scored.text
    assessment_id = scored.json()["assessment_id"]
    (flag,) = outcomes.get("/flags", params={"patient_id": enrollment["patient_id"]}).json()["flags"]

    read = outcomes.get(f"/assessments/{assessment_id}", key="riverside")
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["patient_id"], body["site_id"], body["enrollment_id"]) == (
        enrollment["patient_id"], "riverside", enrollment["enrollment_id"])
    assert (body["total_score"], body["responses"]) == (14, phq9(14, item9=2))
    shown = outcomes.get(f"/flags/{flag['flag_id']}", key="riverside")
    assert shown.status_code == 200 and shown.json() == flag

    for path in (f"/assessments/{assessment_id}", f"/flags/{flag['flag_id']}",
                 "/assessments/00000000-0000-4000-8000-000000000000"):
        assert outcomes.get(path, key="lakeside").status_code == 404
    assert outcomes.get(f"/flags/{flag['flag_id']}", key="integrator").status_code == 403

    audit = {(a["actor"], a["action"], a["resource_type"], a["resource_id"])
             for a in rows(platform, "audit_log", patient_id=enrollment["patient_id"])}
    assert ("dev-riverside", "read", "assessment", assessment_id) in audit
    assert ("dev-riverside", "read", "risk_flag", flag["flag_id"]) in audit
    assert not any(actor == "dev-lakeside" for actor, *_ in audit)
