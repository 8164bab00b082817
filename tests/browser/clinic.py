"""The riverside clinic the browser tests run their day on, set up through the services' APIs.

On the real clock (the console shows real days): a CBT group (Mon/Wed/Fri 09:00, site time) and
psychoeducation (Tue 10:00) that began two weeks ago, an anxiety group (Thu 09:00) that nobody's
plan books, an on-call therapist whose email reaches the
test's mailbox, and two patients enrolled late (their program began last Monday), so last
Monday's group already lies in the past with both of them on its roster.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from demo.launch import wait_until

SITE, SITE_NAME, ZONE = "riverside", "Riverside Clinic", ZoneInfo("America/New_York")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ON_CALL = {"name": "Dana Reyes", "roles": ["therapist", "on_call"], "languages": ["en", "es"],
           "email": "dana.reyes@clinic.test", "phone": "+15555550100", "max_caseload": 20,
           "availability": [{"weekday": d, "start_time": "13:00", "end_time": "17:00"} for d in WEEKDAYS]}
FACILITATOR = {"name": "Sam Ortiz", "roles": ["facilitator"], "languages": ["en"],
               "email": "sam.ortiz@clinic.test", "phone": "+15555550101", "max_caseload": 0,
               "availability": []}
PLAN = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
        "family_sessions_per_month": 0, "education_sessions_per_week": 1}
# PHQ-9 total 14 with item 9 at 0, GAD-7 total 8: IOP on the depression track.
PHQ9 = [2, 2, 2, 2, 2, 2, 1, 1, 0]
GAD7 = [1, 1, 1, 1, 1, 1, 2]
WAIT = 60.0


def monday_weeks_ago(weeks: int, today: date | None = None) -> date:
    today = today or datetime.now(ZONE).date()
    return today - timedelta(days=today.weekday() + 7 * weeks)


def site_instant(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(timezone.utc)


@dataclass
class Patient:
    given_name: str
    family_name: str
    patient_id: str = ""
    referral_id: str = ""
    enrollment_id: str = ""

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass
class Clinic:
    start: date  # the patients' program start (last Monday)
    group_session_id: str = ""  # last Monday's group, both patients on its roster
    patients: list[Patient] = field(default_factory=list)
    facilitator_id: str = ""
    walk_in_series_id: str = ""


def created(response, status=201) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.text}"
    return response.json()


def referral_body(patient: Patient, referred_on: date) -> dict:
    return {"site_id": SITE, "source": "primary_care", "referred_on": referred_on.isoformat(),
            "patient": {"given_name": patient.given_name, "family_name": patient.family_name,
                        "birth_date": "1988-02-11",
                        "email": f"{patient.given_name.lower()}@patient.test",
                        "phone": "+15555550199", "preferred_language": "en",
                        "interpreter_needed": False},
            "screening": {"phq9": PHQ9, "gad7": GAD7},
            "consents": {"treatment": True, "email": True, "sms": False}}


def open_clinic(platform) -> Clinic:
    """Staff, series and two late-enrolled patients, through the APIs with the admin key."""
    scheduling, intake = platform["scheduling"], platform["intake"]
    clinic = Clinic(start=monday_weeks_ago(1))
    created(scheduling.post("/staff", {"site_id": SITE, **ON_CALL}))
    facilitator = created(scheduling.post("/staff", {"site_id": SITE, **FACILITATOR}))
    clinic.facilitator_id = facilitator["staff_id"]
    series_window = {"starts_on": (clinic.start - timedelta(days=7)).isoformat(),
                     "ends_on": (clinic.start + timedelta(days=70)).isoformat()}
    group = created(scheduling.post("/group-series", {
        "site_id": SITE, "track": "depression", "modality": "cbt_group", "kind": "group",
        "weekdays": ["mon", "wed", "fri"], "start_time": "09:00", "duration_minutes": 180,
        "capacity": 12, "facilitator_id": clinic.facilitator_id, **series_window}))
    created(scheduling.post("/group-series", {
        "site_id": SITE, "track": "depression", "modality": "psychoeducation", "kind": "education",
        "weekdays": ["tue"], "start_time": "10:00", "duration_minutes": 60, "capacity": 12,
        "facilitator_id": clinic.facilitator_id, **series_window}))

    # An anxiety group on Thursdays: the depression plan books nobody on it (walk-ins only).
    clinic.walk_in_series_id = created(scheduling.post("/group-series", {
        "site_id": SITE, "track": "anxiety", "modality": "mbsr_group", "kind": "group",
        "weekdays": ["thu"], "start_time": "09:00", "duration_minutes": 120, "capacity": 8,
        "facilitator_id": clinic.facilitator_id, **series_window}))["series_id"]

    for given, family in (("Ada", "Okafor"), ("Ben", "Lindqvist")):
        patient = Patient(given, family)
        referral = created(intake.post("/referrals", referral_body(patient, clinic.start - timedelta(days=7))))
        assert referral["recommendation"] == "iop", referral
        patient.patient_id, patient.referral_id = referral["patient_id"], referral["referral_id"]
        enrollment = created(intake.post("/enrollments", {
            "referral_id": patient.referral_id, "track": "depression",
            "start_date": clinic.start.isoformat(), "planned_weeks": 6, "plan": PLAN,
            "goals": ["Back to work half days"]}))
        patient.enrollment_id = enrollment["enrollment_id"]
        clinic.patients.append(patient)

    monday_group = site_instant(clinic.start, 9)
    clinic.group_session_id = wait_for_session(platform, clinic.patients, group["series_id"], monday_group)
    return clinic


def wait_for_session(platform, patients, series_id: str, starts_at: datetime) -> str:
    """The series' session at ``starts_at`` once scheduling has booked every patient on it."""
    scheduling = platform["scheduling"]

    def booked_session():
        ids = set()
        for patient in patients:
            schedule = scheduling.get(f"/patients/{patient.patient_id}/schedule")
            if schedule.status_code != 200:
                return None
            ids |= {s["session_id"] for s in schedule.json()["sessions"]
                    if s.get("series_id") == series_id
                    and datetime.fromisoformat(s["starts_at"]) == starts_at}
            if not ids:
                return None
        return ids.pop() if len(ids) == 1 else None

    return wait_until(booked_session, timeout=WAIT, interval=0.5,
                      message=f"scheduling did not book {len(patients)} patients on {starts_at}")
