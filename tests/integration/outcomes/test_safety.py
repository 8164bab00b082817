"""The safety loop of outcomes over HTTP and the real broker: incomplete questionnaires keep their
risk answers, a refused PHQ-9 still raises its item-9 flag, a referral's screening risk is flagged at
once, and a positive item 9 puts the C-SSRS screener due, which is scored into its risk levels."""
import time
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tests.integration.outcomes.scenario import assess, enroll, phq9, rows, who5
from tests.support.events import publish_event
from tests.unit.event_examples import example

RISK = ("outcomes", "RiskFlagRaised")
SCORED = ("outcomes", "AssessmentScored")
DUE = ("outcomes", "AssessmentDue")
RIVERSIDE = ZoneInfo("America/New_York")  # the development configuration's riverside site


def riverside_today():
    return datetime.now(RIVERSIDE).date().isoformat()


def post(outcomes, body, key="admin"):
    return outcomes.post("/assessments", {"administered_at": datetime.now(timezone.utc).isoformat(),
                                          **body}, key=key)


def refer(platform, risk_level, site_id="riverside", **changes):
    data = example("PatientReferred", site_id=site_id, referral_id=str(uuid.uuid4()),
                   patient_id=str(uuid.uuid4()), risk_level=risk_level, **changes)
    envelope = publish_event(platform.amqp_uri, "PatientReferred", data, site_id=site_id)
    return data, envelope


# --- incomplete questionnaires ---------------------------------------------------------------

def test_an_incomplete_phq9_with_item_nine_at_two_is_recorded_and_raises_a_high_flag_at_once(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK, SCORED, DUE)

    response = assess(outcomes, enrollment, "phq9", [1, None, 2, 0, None, 0, 0, 0, 2], on_day=7)
    answered = time.monotonic()

    assert response.status_code == 201, response.text
    answer = response.json()
    assert {k: answer[k] for k in ("total_score", "severity", "baseline_score", "change_from_baseline",
                                   "reliable_change", "complete", "is_baseline", "flags")} == {
        "total_score": None, "severity": None, "baseline_score": None, "change_from_baseline": None,
        "reliable_change": None, "complete": False, "is_baseline": False,
        "flags": [{"reason": "phq9_item9", "level": "high"}]}
    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert time.monotonic() - answered < 1.0
    assert (flag["data"]["level"], flag["data"]["reason"], flag["data"]["assessment_id"]) == (
        "high", "phq9_item9", answer["assessment_id"])
    [stored] = rows(platform, "assessments", assessment_id=answer["assessment_id"])
    assert (stored["complete"], stored["total_score"], stored["responses"]) == (
        False, None, [1, None, 2, 0, None, 0, 0, 0, 2])
    watcher.wait_for("AssessmentDue")
    watcher.drain()
    assert "AssessmentScored" not in [e["type"] for e in watcher.received]  # its total is not a score


def test_an_incomplete_phq9_item_nine_at_one_raises_a_moderate_flag(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK)

    response = assess(outcomes, enrollment, "phq9", [None] * 8 + [1], on_day=7)

    assert response.status_code == 201, response.text
    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert flag["data"]["level"] == "moderate"


def test_an_incomplete_assessment_is_never_the_baseline_nor_the_final_score(platform, outcomes):
    enrollment = enroll(platform, outcomes)  # who5 not screened: its first complete score is the baseline

    incomplete = assess(outcomes, enrollment, "who5", [5, 5, None, 5, 5], on_day=0).json()
    first = assess(outcomes, enrollment, "who5", who5(32), on_day=1).json()
    later_incomplete = assess(outcomes, enrollment, "who5", [None, 0, 0, 0, 0], on_day=30).json()

    assert (incomplete["complete"], incomplete["is_baseline"]) == (False, False)
    assert (first["complete"], first["is_baseline"], first["baseline_score"]) == (True, True, None)
    assert later_incomplete["total_score"] is None
    summary = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary").json()
    [measure] = [m for m in summary["measures"] if m["instrument"] == "who5"]
    assert (measure["baseline_score"], measure["final_score"]) == (None, 32)


