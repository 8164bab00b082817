"""Late entry and make-up / walk-in sessions: what a real attendance sheet needs.

An enrollment entered after its start date is booked from its start (the sessions already held
included, with no reminders for them); an enrolled patient can be put on one session's roster;
both are marked like any booking and count in the attendance rate.
"""
import uuid
from datetime import date, datetime, timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families

from demo.launch import wait_until
from tests.integration.intake.scenario import PLAN as INTAKE_PLAN
from tests.integration.intake.scenario import enrollment_body, refer
from tests.integration.scheduling.clinic import (BOOKINGS_PER_ENROLLMENT, enroll, of_patient,
                                                 open_clinic, series, set_clock, staff,
                                                 start_scheduling)
from tests.integration.scheduling.test_attendance import AFTER_WEDNESDAY_GROUP

AFTER_THURSDAY = datetime(2026, 3, 5, 18, 0, tzinfo=timezone.utc)
MONDAY_GROUP = datetime(2026, 3, 2, 14, 0, tzinfo=timezone.utc)  # 09:00 in New York (EST)
TUESDAY_EDUCATION = datetime(2026, 3, 3, 15, 0, tzinfo=timezone.utc)  # 10:00 EST
THURSDAY_GROUP = datetime(2026, 3, 5, 14, 0, tzinfo=timezone.utc)


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def scheduled_of(events, patient, count=BOOKINGS_PER_ENROLLMENT):
    return [e["data"] for e in events.wait_for("SessionScheduled", where=of_patient(patient), count=count)]


def attended(patient, minutes=170):
    return [{"patient_id": patient, "status": "attended", "attended_minutes": minutes}]


def thursday_series(service, facilitator_id, capacity=2):
    """An anxiety group on Thursdays: a depression patient is never booked on it by the plan."""
    return series(service, facilitator_id, track="anxiety", modality="mbsr_group", weekdays=["thu"],
                  duration_minutes=120, capacity=capacity)


def session_of_series(service, series_id, on: str):
    calendar = service.get(f"/sites/riverside/calendar?from={on}&to={on}").json()
    return next(s for s in calendar["sessions"] if s["series_id"] == series_id)


# -- late entry -----------------------------------------------------------------------------------

def test_a_late_enrollment_books_its_held_sessions_and_they_are_marked(platform, events):
    service = start_scheduling(platform, now=AFTER_WEDNESDAY_GROUP)  # entered on the Wednesday
    open_clinic(service)
    enrollment = enroll(platform)  # the program started on the Monday
    patient = enrollment["patient_id"]

    booked = scheduled_of(events, patient)  # the whole plan, as when entered before the start

    starts = sorted(instant(b["starts_at"]) for b in booked if b["kind"] in ("group", "education"))
    assert starts[:3] == [MONDAY_GROUP, TUESDAY_EDUCATION, MONDAY_GROUP + timedelta(days=2)]
    monday = next(b for b in booked if instant(b["starts_at"]) == MONDAY_GROUP)
    marked = service.post(f"/sessions/{monday['session_id']}/attendance", attended(patient))
    assert marked.status_code == 200, marked.text
    (event,) = events.wait_for("SessionAttended")
    assert (event["data"]["session_id"], event["data"]["booking_id"], event["data"]["enrollment_id"],
            event["data"]["attended_minutes"]) == (monday["session_id"], monday["booking_id"],
                                                   enrollment["enrollment_id"], 170)


def consumed(service, event_type):
    for family in text_string_to_metric_families(service.get("/metrics", key=None).text):
        for sample in family.samples:
            if (sample.name == "iop_events_consumed_total"
                    and sample.labels == {"type": event_type, "outcome": "processed"}):
                return sample.value
    return 0


def monday_weeks_ago(weeks: int) -> date:
    today = datetime.now(timezone.utc).date()
    return today - timedelta(days=today.weekday() + 7 * weeks)


