"""Events as intake and scheduling would send them, and assessments as a clinician would post them."""
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import create_engine, select

from demo.launch import wait_until
from tests.support.events import publish_event
from tests.unit.event_examples import example

# PHQ-9 answers by total with item 9 at 0 (item 9 set separately where a test needs it).
def phq9(total, item9=0):
    answers, rest = [], total - item9
    for _ in range(8):
        answers.append(min(3, rest))
        rest -= answers[-1]
    return answers + [item9]


def gad7(total):
    answers = []
    for _ in range(7):
        answers.append(min(3, total))
        total -= answers[-1]
    return answers


def who5(reported):
    raw, answers = reported // 4, []
    for _ in range(5):
        answers.append(min(5, raw))
        raw -= answers[-1]
    return answers


def enroll(platform, outcomes, site_id="riverside", track="depression", start_date=None,
           planned_weeks=8, screening=None):
    """Publish PatientEnrolled as intake would, and wait until outcomes has planned the episode."""
    start_date = start_date or date.today() - timedelta(weeks=9)
    data = example("PatientEnrolled", site_id=site_id, enrollment_id=str(uuid.uuid4()),
                   patient_id=str(uuid.uuid4()), track=track, planned_weeks=planned_weeks,
                   start_date=start_date,
                   screening=screening or {"phq9": 17, "gad7": 12, "pcl5": None,
                                           "screened_on": start_date - timedelta(weeks=1)})
    publish_event(platform.amqp_uri, "PatientEnrolled", data, site_id=site_id)
    wait_until(lambda: outcomes.get(f"/enrollments/{data['enrollment_id']}/schedule").status_code == 200,
               message="PatientEnrolled not projected")
    return data


def assess(outcomes, enrollment, instrument, responses, on_day=0, key="admin"):
    """Post an assessment administered at 15:00 UTC, `on_day` days after the episode's start."""
    at = datetime.combine(enrollment["start_date"] + timedelta(days=on_day),
                          datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=15)
    return outcomes.post("/assessments", {"patient_id": enrollment["patient_id"], "instrument": instrument,
                                          "responses": responses, "administered_at": at.isoformat()},
                         key=key)


def session(platform, enrollment, event_type, **data):
    publish_event(platform.amqp_uri, event_type, {
        "booking_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
        "patient_id": enrollment["patient_id"], "enrollment_id": enrollment["enrollment_id"],
        "kind": "group", "modality": "cbt_group",
        "starts_at": datetime.combine(enrollment["start_date"], datetime.min.time(), tzinfo=timezone.utc)
        + timedelta(hours=14), **data}, site_id=enrollment["site_id"])


def complete(platform, enrollment, weeks=8, attendance_rate=0.9):
    publish_event(platform.amqp_uri, "ProgramCompleted", {
        "enrollment_id": enrollment["enrollment_id"], "patient_id": enrollment["patient_id"],
        "track": enrollment["track"], "start_date": enrollment["start_date"],
        "completed_on": enrollment["start_date"] + timedelta(weeks=weeks),
        "weeks_in_program": weeks, "attendance_rate": attendance_rate}, site_id=enrollment["site_id"])


def discharge(platform, enrollment, reason="withdrew", weeks=4):
    publish_event(platform.amqp_uri, "PatientDischarged", {
        "enrollment_id": enrollment["enrollment_id"], "patient_id": enrollment["patient_id"],
        "track": enrollment["track"], "discharged_on": enrollment["start_date"] + timedelta(weeks=weeks),
        "reason": reason}, site_id=enrollment["site_id"])


def rows(platform, table, **where):
    """Rows of one of the outcomes service's tables, read straight from its database."""
    from services.outcomes.models import Base

    engine = create_engine(platform.database_urls["outcomes"])
    model = Base.metadata.tables[table]
    query = select(model).where(*(model.c[name] == value for name, value in where.items()))
    with engine.connect() as conn:
        found = [dict(row._mapping) for row in conn.execute(query)]
    engine.dispose()
    return found
