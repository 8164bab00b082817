"""With the real intake and scheduling: an enrolled patient's bookings get reminders, and a moderate
risk flag reaches the therapist scheduling assigned, not the on-call staff."""
from datetime import date, timedelta

from demo.launch import wait_until
from tests.integration.notifications.events import risk_flag_raised

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
# The adult IOP minimum (handbook CLINICAL.md) in groups, plus a weekly therapist appointment.
PLAN = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
        "family_sessions_per_month": 0, "education_sessions_per_week": 0}


def test_enrolled_patients_bookings_get_reminders_and_moderate_risk_reaches_the_therapist(
        clinic, mailbox, subscriber):
    bookings = subscriber(("scheduling", "SessionScheduled"))
    on_call = clinic.add_staff(roles=["on_call"])
    therapist = clinic.add_staff(roles=["therapist"], availability=[
        {"weekday": day, "start_time": "09:00", "end_time": "17:00"} for day in WEEKDAYS])
    patient = clinic.refer_patient()  # screened for IOP, depression track
    start = date.today() + timedelta(days=7 - date.today().weekday())  # next Monday
    enrollment = clinic.intake.post("/enrollments", {
        "referral_id": patient["referral_id"], "track": "depression", "start_date": start.isoformat(),
        "planned_weeks": 6, "plan": PLAN, "goals": ["Back to work"]})
    assert enrollment.status_code == 201, enrollment.text

    with_therapist = bookings.wait_for(
        "SessionScheduled", where=lambda e: e["data"]["staff_id"] == therapist["staff_id"])
    reminders = clinic.wait_for_notifications(patient["patient_id"], 2 * len(with_therapist))
    assert {n["template"] for n in reminders} >= {"session_reminder_24h", "session_reminder_2h"}

    risk_flag_raised(clinic.platform.amqp_uri, patient["patient_id"], level="moderate")

    [mail] = mailbox.wait_for(therapist["email"])
    assert mail["subject"] == "New care-team alert at Riverside Clinic"
    staff_messages = wait_until(lambda: [n for n in clinic.notifications_of(patient["patient_id"])
                                         if n["recipient_type"] == "staff"])
    assert [(n["recipient_id"], n["channel"]) for n in staff_messages] == [(therapist["staff_id"], "email")]
    assert mailbox.to(on_call["email"]) == []
