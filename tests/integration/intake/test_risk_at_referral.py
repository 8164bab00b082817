"""Risk at referral: a screening PHQ-9 item 9 above 0 is a risk level (1 moderate, 2 or more
high) whatever the triage, shown on the referral and published in PatientReferred.risk_level
(the outcomes service raises the RiskFlagRaised from it)."""
import pytest

from tests.integration.intake.scenario import refer, rows


def phq9(item9, rest=(0, 0, 0, 0, 0, 0, 0, 0)):
    return [*rest, item9]


# item 9, the other PHQ-9 answers, the GAD-7 → recommendation, flag level (written out here).
CASES = [
    (0, (0,) * 8, [0] * 7, "standard_outpatient", None),
    (1, (0,) * 8, [0] * 7, "standard_outpatient", "moderate"),   # low totals: a risk all the same
    (1, (2, 2, 2, 2, 2, 2, 1, 1), [1] * 7, "iop", "moderate"),
    (2, (0,) * 8, [0] * 7, "higher_level_of_care", "high"),
    (3, (0,) * 8, [0] * 7, "higher_level_of_care", "high"),
]


@pytest.mark.parametrize("item9, rest, gad7, recommendation, level", CASES)
def test_item_nine_at_referral_is_shown_and_published_with_its_level(
        intake, subscriber, item9, rest, gad7, recommendation, level):
    watcher = subscriber(("intake", "PatientReferred"))

    referral = refer(intake, screening={"phq9": phq9(item9, rest), "gad7": gad7})

    flag = None if level is None else {"level": level, "reason": "phq9_item9"}
    assert (referral["recommendation"], referral["risk_flag"]) == (recommendation, flag)
    fetched = intake.get(f"/referrals/{referral['referral_id']}").json()
    assert fetched["risk_flag"] == flag
    data = watcher.wait_for("PatientReferred")[0]["data"]
    assert (data["referral_id"], data["recommendation"], data["risk_level"]) == (
        referral["referral_id"], recommendation, level)


def test_the_level_is_stored_with_the_referral(platform, intake):
    referral = refer(intake, screening={"phq9": phq9(1), "gad7": [0] * 7})

    stored = {row["id"]: row["risk_level"] for row in rows(platform, "referrals")}

    assert stored == {referral["referral_id"]: "moderate"}


def test_a_refused_screening_stores_and_publishes_nothing(platform, intake, subscriber):
    watcher = subscriber(("intake", "PatientReferred"))

    response = intake.post("/referrals", {
        "site_id": "riverside", "source": "self", "patient_id": None,
        "patient": {"given_name": "A", "family_name": "B", "birth_date": "1990-01-01"},
        "consents": {"treatment": True, "email": False, "sms": False},
        "screening": {"phq9": phq9(4), "gad7": [0] * 7}})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"screening.phq9.8"}  # 0-based: the ninth item
    assert rows(platform, "referrals") == []
    assert watcher.drain() == []
