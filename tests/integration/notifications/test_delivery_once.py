"""Each message is sent once: a send interrupted by the service dying is not repeated after a
restart, and two instances dispatching at the same moment do not both send."""
from datetime import timedelta

import eventlet

from demo.launch import wait_until
from tests.integration.notifications.conftest import live_channels
from tests.integration.notifications.events import send_time, session_at, session_scheduled


def reminder_due(clinic, patient, starts_at, template="session_reminder_24h"):
    session_scheduled(clinic.platform.amqp_uri, patient["patient_id"], starts_at)
    listed = wait_until(lambda: [n for n in clinic.notifications_of(patient["patient_id"])
                                 if n["template"] == template and send_time(n) == starts_at - timedelta(days=1)])
    return listed[0]


def test_send_interrupted_by_the_service_dying_is_not_repeated_after_restart(
        clinic, platform, mailbox, sms_provider, subscriber):
    failed = subscriber(("notifications", "NotificationFailed"))
    patient = clinic.refer_patient()
    reminder = reminder_due(clinic, patient, session_at())
    mailbox.held = True

    def dispatch_and_die_with_the_service():
        try:
            clinic.dispatch(send_time(reminder))
        except Exception:  # the service is killed while this request waits
            pass

    pending = eventlet.spawn(dispatch_and_die_with_the_service)
    wait_until(lambda: mailbox.holding == 1, message="the send never reached the SMTP server")
    clinic.notifications.container.kill()
    mailbox.held = False
    pending.wait()
    assert len(mailbox.wait_for(patient["email"])) == 1  # the server got it; the service never knew

    clinic.notifications = platform.start("notifications", **live_channels(
        mailbox, sms_provider, claim_timeout_s=0.5))

    def failed_after_claim_expired():
        clinic.dispatch(send_time(reminder))
        [listed] = [n for n in clinic.notifications_of(patient["patient_id"]) if n["id"] == reminder["id"]]
        return listed["status"] == "failed" and listed
    listed = wait_until(failed_after_claim_expired, message="the interrupted send was not failed")
    assert "interrupted" in listed["last_error"] and listed["attempts"] == 1
    event = failed.wait_for("NotificationFailed")[0]["data"]
    assert event["notification_id"] == reminder["id"] and "interrupted" in event["error"]
    assert len(mailbox.to(patient["email"])) == 1


def test_two_instances_dispatching_at_once_send_each_message_once(clinic, platform, mailbox, sms_provider):
    second = platform.start("notifications", **live_channels(mailbox, sms_provider))
    patient = clinic.refer_patient()
    first_session = session_at(days_ahead=3, hour=10)
    reminders = [reminder_due(clinic, patient, first_session + timedelta(hours=hours)) for hours in range(4)]
    now = max(send_time(r) for r in reminders)

    pool = eventlet.GreenPool()
    for instance in [clinic.notifications, second] * 3:
        pool.spawn(instance.post, "/notifications/dispatch", {"now": now.isoformat()}, key="ops")
    pool.waitall()

    received = mailbox.wait_for(patient["email"], count=4)
    assert sorted(m["id"] for m in received) == sorted(r["id"] for r in reminders)
    sent = [n for n in clinic.notifications_of(patient["patient_id"]) if n["status"] == "sent"]
    assert len(sent) == 4 and all(n["attempts"] == 1 for n in sent)
