"""POST /assessments against the real broker and database: scores, flags, items kept, audit."""
import time
from datetime import datetime, timedelta, timezone

from tests.integration.outcomes.scenario import assess, enroll, gad7, phq9, rows, who5

RISK = ("outcomes", "RiskFlagRaised")
SCORED = ("outcomes", "AssessmentScored")


def test_item_nine_at_two_raises_a_high_risk_flag_received_within_a_second(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK)

    response = assess(outcomes, enrollment, "phq9", phq9(12, item9=2), on_day=7)
    answered = time.monotonic()

    assert response.status_code == 201, response.text
    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert time.monotonic() - answered < 1.0
    assert flag["data"] == {"site_id": "riverside", "assessment_id": response.json()["assessment_id"],
                            "patient_id": enrollment["patient_id"],
                            "enrollment_id": enrollment["enrollment_id"],
                            "level": "high", "reason": "phq9_item9", "flag_id": flag["data"]["flag_id"]}
    assert response.json()["flags"] == [{"reason": "phq9_item9", "level": "high"}]
    listed = outcomes.get(f"/flags?enrollment_id={enrollment['enrollment_id']}", key="riverside").json()
    assert [(f["flag_id"], f["assessment_id"], f["level"]) for f in listed["flags"]] == [
        (flag["data"]["flag_id"], response.json()["assessment_id"], "high")]


def test_score_is_answered_against_the_screening_baseline_and_published_without_items(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)  # screening phq9 17
    watcher = subscriber(SCORED)

    response = assess(outcomes, enrollment, "phq9", phq9(11), on_day=7)

    assert response.status_code == 201, response.text
    answer = response.json()
    assert {k: answer[k] for k in ("total_score", "severity", "baseline_score", "change_from_baseline",
                                   "reliable_change", "is_baseline", "flags")} == {
        "total_score": 11, "severity": "moderate", "baseline_score": 17, "change_from_baseline": -6,
        "reliable_change": "improved", "is_baseline": False, "flags": []}
    [event] = watcher.wait_for("AssessmentScored")
    assert set(event["data"]) == {"site_id", "assessment_id", "patient_id", "enrollment_id", "instrument",
                                  "administered_at", "total_score", "severity", "baseline_score",
                                  "change_from_baseline", "reliable_change"}
    assert event["data"]["total_score"] == 11 and event["data"]["baseline_score"] == 17


def test_reliable_deterioration_raises_a_moderate_flag(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)  # screening gad7 12
    watcher = subscriber(RISK)

    response = assess(outcomes, enrollment, "gad7", gad7(16), on_day=7)
    assert response.json()["reliable_change"] == "deteriorated"
    assess(outcomes, enrollment, "phq9", phq9(15), on_day=7)  # the week's other measure is in

    [flag] = watcher.wait_for("RiskFlagRaised")
    assert (flag["data"]["reason"], flag["data"]["level"]) == ("reliable_deterioration", "moderate")
    assert flag["data"]["instruments"] == ["gad7"]
    assert flag["data"]["assessment_id"] == response.json()["assessment_id"]


def test_first_who5_is_the_baseline_and_later_ones_compare_with_it(platform, outcomes):
    enrollment = enroll(platform, outcomes)

    first = assess(outcomes, enrollment, "who5", who5(32), on_day=0).json()
    later = assess(outcomes, enrollment, "who5", who5(60), on_day=28).json()

    assert (first["total_score"], first["is_baseline"], first["change_from_baseline"]) == (32, True, None)
    assert (later["baseline_score"], later["change_from_baseline"], later["reliable_change"]) == (
        32, 28, "improved")


def test_trajectories_keep_the_items_per_instrument_and_reads_are_audited(platform, outcomes):
    enrollment = enroll(platform, outcomes)
    assess(outcomes, enrollment, "phq9", phq9(14), on_day=7)
    assess(outcomes, enrollment, "phq9", phq9(9), on_day=14)

    response = outcomes.get(f"/patients/{enrollment['patient_id']}/assessments", key="riverside")

    assert response.status_code == 200, response.text
    [episode] = response.json()["episodes"]
    phq = episode["trajectories"]["phq9"]
    assert phq["screening_score"] == 17
    assert [s["total_score"] for s in phq["scores"]] == [14, 9]
    assert phq["scores"][1]["responses"] == phq9(9)
    assert episode["trajectories"]["gad7"] == {"screening_score": 12, "scores": []}
    audit = [(a["actor"], a["action"], a["resource_type"])
             for a in rows(platform, "audit_log", patient_id=enrollment["patient_id"])
             if a["resource_type"] in ("assessment", "assessments")]
    assert sorted(audit) == [("dev-admin", "create", "assessment"), ("dev-admin", "create", "assessment"),
                             ("dev-riverside", "read", "assessments")]


def test_an_assessment_fulfils_the_due_one(platform, outcomes):
    enrollment = enroll(platform, outcomes)

    assess(outcomes, enrollment, "phq9", phq9(12), on_day=6)

    items = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/schedule").json()["items"]
    fulfilled = [(i["instrument"], i["due_on"]) for i in items if i["status"] == "fulfilled"]
    assert fulfilled == [("phq9", str(enrollment["start_date"] + timedelta(days=7)))]


def test_bad_answers_are_refused_naming_field_and_item_and_nothing_is_stored_or_published(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(SCORED, RISK)

    # Item 9 at 0: a refused PHQ-9 with a positive item 9 still raises its flag (test_safety.py).
    refused = assess(outcomes, enrollment, "phq9", [0, 0, 0, 0, 5, 0, 0, 0, 0])
    short = assess(outcomes, enrollment, "gad7", [1, 1, 1])
    accepted = assess(outcomes, enrollment, "phq9", phq9(10), on_day=7)

    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert list(refused.json()["errors"]) == ["responses.4"]
    assert "item 5" in refused.json()["errors"]["responses.4"][0]
    assert short.status_code == 422 and "expected 7 items" in short.json()["errors"]["responses"][0]
    watcher.wait_for("AssessmentScored")
    watcher.drain()
    assert [e["data"]["assessment_id"] for e in watcher.received] == [accepted.json()["assessment_id"]]
    assert len(rows(platform, "assessments", patient_id=enrollment["patient_id"])) == 1


def test_an_unknown_patient_is_not_found(platform, outcomes):
    response = outcomes.post("/assessments", {
        "patient_id": "0b6f5c1e-8a43-4f0e-9d2a-6c1f4e2b7a10", "instrument": "gad7",
        "responses": [0] * 7, "administered_at": "2026-01-05T15:00:00+00:00"})

    assert response.status_code == 404


def test_implausible_administration_times_are_422_and_store_nothing(platform, outcomes):
    enrollment = enroll(platform, outcomes)
    screened_on = enrollment["screening"]["screened_on"]
    before_referral = datetime.combine(screened_on - timedelta(days=1), datetime.min.time(),
                                       tzinfo=timezone.utc) + timedelta(hours=15)
    for administered_at, message in ((before_referral.isoformat(), "screening day"),
                                     ("0001-01-01T00:00:00+00:00", "greater than or equal")):
        response = outcomes.post("/assessments", {
            "patient_id": enrollment["patient_id"], "instrument": "phq9", "responses": [1] * 9,
            "administered_at": administered_at})
        assert response.status_code == 422, response.text
        assert message in response.json()["errors"]["administered_at"][0]
    trajectories = outcomes.get(f"/patients/{enrollment['patient_id']}/assessments").json()[
        "episodes"][0]["trajectories"]
    assert trajectories["phq9"]["scores"] == []
