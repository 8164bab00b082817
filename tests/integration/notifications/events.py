"""The input events of the notifications tests, published as their producers would."""
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.events import publish_event

NEW_YORK = ZoneInfo("America/New_York")  # riverside


def session_at(days_ahead=3, hour=10):
    """A riverside session a few days ahead on the clinic's clock. Aware arithmetic on it is
    wall-clock arithmetic, as the reminder rules are."""
    day = datetime.now(NEW_YORK).date() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=NEW_YORK)


def session_scheduled(amqp_uri, patient_id, starts_at, booking_id=None, event_id=None):
    return publish_event(amqp_uri, "SessionScheduled", {
        "booking_id": booking_id or str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
        "patient_id": patient_id, "enrollment_id": str(uuid.uuid4()), "kind": "group",
        "modality": "cbt_group", "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
        "timezone": "America/New_York", "staff_id": None}, site_id="riverside", event_id=event_id)


def assessment_due(amqp_uri, patient_id):
    return publish_event(amqp_uri, "AssessmentDue", {
        "patient_id": patient_id, "enrollment_id": str(uuid.uuid4()),
        "instrument": "phq9", "due_on": date.today().isoformat()}, site_id="riverside")


def risk_flag_raised(amqp_uri, patient_id, level="high", site_id="riverside", **fields):
    return publish_event(amqp_uri, "RiskFlagRaised", {
        "assessment_id": str(uuid.uuid4()), "patient_id": patient_id,
        "enrollment_id": str(uuid.uuid4()), "level": level, "reason": "phq9_item9", **fields},
        site_id=site_id)


def risk_flag_at_referral(amqp_uri, patient_id, referral_id, level="high", site_id="riverside"):
    """RiskFlagRaised v2 as raised at referral: no assessment, no enrollment yet."""
    return publish_event(amqp_uri, "RiskFlagRaised", {
        "assessment_id": None, "patient_id": patient_id, "enrollment_id": None,
        "referral_id": referral_id, "flag_id": str(uuid.uuid4()), "level": level,
        "reason": "phq9_item9"}, site_id=site_id)


def risk_flag_raised_v1(amqp_uri, patient_id, level="high", site_id="riverside"):
    """A RiskFlagRaised as a producer still on dataschema v1 publishes it."""
    from shared.events import build_envelope

    envelope = build_envelope("RiskFlagRaised", {
        "assessment_id": str(uuid.uuid4()), "patient_id": patient_id,
        "enrollment_id": str(uuid.uuid4()), "level": level, "reason": "phq9_item9"},
        source_service="outcomes", site_id=site_id)
    assert envelope["dataschema"] == "urn:iop:event:RiskFlagRaised:v2"
    envelope["dataschema"] = "urn:iop:event:RiskFlagRaised:v1"
    return publish_envelope(amqp_uri, "outcomes", envelope)


def publish_envelope(amqp_uri, producer, envelope):
    """An envelope published as it is (publish_event builds the current version's)."""
    import json

    from shared.broker import ConfirmingPublisher, OutgoingMessage
    from shared.names import events_exchange

    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.declare_event_exchange(events_exchange(producer))
        publisher.publish([OutgoingMessage(events_exchange(producer), envelope["type"], json.dumps(envelope),
                                           message_id=envelope["id"])])
    finally:
        publisher.close()
    return envelope


def cssrs_due_for_care_team(amqp_uri, patient_id, referral_id=None, respondent="care_team"):
    return publish_event(amqp_uri, "AssessmentDue", {
        "patient_id": patient_id, "enrollment_id": None, "referral_id": referral_id,
        "instrument": "cssrs", "due_on": date.today().isoformat(), "respondent": respondent},
        site_id="riverside")


def send_time(notification):
    return datetime.fromisoformat(notification["send_at"])
