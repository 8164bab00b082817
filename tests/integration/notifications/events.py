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


def risk_flag_raised(amqp_uri, patient_id, level="high", site_id="riverside"):
    return publish_event(amqp_uri, "RiskFlagRaised", {
        "assessment_id": str(uuid.uuid4()), "patient_id": patient_id,
        "enrollment_id": str(uuid.uuid4()), "level": level, "reason": "phq9_item9"}, site_id=site_id)


def send_time(notification):
    return datetime.fromisoformat(notification["send_at"])
