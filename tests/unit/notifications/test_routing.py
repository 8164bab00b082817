"""Who is told, and how: alert rules, staff routing, and patient consent."""
from services.notifications.domain import routing
from shared.clinical import load_clinical_rules

RULES = load_clinical_rules()["notifications"]
ON_CALL_A = {"staff_id": "a", "name": "A", "email": "a@clinic.test", "phone": "+15550001", "languages": ["en"]}
ON_CALL_B = {"staff_id": "b", "name": "B", "email": None, "phone": "+15550002", "languages": ["es", "en"]}
THERAPIST = {"staff_id": "t", "name": "T", "email": "t@clinic.test", "phone": "+15550003", "languages": ["es"]}
TEAM = {"site_id": "riverside", "on_call": [ON_CALL_A, ON_CALL_B], "primary_clinician": THERAPIST}
NO_THERAPIST = {**TEAM, "primary_clinician": None}


def contact(channels, email="p@example.test", phone="+15559999"):
    return {"patient_id": "p", "site_id": "riverside", "given_name": "Ana", "family_name": "R",
            "preferred_language": "es", "interpreter_needed": False,
            "email": email if "email" in channels else None,
            "phone": phone if "sms" in channels else None, "channels": list(channels)}


def deliveries(plan, team, enabled=("email", "sms")):
    return {(d.staff_id, d.channel) for d in routing.alert_recipients(plan, team, enabled)}


# -- alerts --------------------------------------------------------------------------------

def test_high_risk_alerts_every_on_call_member_and_the_primary_clinician_by_every_channel():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")

    assert plan == routing.AlertPlan("risk", "high")
    assert deliveries(plan, TEAM) == {("a", "email"), ("a", "sms"), ("b", "sms"),
                                      ("t", "email"), ("t", "sms")}


def test_high_risk_uses_only_the_channels_this_service_can_send_by():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")

    assert deliveries(plan, TEAM, enabled=("email",)) == {("a", "email"), ("t", "email")}


def test_high_risk_with_nobody_on_call_reaches_the_primary_clinician():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")

    assert deliveries(plan, {**TEAM, "on_call": []}) == {("t", "email"), ("t", "sms")}


def test_high_risk_reaches_a_primary_clinician_who_is_also_on_call_once_per_channel():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")
    team = {"on_call": [THERAPIST], "primary_clinician": THERAPIST}

    assert [(d.staff_id, d.channel) for d in routing.alert_recipients(plan, team)] == [
        ("t", "email"), ("t", "sms")]


def test_moderate_risk_with_a_primary_clinician_without_a_channel_goes_to_on_call():
    plan = routing.alert_for_risk_flag("moderate", "phq9_item9")
    silent = {**THERAPIST, "email": None, "phone": None}

    assert deliveries(plan, {**TEAM, "primary_clinician": silent}) == {("a", "email"), ("b", "sms")}


def test_why_nobody_was_reachable_no_staff_or_no_channel():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")
    silent = {"staff_id": "s", "email": None, "phone": None}
    no_channel = {"on_call": [silent], "primary_clinician": {**silent, "staff_id": "p"}}

    assert deliveries(plan, no_channel) == set()
    assert routing.unreachable_reason(no_channel) == "no_channel"
    assert routing.unreachable_reason({"on_call": [], "primary_clinician": None}) == "no_staff"
    assert routing.unreachable_reason(None) == "no_staff"
    # Only the channels this service sends by count: an SMS-only team without SMS has no channel.
    sms_only = {"on_call": [ON_CALL_B], "primary_clinician": None}
    assert deliveries(plan, sms_only, enabled=("email",)) == set()
    assert routing.unreachable_reason(sms_only) == "no_channel"


def test_a_cssrs_due_for_the_care_team_alerts_them_as_a_high_risk_does():
    plan = routing.alert_for_care_team_assessment("cssrs")

    assert plan == routing.AlertPlan("risk", "high", "cssrs_due")
    assert deliveries(plan, TEAM) == {("a", "email"), ("a", "sms"), ("b", "sms"),
                                      ("t", "email"), ("t", "sms")}


def test_moderate_risk_goes_to_the_primary_clinician_by_one_channel():
    plan = routing.alert_for_risk_flag("moderate", "phq9_item9")

    assert deliveries(plan, TEAM) == {("t", "email")}


def test_moderate_risk_without_a_primary_clinician_goes_to_on_call():
    plan = routing.alert_for_risk_flag("moderate", "reliable_deterioration")

    assert plan.reason == "deterioration"
    assert deliveries(plan, NO_THERAPIST) == {("a", "email"), ("b", "sms")}


def test_alert_with_nobody_reachable_has_no_recipients():
    plan = routing.alert_for_risk_flag("high", "phq9_item9")

    assert deliveries(plan, None) == set()
    assert deliveries(plan, {"on_call": [], "primary_clinician": None}) == set()


def test_second_unexcused_absence_in_a_row_alerts_the_care_team():
    assert routing.alert_for_missed_sessions(False, 1, RULES) is None
    assert routing.alert_for_missed_sessions(False, 2, RULES) == routing.AlertPlan("missed_sessions", "moderate")
    assert routing.alert_for_missed_sessions(False, 3, RULES) is not None


def test_excused_absence_neither_alerts_nor_checks_in():
    assert routing.alert_for_missed_sessions(True, 4, RULES) is None
    assert routing.checks_in_after_missed_session(True) is False
    assert routing.checks_in_after_missed_session(False) is True


def test_staff_found_among_on_call_or_primary_clinician():
    assert routing.find_staff(TEAM, "t") == THERAPIST
    assert routing.find_staff(TEAM, "b") == ON_CALL_B
    assert routing.find_staff(NO_THERAPIST, "t") is None
    assert routing.find_staff(None, "a") is None


# -- patient consent -----------------------------------------------------------------------

def test_email_consent_sends_by_email():
    assert routing.patient_channel(contact(["email"])) == "email"
    assert routing.patient_channel(contact(["email", "sms"])) == "email"


def test_sms_only_consent_sends_by_sms():
    assert routing.patient_channel(contact(["sms"])) == "sms"


def test_no_consent_means_no_patient_message():
    assert routing.patient_channel(contact([])) is None
    assert routing.patient_channel(None) is None


def test_consent_without_an_address_is_not_a_channel():
    assert routing.patient_channel(contact(["email", "sms"], email=None)) == "sms"
    assert routing.patient_channel(contact(["email"], email=None)) is None


def test_address_given_without_consent_is_not_used():
    unconsented = {**contact(["sms"]), "email": "p@example.test"}

    assert routing.patient_channel(unconsented) == "sms"


def test_consented_channel_this_service_cannot_send_by_is_skipped():
    assert routing.patient_channel(contact(["sms"]), enabled=("email",)) is None
    assert routing.patient_channel(contact(["email", "sms"]), enabled=("sms",)) == "sms"