def test_all_unanswered_a_wrong_count_or_an_out_of_range_answer_stays_422(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK, SCORED)

    none_answered = assess(outcomes, enrollment, "phq9", [None] * 9, on_day=7)
    short = assess(outcomes, enrollment, "gad7", [None, 1, 1], on_day=7)
    out_of_range = assess(outcomes, enrollment, "gad7", [None, 4, 0, 0, 0, 0, 0], on_day=7)

    assert none_answered.status_code == 422 and list(none_answered.json()["errors"]) == ["responses"]
    assert short.status_code == 422 and "expected 7 items" in short.json()["errors"]["responses"][0]
    assert out_of_range.status_code == 422 and list(out_of_range.json()["errors"]) == ["responses.1"]
    assert rows(platform, "assessments", patient_id=enrollment["patient_id"]) == []
    assert watcher.drain() == []


# --- the safety net: a refused PHQ-9 keeps its item-9 answer ---------------------------------

def test_a_refused_phq9_with_a_positive_item_nine_still_raises_its_flag(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK, SCORED)

    refused = assess(outcomes, enrollment, "phq9", [0, 0, 0, 7, 0, 0, 0, 0, 2], on_day=7)
    answered = time.monotonic()

    assert refused.status_code == 422
    problem = refused.json()
    assert list(problem["errors"]) == ["responses.3"]
    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert time.monotonic() - answered < 1.0
    assert {k: flag["data"][k] for k in ("assessment_id", "enrollment_id", "patient_id", "level", "reason")} == {
        "assessment_id": None, "enrollment_id": enrollment["enrollment_id"],
        "patient_id": enrollment["patient_id"], "level": "high", "reason": "phq9_item9"}
    assert problem["risk_flag_raised"] == {"flag_id": flag["data"]["flag_id"], "level": "high",
                                           "reason": "phq9_item9"}
    assert rows(platform, "assessments", patient_id=enrollment["patient_id"]) == []  # nothing else stored
    listed = outcomes.get(f"/flags?patient_id={enrollment['patient_id']}").json()["flags"]
    assert [f["flag_id"] for f in listed] == [flag["data"]["flag_id"]]


def test_a_phq9_refused_by_its_schema_still_raises_its_item_nine_flag(platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK)

    refused = outcomes.post("/assessments", {  # administered_at missing: refused by the body schema
        "patient_id": enrollment["patient_id"], "instrument": "phq9", "responses": [0] * 8 + [1]})

    assert refused.status_code == 422 and "administered_at" in refused.json()["errors"]
    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert flag["data"]["level"] == "moderate"
    assert refused.json()["risk_flag_raised"]["level"] == "moderate"


def test_no_flag_from_a_refused_phq9_without_a_positive_item_nine_or_a_visible_episode(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)  # riverside
    watcher = subscriber(RISK)

    zero = assess(outcomes, enrollment, "phq9", [0, 0, 0, 7, 0, 0, 0, 0, 0], on_day=7)
    out_of_range = assess(outcomes, enrollment, "phq9", [0] * 8 + [4], on_day=7)
    other_site = assess(outcomes, enrollment, "phq9", [0, 0, 0, 7, 0, 0, 0, 0, 2], on_day=7,
                        key="lakeside")
    unknown = outcomes.post("/assessments", {
        "patient_id": str(uuid.uuid4()), "instrument": "phq9", "responses": [0, 0, 0, 7, 0, 0, 0, 0, 2],
        "administered_at": datetime.now(timezone.utc).isoformat()})

    for refused in (zero, out_of_range, other_site, unknown):
        assert refused.status_code == 422, refused.text
        assert "risk_flag_raised" not in refused.json()
    assert watcher.drain() == []


# --- risk at referral ------------------------------------------------------------------------

