"""The risk events of the clinical safety loop as notifications reads them: a flag raised at
referral (RiskFlagRaised v2, no enrollment), a v1 flag, a deterioration of several instruments,
and a C-SSRS screener due for the care team (AssessmentDue v2)."""
import time

from demo.launch import wait_until
from tests.integration.notifications.events import (assessment_due, cssrs_due_for_care_team,
                                                    risk_flag_at_referral, risk_flag_raised,
                                                    risk_flag_raised_v1)


def test_a_flag_raised_at_referral_alerts_the_on_call_staff_within_a_second(clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = [clinic.add_on_call_staff(), clinic.add_on_call_staff()]
    patient = clinic.refer_patient()
    started = time.monotonic()

    flag = risk_flag_at_referral(clinic.platform.amqp_uri, patient["patient_id"], patient["referral_id"],
                                 level="moderate")

    [event] = alerted.wait_for("CareTeamAlerted", timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert event["data"]["reason"] == "risk" and event["data"]["cause_event_id"] == flag["id"]
    assert event["data"]["patient_id"] == patient["patient_id"]
    for staff in on_call:  # no primary clinician is known yet: every on-call member
        assert event["data"]["alert_id"] in mailbox.wait_for(staff["email"], timeout=5)[0]["body"]
    [alert] = clinic.notifications.get("/alerts").json()["alerts"]
    assert alert["referral_id"] == patient["referral_id"] and alert["level"] == "moderate"


def test_a_v1_risk_flag_still_alerts(clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()

    flag = risk_flag_raised_v1(clinic.platform.amqp_uri, patient["patient_id"])

    [event] = alerted.wait_for("CareTeamAlerted", timeout=2.0)
    assert event["data"]["cause_event_id"] == flag["id"] and event["data"]["level"] == "high"
    mailbox.wait_for(on_call["email"])
    assert clinic.notifications.get("/alerts").json()["alerts"][0]["referral_id"] is None


def test_a_deterioration_of_several_instruments_is_one_alert(clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()

    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"], level="moderate",
                     reason="reliable_deterioration", instruments=["phq9", "gad7", "pcl5"])

    [event] = alerted.wait_for("CareTeamAlerted")
    assert event["data"]["reason"] == "deterioration"
    mailbox.wait_for(on_call["email"])
    assert len(alerted.drain()) == 1
    assert len(clinic.notifications.get("/alerts").json()["alerts"]) == 1
    assert len(mailbox.to(on_call["email"])) == 1


def test_a_cssrs_due_for_the_care_team_alerts_them_and_does_not_message_the_patient(
        clinic, mailbox, subscriber):
    alerted = subscriber(("notifications", "CareTeamAlerted"))
    on_call = clinic.add_on_call_staff()
    patient = clinic.refer_patient()

    due = cssrs_due_for_care_team(clinic.platform.amqp_uri, patient["patient_id"], patient["referral_id"])

    [event] = alerted.wait_for("CareTeamAlerted", timeout=2.0)
    assert event["data"]["cause_event_id"] == due["id"] and event["data"]["level"] == "high"
    [mail] = mailbox.wait_for(on_call["email"])
    assert mail["subject"] == "Safety follow-up due at Riverside Clinic"
    assert event["data"]["alert_id"] in mail["body"] and "ssrs" not in mail["body"].lower()
    [alert] = clinic.notifications.get("/alerts").json()["alerts"]
    assert (alert["kind"], alert["referral_id"]) == ("cssrs_due", patient["referral_id"])
    listed = clinic.wait_for_notifications(patient["patient_id"], 2)  # to on-call by email and SMS
    assert {n["recipient_type"] for n in listed} == {"staff"}
    assert mailbox.to(patient["email"]) == []


def test_an_assessment_due_for_the_patient_still_messages_the_patient(clinic, mailbox):
    patient = clinic.refer_patient()

    cssrs_due_for_care_team(clinic.platform.amqp_uri, patient["patient_id"], respondent="patient")
    assessment_due(clinic.platform.amqp_uri, patient["patient_id"])  # v1 shape: no respondent

    listed = clinic.wait_for_notifications(patient["patient_id"], 2)
    assert {(n["recipient_type"], n["template"]) for n in listed} == {("patient", "assessment_due")}
    assert clinic.notifications.get("/alerts").json()["alerts"] == []
