"""Requests and events as a coordinator and the scheduling service would send them."""
import copy
import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import create_engine, func, select

from services.intake.models import Base
from tests.support.events import publish_event

PATIENT = {"given_name": "Marisol", "family_name": "Quintanilla-Oyelaran",
           "birth_date": "1990-04-17", "email": "marisol.q@example.org", "phone": "+15555550123",
           "preferred_language": "es", "interpreter_needed": True}
# PHQ-9 total 14 (item 9 at 0), GAD-7 total 8: iop on the depression track.
SCREENING = {"phq9": [2, 2, 2, 2, 2, 2, 1, 1, 0], "gad7": [1, 1, 1, 1, 1, 1, 2]}
PLAN = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
        "family_sessions_per_month": 2, "education_sessions_per_week": 1}


def referral_body(site_id="riverside", **changes):
    body = {"site_id": site_id, "patient": copy.deepcopy(PATIENT), "source": "primary_care",
            "referred_on": "2026-11-02", "screening": copy.deepcopy(SCREENING),
            "consents": {"treatment": True, "email": True, "sms": False}}
    body.update(copy.deepcopy(changes))
    return body


def enrollment_body(referral_id, **changes):
    body = {"referral_id": referral_id, "track": "depression", "start_date": "2026-11-09",
            "planned_weeks": 8, "plan": dict(PLAN), "goals": ["Return to work half days"]}
    body.update(copy.deepcopy(changes))
    return body


def refer(intake, key="admin", **changes):
    response = intake.post("/referrals", referral_body(**changes), key=key)
    assert response.status_code == 201, response.text
    return response.json()


def enroll(intake, key="admin", **changes):
    referral = refer(intake, site_id=changes.pop("site_id", "riverside"))
    response = intake.post("/enrollments", enrollment_body(referral["referral_id"], **changes), key=key)
    assert response.status_code == 201, response.text
    return response.json()


def session_event(enrollment, **data):
    """The data of a SessionAttended/SessionMissed for this enrollment's patient."""
    starts_at = datetime(2026, 11, 10, 14, tzinfo=timezone.utc)
    return {"booking_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
            "patient_id": enrollment["patient_id"], "enrollment_id": enrollment["enrollment_id"],
            "kind": "group", "modality": "cbt_group", "starts_at": starts_at.isoformat(), **data}


def attend(platform, enrollment, **extra):
    data = session_event(enrollment, attended_minutes=180)
    data.update(extra)
    return publish_event(platform.amqp_uri, "SessionAttended", data, site_id=enrollment["site_id"])


def miss(platform, enrollment, excused=False):
    data = session_event(enrollment, excused=excused, consecutive_missed=1)
    return publish_event(platform.amqp_uri, "SessionMissed", data, site_id=enrollment["site_id"])


def row_count(platform, table_name):
    engine = create_engine(platform.database_urls["intake"])
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Base.metadata.tables[table_name]))
    finally:
        engine.dispose()


def rows(platform, table_name):
    engine = create_engine(platform.database_urls["intake"])
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(Base.metadata.tables[table_name]))]
    finally:
        engine.dispose()


def identifiers_in(envelope) -> list[str]:
    """Which of the patient's identifying values appear anywhere in the envelope."""
    text = json.dumps(envelope)
    return [value for value in (PATIENT["given_name"], PATIENT["family_name"], PATIENT["email"],
                                PATIENT["phone"], PATIENT["birth_date"], "Quintanilla")
            if value in text]
