"""The referring provider at referral, and the patient's consent to share with them (issue 17, point 2's start)."""
from tests.integration.intake.scenario import referral_body, rows

REFERRER = {"name": "Dr. Imani Cole", "organization": "Northside Family Medicine",
            "direct_address": "imani.cole@direct.northside.example", "npi": "1234567893",
            "consent_to_share": True}


def test_the_referrer_and_the_consent_to_share_are_recorded_shown_and_changeable(intake, platform):
    created = intake.post("/referrals", referral_body(referrer=REFERRER))
    assert created.status_code == 201, created.text
    referral = created.json()
    shown = intake.get(f"/referrals/{referral['referral_id']}", key="riverside").json()["referrer"]
    assert {k: shown[k] for k in REFERRER} == REFERRER and shown["consent_recorded_at"]

    withdrawn = intake.put(f"/referrals/{referral['referral_id']}/referrer-consent",
                           {"consent_to_share": False}, key="riverside")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["referrer"]["consent_to_share"] is False
    assert intake.get(f"/referrals/{referral['referral_id']}").json()["referrer"]["consent_to_share"] is False
    assert intake.put(f"/referrals/{referral['referral_id']}/referrer-consent",
                      {"consent_to_share": True}, key="lakeside").status_code == 404
    audit = [(r["actor"], r["action"]) for r in rows(platform, "audit_log")
             if r["resource_type"] == "referrer_consent"]
    assert audit == [("dev-riverside", "update")]


def test_a_bad_referrer_is_refused_naming_each_field_and_changes_nothing(intake, platform):
    bad = {**REFERRER, "npi": "1234567890", "direct_address": "not-an-address"}
    del bad["consent_to_share"]
    refused = intake.post("/referrals", referral_body(referrer=bad))
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"referrer.npi", "referrer.direct_address",
                                             "referrer.consent_to_share"}
    assert rows(platform, "referrals") == []

    plain = intake.post("/referrals", referral_body()).json()
    assert plain["referrer"] is None
    answer = intake.put(f"/referrals/{plain['referral_id']}/referrer-consent", {"consent_to_share": True})
    assert answer.status_code == 422 and set(answer.json()["errors"]) == {"consent_to_share"}
