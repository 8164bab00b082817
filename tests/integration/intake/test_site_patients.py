"""A site's patient ids (the FHIR gateway's bulk export list): ids only, its site only, audited."""
from tests.integration.intake.scenario import refer, rows


def test_a_site_lists_its_own_patients_ids_only_and_the_listing_is_audited(platform, intake):
    mine = sorted(refer(intake)["patient_id"] for _ in range(2))
    refer(intake, site_id="lakeside")

    listed = intake.get("/sites/riverside/patients", key="riverside")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"site_id": "riverside", "patient_ids": mine}

    assert intake.get("/sites/lakeside/patients", key="riverside").status_code == 404
    assert intake.get("/sites/nowhere/patients", key="admin").status_code == 404
    assert intake.get("/sites/riverside/patients", key="integrator").status_code == 403
    audit = [(r["actor"], r["action"], r["resource_type"], r["site_id"]) for r in rows(platform, "audit_log")
             if r["resource_type"] == "patients"]
    assert audit == [("dev-riverside", "list", "patients", "riverside")]
