"""Plan hours = bookable hours, end to end: intake refuses a plan scheduling would book under the
IOP minimum; an accepted plan is booked at its weekly hours in every program week."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.integration.intake.scenario import enrollment_body, referral_body
from tests.integration.scheduling.clinic import of_patient, series, staff, start_scheduling

NEW_YORK = ZoneInfo("America/New_York")  # riverside
START = date(2026, 3, 2)  # a Monday; the scheduling clock stands the day before
WEEKS = 6
# 2 × 180 + 1 × 50 + 2 × 60 = 530 minutes every week, under the adult 540.
BASE = {"group_sessions_per_week": 2, "individual_sessions_per_week": 1,
        "education_sessions_per_week": 2}


def open_clinic(scheduling):
    therapist = staff(scheduling, roles=["therapist", "on_call"])
    facilitator = staff(scheduling, name="Sam Ortiz", roles=["facilitator"], availability=[])
    series(scheduling, facilitator["staff_id"], weekdays=["mon", "wed"])
    series(scheduling, facilitator["staff_id"], modality="psychoeducation", kind="education",
           weekdays=["tue", "thu"], start_time="10:00", duration_minutes=60)
    return therapist


def enroll(intake, family):
    referral = intake.post("/referrals", referral_body(referred_on="2026-02-23"), key="admin")
    assert referral.status_code == 201, referral.text
    return intake.post("/enrollments", enrollment_body(
        referral.json()["referral_id"], start_date=START.isoformat(), planned_weeks=WEEKS,
        plan={**BASE, "family_sessions_per_month": family}), key="admin")


def booked_minutes_per_week(schedule) -> list[int]:
    minutes = [0] * WEEKS
    for session in schedule["sessions"]:
        starts, ends = (datetime.fromisoformat(session[k]) for k in ("starts_at", "ends_at"))
        week = (starts.astimezone(NEW_YORK).date() - START).days // 7
        minutes[week] += int((ends - starts).total_seconds() // 60)
    return minutes


def test_an_enrolled_plan_is_booked_at_its_weekly_hours_in_every_week(platform, subscriber):
    watcher = subscriber(("scheduling", "SessionScheduled"))
    scheduling = start_scheduling(platform, datetime.fromisoformat("2026-03-01T12:00:00+00:00"))
    open_clinic(scheduling)
    intake = platform.start("intake")

    # Two family sessions a month reach 9.25 h on average, but half the weeks would hold 8.83 h.
    refused = enroll(intake, family=2)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["lightest_week_hours"], refused.json()["minimum_weekly_hours"]) == (
        8.83, 9.0)
    # Five a month: more than the scheduler books (one a week, four in four weeks).
    too_many = enroll(intake, family=5)
    assert too_many.status_code == 422
    assert set(too_many.json()["errors"]) == {"plan.family_sessions_per_month"}

    # One every week: 530 + 50 = 580 minutes each week.
    response = enroll(intake, family=4)
    assert response.status_code == 201, response.text
    enrollment = response.json()
    assert enrollment["weekly_hours"] == 9.67
    # 12 group + 12 education + 6 individual + 6 family sessions.
    watcher.wait_for("SessionScheduled", where=of_patient(enrollment["patient_id"]), count=36)

    schedule = scheduling.get(f"/patients/{enrollment['patient_id']}/schedule").json()
    assert booked_minutes_per_week(schedule) == [580] * WEEKS
    assert all(minutes >= 9 * 60 for minutes in booked_minutes_per_week(schedule))
    assert round(580 / 60, 2) == enrollment["weekly_hours"]
