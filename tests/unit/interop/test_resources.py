"""The FHIR mapping as plain functions, each resource validated by the R4 (4.0.1) models."""
import pytest
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from services.interop.domain import resources as fhir
from shared.clinical import load_clinical_rules

PATIENT, SESSION = "0b0c2f6e-1d1a-4c1e-9f63-9a5b1f4f1a01", "5f2b7c3a-8d4e-4b6a-a1c2-3d4e5f6a7b8c"
ENROLLMENT, ASSESSMENT = "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def valid(resource):
    model = FHIRElementFactory.instantiate(resource["resourceType"], resource)
    assert model.as_json() == resource
    return resource


def loinc(instrument):
    return dict(load_clinical_rules()["instruments"][instrument].get("loinc") or {})


def assessment(instrument, responses, total):
    return {"assessment_id": ASSESSMENT, "patient_id": PATIENT, "instrument": instrument,
            "administered_at": "2026-06-05T15:00:00+00:00", "total_score": total,
            "severity": "moderate", "complete": True, "responses": responses}


def test_phq9_gives_the_total_item9_and_panel_with_loinc_codes():
    found = {o["id"].rsplit("-", 1)[1]: valid(o) for o in fhir.observations(
        assessment("phq9", [1, 1, 1, 1, 1, 1, 1, 1, 2], 10), loinc("phq9"))}
    assert found["total"]["code"]["coding"][0]["code"] == "44261-6"
    assert found["total"]["valueQuantity"]["value"] == 10
    assert (found["item9"]["code"]["coding"][0]["code"], found["item9"]["valueInteger"]) == ("44260-8", 2)
    assert found["panel"]["code"]["coding"][0]["code"] == "44249-1"
    assert {m["reference"] for m in found["panel"]["hasMember"]} == {
        f"Observation/{ASSESSMENT}-total", f"Observation/{ASSESSMENT}-item9"}


@pytest.mark.parametrize("instrument, total_code", [
    ("gad7", "70274-6"), ("audit_c", "75626-2"), ("pcl5", "101698-9"), ("dast10", "82667-7")])
def test_each_instrument_total_carries_its_loinc_code(instrument, total_code):
    (total, *_) = fhir.observations(assessment(instrument, [1, 1, 1], 3), loinc(instrument))
    assert valid(total)["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": total_code, "display": f"{instrument} total score"}


@pytest.mark.parametrize("instrument", ["who5", "cssrs"])
def test_an_instrument_without_a_loinc_code_uses_the_platform_code_system(instrument):
    (total,) = fhir.observations(assessment(instrument, [1, 0, 0, 0, 0], 1), loinc(instrument))
    assert valid(total)["code"]["coding"][0]["system"] == "https://iop.example/fhir/CodeSystem/instrument-score"
    assert total["code"]["coding"][0]["code"] == f"{instrument}-total"


def test_an_attended_session_is_part_of_the_group_encounter_and_its_id_finds_it_again():
    session = {"session_id": SESSION, "kind": "group", "modality": "cbt_group", "staff_id": None,
               "starts_at": "2026-06-01T13:00:00+00:00", "ends_at": "2026-06-01T16:00:00+00:00",
               "status": "scheduled", "bookings": [
                   {"booking_id": "b1", "patient_id": PATIENT, "status": "booked",
                    "attendance": {"status": "attended", "attended_minutes": 170}}]}
    encounter = valid(fhir.patient_encounter(session, PATIENT, session["bookings"][0]["attendance"]))
    assert encounter["partOf"] == {"reference": f"Encounter/{SESSION}"}
    assert len(encounter["id"]) == 64
    assert fhir.split_patient_encounter_id(encounter["id"]) == (SESSION, PATIENT)
    assert fhir.split_patient_encounter_id(SESSION) is None
    assert valid(fhir.group_encounter(session))["id"] == SESSION
    assert valid(fhir.appointment(session))["status"] == "fulfilled"


def test_a_discharged_episode_has_finished_status_history_and_its_reason():
    episode = valid(fhir.episode_of_care({
        "enrollment_id": ENROLLMENT, "patient_id": PATIENT, "site_id": "riverside",
        "referral_id": ASSESSMENT, "track": "depression", "start_date": "2026-06-01",
        "discharge": {"reason": "higher_level_of_care", "on": "2026-06-20"}}))
    assert episode["status"] == "finished"
    assert episode["statusHistory"] == [
        {"status": "active", "period": {"start": "2026-06-01", "end": "2026-06-20"}},
        {"status": "finished", "period": {"start": "2026-06-20"}}]
    assert episode["extension"][1]["valueCoding"]["code"] == "higher_level_of_care"
    waiting = fhir.episode_of_care({
        "enrollment_id": ENROLLMENT, "patient_id": PATIENT, "site_id": "riverside",
        "referral_id": ASSESSMENT, "track": "depression", "start_date": "2026-06-01",
        "discharge": None}, waitlisted=True)
    assert valid(waiting)["status"] == "waitlist"


def test_the_discharge_summary_is_a_document_reference_with_loinc_18842_5_and_its_pdf_a_binary():
    summary = {"enrollment_id": ENROLLMENT, "patient_id": PATIENT, "site_id": "riverside",
               "status": "completed", "start_date": "2026-06-01", "ended_on": "2026-07-10",
               "final": True, "computed_at": "2026-07-10T18:00:00+00:00"}
    document = valid(fhir.document_reference(summary, "http://127.0.0.1:8006/fhir"))
    assert document["type"]["coding"] == [{"system": "http://loinc.org", "code": "18842-5",
                                           "display": "Discharge summary"}]
    assert (document["id"], document["subject"]["reference"], document["date"]) == (
        ENROLLMENT, f"Patient/{PATIENT}", "2026-07-10T18:00:00Z")
    attachment = document["content"][0]["attachment"]
    assert (attachment["contentType"], attachment["url"]) == (
        "application/pdf", f"http://127.0.0.1:8006/fhir/Binary/{ENROLLMENT}")
    assert document["context"]["related"] == [{"reference": f"EpisodeOfCare/{ENROLLMENT}"}]
    assert valid(fhir.binary(ENROLLMENT, "JVBERi0="))["contentType"] == "application/pdf"
