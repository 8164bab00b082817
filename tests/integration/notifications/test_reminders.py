"""Session reminders end to end: scheduling's events in, real email out when the (driven) clock says so."""
import uuid
from datetime import timedelta

from demo.launch import wait_until
from tests.integration.notifications.events import send_time, session_at
from tests.integration.notifications.events import session_scheduled as schedule
from tests.support.events import publish_event


def by_template(notifications):
    return {n["template"]: n for n in notifications}


def test_scheduled_session_reminder_is_emailed_when_due(clinic, mailbox, subscriber):
    sent_events = subscriber(("notifications", "NotificationSent"))
    patient = clinic.refer_patient()
    starts_at = session_at()
    schedule(clinic.platform.amqp_uri, patient["patient_id"], starts_at)
    reminders = by_template(clinic.wait_for_notifications(patient["patient_id"], 2))
    day_before = reminders["session_reminder_24h"]

    assert send_time(day_before) == starts_at - timedelta(days=1)
    assert clinic.dispatch(send_time(day_before) - timedelta(minutes=1)).get("sent") is None
    assert mailbox.to(patient["email"]) == []

    clinic.dispatch(send_time(day_before))

    [mail] = mailbox.wait_for(patient["email"])
    assert mail["subject"] == "Appointment reminder"
    assert "Riverside Clinic" in mail["body"] and "at 10:00" in mail["body"]
    assert "cbt" not in mail["body"].lower() and "group" not in mail["body"].lower()
    event = sent_events.wait_for("NotificationSent")[0]["data"]
    assert event["notification_id"] == mail["id"] == day_before["id"]
    assert event["template"] == "session_reminder_24h" and event["channel"] == "email"
    listed = by_template(clinic.notifications_of(patient["patient_id"]))
    assert listed["session_reminder_24h"]["status"] == "sent"
    assert listed["session_reminder_24h"]["sent_at"] is not None
    assert listed["session_reminder_2h"]["status"] == "scheduled"


def test_duplicated_event_sends_one_email(clinic, mailbox):
    patient = clinic.refer_patient()
    event_id = str(uuid.uuid4())
    booking_id = str(uuid.uuid4())
    starts_at = session_at()
    for _ in range(2):
        schedule(clinic.platform.amqp_uri, patient["patient_id"], starts_at, booking_id, event_id)
    metrics = lambda: clinic.notifications.get("/metrics", key=None).text  # noqa: E731
    wait_until(lambda: 'outcome="duplicate"' in metrics(), message="duplicate not seen")
    reminders = by_template(clinic.notifications_of(patient["patient_id"]))
    due = send_time(reminders["session_reminder_24h"])

    clinic.dispatch(due)
    clinic.dispatch(due + timedelta(minutes=5))

    assert len(clinic.notifications_of(patient["patient_id"])) == 2
    assert len(mailbox.wait_for(patient["email"])) == 1


def test_rescheduled_session_moves_its_reminders_and_cancelled_one_drops_them(clinic, mailbox):
    patient = clinic.refer_patient()
    booking_id = str(uuid.uuid4())
    starts_at = session_at(days_ahead=3)
    scheduled = schedule(clinic.platform.amqp_uri, patient["patient_id"], starts_at, booking_id)
    clinic.wait_for_notifications(patient["patient_id"], 2)
    moved_to = starts_at + timedelta(days=2)

    publish_event(clinic.platform.amqp_uri, "SessionRescheduled", {
        "booking_id": booking_id, "session_id": scheduled["data"]["session_id"],
        "patient_id": patient["patient_id"], "starts_at": moved_to.isoformat(),
        "ends_at": (moved_to + timedelta(hours=3)).isoformat(),
        "previous_starts_at": starts_at.isoformat()}, site_id="riverside")
    clinic.wait_for_notifications(patient["patient_id"], 2, status="skipped")
    clinic.dispatch(starts_at - timedelta(days=1))

    assert mailbox.to(patient["email"]) == []
    scheduled_now = clinic.wait_for_notifications(patient["patient_id"], 2, status="scheduled")
    assert {send_time(n) for n in scheduled_now} == {moved_to - timedelta(days=1),
                                                     moved_to - timedelta(hours=2)}

    publish_event(clinic.platform.amqp_uri, "SessionCancelled", {
        "booking_id": booking_id, "session_id": scheduled["data"]["session_id"],
        "patient_id": patient["patient_id"], "reason": "room_unavailable"}, site_id="riverside")
    clinic.wait_for_notifications(patient["patient_id"], 4, status="skipped")
    clinic.dispatch(moved_to - timedelta(hours=2))

    assert mailbox.to(patient["email"]) == []
    reasons = sorted(n["skip_reason"] for n in clinic.notifications_of(patient["patient_id"]))
    assert reasons == ["cancelled", "cancelled", "rescheduled", "rescheduled"]


def test_reminder_still_unsent_when_its_session_starts_is_skipped_not_sent_late(clinic, mailbox):
    patient = clinic.refer_patient()
    starts_at = session_at()
    schedule(clinic.platform.amqp_uri, patient["patient_id"], starts_at)
    clinic.wait_for_notifications(patient["patient_id"], 2)

    clinic.dispatch(starts_at + timedelta(minutes=1))  # the service was down through both reminders

    assert {(n["status"], n["skip_reason"]) for n in clinic.notifications_of(patient["patient_id"])} == {
        ("skipped", "expired")}
    assert mailbox.to(patient["email"]) == []