def test_the_held_sessions_of_a_late_enrollment_get_no_reminders(platform, events):
    """On the real clock (notifications plans with it): the program began last week."""
    start = monday_weeks_ago(1)
    service = platform.start("scheduling")
    notifications = platform.start("notifications")
    facilitator = staff(service, name="Sam Ortiz", roles=["facilitator"], availability=[])
    series(service, facilitator["staff_id"], starts_on=(start - timedelta(days=7)).isoformat(),
           ends_on=(start + timedelta(days=35)).isoformat())
    patient = enroll(platform, start_date=start, planned_weeks=3,
                     plan={"group_sessions_per_week": 3, "individual_sessions_per_week": 0,
                           "family_sessions_per_month": 0, "education_sessions_per_week": 0}
                     )["patient_id"]
    entered_at = datetime.now(timezone.utc)

    booked = events.wait_for("SessionScheduled", where=of_patient(patient), count=9)
    wait_until(lambda: consumed(notifications, "SessionScheduled") == 9, timeout=20,
               message="notifications consumed every booking")

    past = {e["id"] for e in booked if instant(e["data"]["starts_at"]) < entered_at}
    future = {e["id"] for e in booked} - past
    assert len(past) >= 3 and len(future) >= 3  # last week's three groups at least, next week's
    messages = notifications.get(f"/notifications?patient_id={patient}").json()["notifications"]
    assert {m["cause_event_id"] for m in messages} == future
    assert not [m for m in messages if m["cause_event_id"] in past]


# -- make-up / walk-in ----------------------------------------------------------------------------

def test_a_walk_in_is_booked_on_one_session_and_marked(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service)
    thursdays = thursday_series(service, clinic["facilitator"]["staff_id"])
    enrollment = enroll(platform)
    patient = enrollment["patient_id"]
    scheduled_of(events, patient)
    thursday = session_of_series(service, thursdays["series_id"], "2026-03-05")
    set_clock(service, AFTER_THURSDAY)  # recorded after the session, from the sign-in sheet

    added = service.post(f"/sessions/{thursday['session_id']}/roster",
                         {"patient_id": patient, "enrollment_id": enrollment["enrollment_id"]},
                         key="riverside")

    assert added.status_code == 201, added.text
    booking = added.json()
    assert (booking["session_id"], booking["patient_id"], booking["enrollment_id"], booking["status"]) == (
        thursday["session_id"], patient, enrollment["enrollment_id"], "booked")
    (event,) = events.wait_for("SessionScheduled", where=lambda e: e["data"]["booking_id"] == booking["booking_id"])
    assert (event["data"]["modality"], instant(event["data"]["starts_at"])) == ("mbsr_group", THURSDAY_GROUP)
    marked = service.post(f"/sessions/{thursday['session_id']}/attendance", attended(patient, 110))
    assert marked.status_code == 200, marked.text
    (attendance,) = events.wait_for("SessionAttended")
    assert (attendance["data"]["booking_id"], attendance["data"]["enrollment_id"]) == (
        booking["booking_id"], enrollment["enrollment_id"])
    detail = service.get(f"/sessions/{thursday['session_id']}").json()
    assert [(b["patient_id"], b["attendance"]["status"]) for b in detail["bookings"]] == [(patient, "attended")]


def test_a_roster_addition_is_refused_when_the_session_cannot_take_the_patient(platform, events):
    service = start_scheduling(platform)
    clinic = open_clinic(service)
    thursdays = thursday_series(service, clinic["facilitator"]["staff_id"], capacity=1)
    first, second, lakeside = enroll(platform), enroll(platform), enroll(platform, site="lakeside")
    booked = scheduled_of(events, first["patient_id"])
    scheduled_of(events, second["patient_id"])
    thursday = session_of_series(service, thursdays["series_id"], "2026-03-05")["session_id"]
    appointment = next(b for b in booked if b["kind"] == "individual")["session_id"]
    own = {"patient_id": first["patient_id"], "enrollment_id": first["enrollment_id"]}
    url = f"/sessions/{thursday}/roster"

    bad = service.post(url, {"patient_id": "x", "colour": "blue"})
    unknown = service.post(url, {**own, "enrollment_id": str(uuid.uuid4())})
    not_theirs = service.post(url, {**own, "enrollment_id": second["enrollment_id"]})
    other_site = service.post(url, {"patient_id": lakeside["patient_id"],
                                    "enrollment_id": lakeside["enrollment_id"]})
    on_appointment = service.post(f"/sessions/{appointment}/roster",
                                  {"patient_id": second["patient_id"], "enrollment_id": second["enrollment_id"]})
    forbidden = service.post(url, own, key="lakeside")
    assert service.post(url, own).status_code == 201
    twice = service.post(url, own)
    full = service.post(url, {"patient_id": second["patient_id"], "enrollment_id": second["enrollment_id"]})

    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"patient_id", "enrollment_id", "colour"}
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["enrollment_id"]
    assert not_theirs.status_code == 422 and list(not_theirs.json()["errors"]) == ["enrollment_id"]
    assert other_site.status_code == 422 and list(other_site.json()["errors"]) == ["enrollment_id"]
    assert on_appointment.status_code == 409
    assert forbidden.status_code == 404
    assert twice.status_code == 409 and full.status_code == 409
    assert full.headers["Content-Type"] == "application/problem+json"
    detail = service.get(f"/sessions/{thursday}").json()
    assert [b["patient_id"] for b in detail["bookings"]] == [first["patient_id"]]