def test_a_referral_with_a_high_risk_screening_raises_a_flag_and_puts_the_cssrs_due_at_once(
        platform, outcomes, subscriber):
    watcher = subscriber(RISK, DUE)

    data, _ = refer(platform, "high", recommendation="higher_level_of_care", recommended_track=None)
    published = time.monotonic()

    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert time.monotonic() - published < 1.0
    assert flag["data"] == {"site_id": "riverside", "flag_id": flag["data"]["flag_id"],
                            "assessment_id": None, "enrollment_id": None,
                            "patient_id": data["patient_id"], "referral_id": data["referral_id"],
                            "level": "high", "reason": "phq9_item9"}
    [due] = watcher.wait_for("AssessmentDue", timeout=1.0)
    assert due["data"] == {"site_id": "riverside", "patient_id": data["patient_id"], "enrollment_id": None,
                           "referral_id": data["referral_id"], "instrument": "cssrs",
                           "due_on": riverside_today(), "respondent": "care_team"}
    listed = outcomes.get(f"/flags?referral_id={data['referral_id']}", key="riverside").json()["flags"]
    assert [(f["flag_id"], f["referral_id"], f["enrollment_id"], f["level"]) for f in listed] == [
        (flag["data"]["flag_id"], data["referral_id"], None, "high")]
    assert outcomes.get(f"/flags?referral_id={data['referral_id']}", key="lakeside").json()["flags"] == []


def test_a_moderate_referral_risk_raises_a_moderate_flag(platform, outcomes, subscriber):
    watcher = subscriber(RISK)

    data, _ = refer(platform, "moderate", recommendation="standard_outpatient", recommended_track=None)

    [flag] = watcher.wait_for("RiskFlagRaised", timeout=1.0)
    assert (flag["data"]["level"], flag["data"]["referral_id"]) == ("moderate", data["referral_id"])


def test_a_referral_is_flagged_once_however_often_it_arrives(platform, outcomes, subscriber):
    watcher = subscriber(RISK, DUE)

    data, envelope = refer(platform, "high")
    watcher.wait_for("AssessmentDue")
    publish_event(platform.amqp_uri, "PatientReferred", data, site_id="riverside",
                  event_id=envelope["id"])  # a redelivery: the inbox skips it
    publish_event(platform.amqp_uri, "PatientReferred", data, site_id="riverside")  # sent again
    watcher.drain(quiet_for=1.0)

    assert [e["type"] for e in watcher.received] == ["RiskFlagRaised", "AssessmentDue"]
    assert len(rows(platform, "risk_flags", referral_id=data["referral_id"])) == 1


def test_a_referral_without_risk_raises_nothing(platform, outcomes, subscriber):
    watcher = subscriber(RISK, DUE)

    without, _ = refer(platform, None)
    absent = example("PatientReferred", referral_id=str(uuid.uuid4()), patient_id=str(uuid.uuid4()))
    publish_event(platform.amqp_uri, "PatientReferred", absent, site_id="riverside")
    marker, _ = refer(platform, "moderate")  # in order after the two above

    watcher.wait_for("AssessmentDue")
    watcher.drain()
    assert {e["data"]["patient_id"] for e in watcher.received} == {marker["patient_id"]}
    assert rows(platform, "referrals", referral_id=without["referral_id"]) == []


# --- C-SSRS follow-up ------------------------------------------------------------------------

