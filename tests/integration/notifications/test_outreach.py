"""Patient outreach: consent, language, SMS provider retries, missed sessions and completion."""
import uuid
from datetime import date, datetime, timedelta

from demo.launch import wait_until
from tests.integration.notifications.events import assessment_due as due_event
from tests.integration.notifications.events import send_time
from tests.support.events import publish_event


def assessment_due(clinic, patient):
    return due_event(clinic.platform.amqp_uri, patient["patient_id"])


def dispatch_until_settled(clinic, patient_id, start, step=timedelta(minutes=5), timeout=60.0):
    """Drive the clock forward until the patient's only message is no longer scheduled. Bounded
    by time, not rounds: the service's own timer may hold the message ('sending') for a round."""
    now = [start]
    settled = []

    def one_round():
        clinic.dispatch(now[0])
        [message] = clinic.notifications_of(patient_id)
        now[0] += step
        if message["status"] not in ("scheduled", "sending"):
            settled.append(message)
        return bool(settled)

    wait_until(one_round, timeout=timeout, interval=0.05, message="message still not settled")
    return settled[0]


def test_provider_failing_three_times_then_succeeding_sends_one_sms(clinic, sms_provider, subscriber):
    sent_events = subscriber(("notifications", "NotificationSent"), ("notifications", "NotificationFailed"))
    patient = clinic.refer_patient(email_consent=False, sms_consent=True)
    sms_provider.fail_next(3)
    assessment_due(clinic, patient)
    [message] = clinic.wait_for_notifications(patient["patient_id"], 1)

    settled = dispatch_until_settled(clinic, patient["patient_id"], send_time(message))

    assert settled["status"] == "sent" and settled["channel"] == "sms" and settled["attempts"] == 4
    assert sms_provider.refused == 3
    [sms] = sms_provider.to(patient["phone"])
    assert sms["key"] == settled["id"]
    assert "questionnaire" in sms["body"] and "phq" not in sms["body"].lower()
    sent_events.wait_for("NotificationSent")
    assert [e["type"] for e in sent_events.drain()] == ["NotificationSent"]


def test_provider_failing_every_attempt_publishes_notification_failed(clinic, sms_provider, subscriber):
    failed_events = subscriber(("notifications", "NotificationFailed"))
    patient = clinic.refer_patient(email_consent=False, sms_consent=True)
    sms_provider.fail_next(100)
    assessment_due(clinic, patient)
    [message] = clinic.wait_for_notifications(patient["patient_id"], 1)

    settled = dispatch_until_settled(clinic, patient["patient_id"], send_time(message))

    assert settled["status"] == "failed" and settled["attempts"] == 5
    assert settled["last_error"] == "SMS provider HTTP 503"
    event = failed_events.wait_for("NotificationFailed")[0]["data"]
    assert event["notification_id"] == settled["id"] and event["attempts"] == 5
    assert patient["phone"] not in str(event)
    assert sms_provider.to(patient["phone"]) == []


def test_patient_without_consent_gets_no_message_and_it_is_recorded_skipped(clinic, mailbox, sms_provider):
    patient = clinic.refer_patient(email_consent=False, sms_consent=False)
    assessment_due(clinic, patient)
    [message] = clinic.wait_for_notifications(patient["patient_id"], 1)

    settled = dispatch_until_settled(clinic, patient["patient_id"], send_time(message))

    assert settled["status"] == "skipped" and settled["skip_reason"] == "no_consent"
    assert mailbox.to(patient["email"]) == [] and sms_provider.to(patient["phone"]) == []


def test_spanish_speaking_patient_gets_spanish(clinic, mailbox):
    patient = clinic.refer_patient(language="es-MX")
    assessment_due(clinic, patient)
    [message] = clinic.wait_for_notifications(patient["patient_id"], 1)

    dispatch_until_settled(clinic, patient["patient_id"], send_time(message))

    [mail] = mailbox.wait_for(patient["email"])
    assert mail["subject"] == "Un breve cuestionario está listo"
    assert mail["body"].startswith("Hola Ana,")


def test_unexcused_absences_check_in_with_the_patient_and_the_second_alerts_the_team(clinic, subscriber):
    alerts = subscriber(("notifications", "CareTeamAlerted"))
    clinic.add_on_call_staff()
    patient = clinic.refer_patient()
    for consecutive in (1, 2):
        publish_event(clinic.platform.amqp_uri, "SessionMissed", {
            "booking_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
            "patient_id": patient["patient_id"], "enrollment_id": str(uuid.uuid4()), "kind": "group",
            "modality": "cbt_group", "starts_at": datetime.now().astimezone().isoformat(),
            "excused": False, "consecutive_missed": consecutive}, site_id="riverside")

    alert = alerts.wait_for("CareTeamAlerted")[0]["data"]
    assert alert["reason"] == "missed_sessions" and alert["level"] == "moderate"
    listed = clinic.wait_for_notifications(patient["patient_id"], 3)
    templates = sorted((n["recipient_type"], n["template"]) for n in listed)
    assert templates == [("patient", "missed_session_checkin"), ("patient", "missed_session_checkin"),
                         ("staff", "care_team_alert")]


def test_completion_sends_congratulations_and_plans_the_aftercare_checkin_30_days_later(clinic, mailbox):
    patient = clinic.refer_patient()
    completed = publish_event(clinic.platform.amqp_uri, "ProgramCompleted", {
        "enrollment_id": str(uuid.uuid4()), "patient_id": patient["patient_id"], "track": "depression",
        "start_date": (date.today() - timedelta(weeks=8)).isoformat(),
        "completed_on": date.today().isoformat(), "weeks_in_program": 8, "attendance_rate": 0.9},
        site_id="riverside")
    listed = {n["template"]: n for n in clinic.wait_for_notifications(patient["patient_id"], 2)}
    congratulations, checkin = listed["program_completed"], listed["aftercare_checkin"]

    clinic.dispatch(send_time(congratulations))
    [mail] = mailbox.wait_for(patient["email"])
    assert "completing your program" in mail["body"] and "depression" not in mail["body"].lower()

    completed_at = datetime.fromisoformat(completed["time"])
    assert timedelta(days=30) <= send_time(checkin) - completed_at < timedelta(days=31, hours=12)
    clinic.dispatch(send_time(checkin))
    assert len(mailbox.wait_for(patient["email"], count=2)) == 2
    wait_until(lambda: {n["status"] for n in clinic.notifications_of(patient["patient_id"])} == {"sent"})