# -- both count in the attendance rate (intake's projection) ------------------------------------

def test_late_entry_and_walk_in_sessions_count_in_the_attendance_rate(platform, events):
    """Entered through intake on the real clock, a week after the program began; counted by
    intake's and outcomes' attendance projections."""
    start = monday_weeks_ago(1)
    service = platform.start("scheduling")
    intake = platform.start("intake")
    outcomes = platform.start("outcomes")
    staff(service, roles=["therapist", "on_call"])
    facilitator = staff(service, name="Sam Ortiz", roles=["facilitator"], availability=[])["staff_id"]
    window = {"starts_on": (start - timedelta(days=7)).isoformat(),
              "ends_on": (start + timedelta(weeks=10)).isoformat()}
    series(service, facilitator, **window)
    series(service, facilitator, modality="psychoeducation", kind="education", weekdays=["tue"],
           start_time="10:00", duration_minutes=60, **window)
    thursdays = series(service, facilitator, track="anxiety", modality="mbsr_group", weekdays=["thu"],
                       duration_minutes=120, capacity=4, **window)
    referral = refer(intake, referred_on=(start - timedelta(days=7)).isoformat())
    enrollment = intake.post("/enrollments", enrollment_body(
        referral["referral_id"], start_date=start.isoformat(), planned_weeks=8, plan=dict(INTAKE_PLAN))).json()
    patient = enrollment["patient_id"]
    now = datetime.now(timezone.utc)
    # The enrollment's bookings are written in one transaction: once the schedule answers, all are.
    booked = wait_until(lambda: service.get(f"/patients/{patient}/schedule").json().get("sessions"),
                        timeout=20, message="the late enrollment booked")
    groups = sorted((instant(b["starts_at"]), b["session_id"]) for b in booked if b["kind"] == "group")
    education = sorted((instant(b["starts_at"]), b["session_id"]) for b in booked if b["kind"] == "education")
    assert groups[0][0].date() == start and groups[0][0] < now  # the first held session, booked late
    thursday = session_of_series(service, thursdays["series_id"], (start + timedelta(days=3)).isoformat())

    walk_in = service.post(f"/sessions/{thursday['session_id']}/roster",
                           {"patient_id": patient, "enrollment_id": enrollment["enrollment_id"]})
    service.post(f"/sessions/{groups[0][1]}/attendance", attended(patient))
    service.post(f"/sessions/{education[0][1]}/attendance", [{"patient_id": patient, "status": "absent"}])
    service.post(f"/sessions/{thursday['session_id']}/attendance", attended(patient, 110))

    assert walk_in.status_code == 201, walk_in.text

    def counted():
        return intake.get(f"/enrollments/{enrollment['enrollment_id']}").json()["attendance"]
    wait_until(lambda: counted()["attended"] + counted()["missed"] == 3, timeout=20,
               message="intake counted the three marked sessions")
    assert (counted()["attended"], counted()["missed"], counted()["rate"]) == (2, 1, 0.6667)

    def summarised():
        answer = outcomes.get(f"/enrollments/{enrollment['enrollment_id']}/summary")
        return answer.json()["attendance"] if answer.status_code == 200 else {}
    wait_until(lambda: summarised().get("sessions_counted") == 3, timeout=20,
               message="outcomes counted the three marked sessions")
    assert (summarised()["sessions_attended"], round(summarised()["rate"], 4)) == (2, 0.6667)