def test_a_positive_item_nine_in_an_assessment_puts_the_cssrs_due_for_the_care_team(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(DUE)

    assess(outcomes, enrollment, "phq9", phq9(5), on_day=7)  # item 9 at 0: nothing due
    response = assess(outcomes, enrollment, "phq9", phq9(8, item9=1), on_day=14)
    answered = time.monotonic()

    assert response.status_code == 201, response.text
    [due] = watcher.wait_for("AssessmentDue", where=lambda e: e["data"]["instrument"] == "cssrs", timeout=1.0)
    assert time.monotonic() - answered < 1.0
    assert due["data"] == {"site_id": "riverside", "patient_id": enrollment["patient_id"],
                           "enrollment_id": enrollment["enrollment_id"], "instrument": "cssrs",
                           "due_on": riverside_today(), "respondent": "care_team"}
    watcher.drain()
    assert len([e for e in watcher.received if e["data"]["instrument"] == "cssrs"]) == 1


CSSRS_CASES = [  # (answers, q6 within 3 months, published risk level, flag level)
    ([0, 0, 0, 0, 0, 0], None, "none", None),
    ([1, 1, 0, 0, 0, 0], None, "low", None),
    ([1, 1, 1, 0, 0, 0], None, "moderate", None),
    ([1, 0, 0, 0, 0, 1], False, "moderate", None),
    ([1, 1, 1, 1, 0, 0], None, "high", "high"),
    ([1, 1, 1, 1, 1, 0], None, "high", "high"),
    ([0, 0, 0, 0, 0, 1], True, "high", "high"),
]


def test_a_cssrs_is_scored_into_its_risk_levels_and_high_risk_raises_a_high_flag(
        platform, outcomes, subscriber):
    enrollment = enroll(platform, outcomes)
    watcher = subscriber(RISK, SCORED)

    answers = []
    for responses, recent, level, _ in CSSRS_CASES:
        response = post(outcomes, {"patient_id": enrollment["patient_id"], "instrument": "cssrs",
                                   "responses": responses, "q6_within_3_months": recent})
        assert response.status_code == 201, response.text
        answers.append(response.json())

    assert [a["severity"] for a in answers] == [level for _, _, level, _ in CSSRS_CASES]
    assert [a["total_score"] for a in answers] == [sum(r) for r, _, _, _ in CSSRS_CASES]
    assert [a["flags"] for a in answers] == [
        [{"reason": "cssrs", "level": flag}] if flag else [] for _, _, _, flag in CSSRS_CASES]
    flagged = [a["assessment_id"] for a, (_, _, _, flag) in zip(answers, CSSRS_CASES) if flag]
    found = watcher.wait_for("RiskFlagRaised", count=len(flagged), timeout=2.0)
    assert [(e["data"]["assessment_id"], e["data"]["reason"], e["data"]["level"]) for e in found] == [
        (a, "cssrs", "high") for a in flagged]


def test_a_cssrs_after_a_referral_is_scored_before_any_enrollment(platform, outcomes, subscriber):
    watcher = subscriber(RISK)
    data, _ = refer(platform, "high")
    watcher.wait_for("RiskFlagRaised")

    response = post(outcomes, {"patient_id": data["patient_id"], "referral_id": data["referral_id"],
                               "instrument": "cssrs", "responses": [1, 1, 1, 1, 0, 0]}, key="riverside")

    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["severity"], answer["enrollment_id"], answer["referral_id"]) == (
        "high", None, data["referral_id"])
    [flag] = watcher.wait_for("RiskFlagRaised", where=lambda e: e["data"]["reason"] == "cssrs", timeout=1.0)
    assert {k: flag["data"][k] for k in ("assessment_id", "enrollment_id", "referral_id", "level")} == {
        "assessment_id": answer["assessment_id"], "enrollment_id": None, "referral_id": data["referral_id"],
        "level": "high"}
    listed = outcomes.get(f"/flags?referral_id={data['referral_id']}").json()["flags"]
    assert sorted(f["reason"] for f in listed) == ["cssrs", "phq9_item9"]


def test_a_cssrs_for_another_site_s_referral_or_another_instrument_is_refused(platform, outcomes, subscriber):
    watcher = subscriber(RISK)
    data, _ = refer(platform, "high")
    watcher.wait_for("RiskFlagRaised")

    other_site = post(outcomes, {"patient_id": data["patient_id"], "referral_id": data["referral_id"],
                                 "instrument": "cssrs", "responses": [1, 1, 1, 1, 0, 0]}, key="lakeside")
    not_cssrs = post(outcomes, {"patient_id": data["patient_id"], "referral_id": data["referral_id"],
                                "instrument": "gad7", "responses": [0] * 7})

    assert other_site.status_code == 404
    assert not_cssrs.status_code == 422 and list(not_cssrs.json()["errors"]) == ["referral_id"]


def test_a_cssrs_behaviour_needs_its_timing(platform, outcomes):
    enrollment = enroll(platform, outcomes)

    response = post(outcomes, {"patient_id": enrollment["patient_id"], "instrument": "cssrs",
                               "responses": [0, 0, 0, 0, 0, 1]})

    assert response.status_code == 422 and list(response.json()["errors"]) == ["q6_within_3_months"]
