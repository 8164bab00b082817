"""The development default: the console channel takes every message and logs ids, never contacts."""
import logging

from tests.integration.notifications.conftest import Clinic
from tests.integration.notifications.events import assessment_due, send_time


def test_console_channel_records_messages_as_console_and_logs_no_patient_data(platform, caplog):
    caplog.set_level(logging.DEBUG)
    clinic = Clinic(platform, platform.start("intake"), platform.start("scheduling"),
                    platform.start("notifications"))  # config.yaml defaults: NOTIFICATION_CHANNEL console
    patient = clinic.refer_patient(sms_consent=True)
    assessment_due(platform.amqp_uri, patient["patient_id"])
    [message] = clinic.wait_for_notifications(patient["patient_id"], 1)

    clinic.dispatch(send_time(message))

    # Outside quiet hours the handler sends it at once, racing this dispatch: wait for either.
    [sent] = clinic.wait_for_notifications(patient["patient_id"], 1, status="sent")
    assert sent["status"] == "sent" and sent["channel"] == "console"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"notification {sent['id']} delivered to the console in place of email" in logged
    for private in (patient["email"], patient["phone"], "Ana", "questionnaire"):
        assert private not in logged
