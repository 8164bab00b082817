"""One riverside patient's program, as the e2e test drives it: dates, bodies, expected counts."""
from datetime import date, datetime, timezone

START = date(2026, 6, 1)  # a Monday, in the past: after booking, sessions can be recorded
BEFORE_START = datetime(2026, 5, 31, 12, 0, tzinfo=timezone.utc)
WEEKS = 6
PLAN = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
        "family_sessions_per_month": 0, "education_sessions_per_week": 1}
SESSIONS = WEEKS * 5  # 3 group + 1 education + 1 individual a week

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
STAFF = [
    {"name": "Dana Reyes", "roles": ["therapist", "on_call"], "languages": ["en", "es"],
     "email": "dana.reyes@clinic.test", "phone": "+15555550100", "max_caseload": 20,
     "availability": [{"weekday": d, "start_time": "13:00", "end_time": "17:00"} for d in WEEKDAYS]},
    {"name": "Sam Ortiz", "roles": ["facilitator"], "languages": ["en"],
     "email": "sam.ortiz@clinic.test", "phone": "+15555550101", "max_caseload": 0, "availability": []},
]


def series(site_id, facilitator_id, **changes):
    body = {"site_id": site_id, "track": "depression", "modality": "cbt_group", "kind": "group",
            "weekdays": ["mon", "wed", "fri"], "start_time": "09:00", "duration_minutes": 180,
            "capacity": 12, "facilitator_id": facilitator_id, "starts_on": START.isoformat(),
            "ends_on": "2026-08-31"}
    return {**body, **changes}


def referral(site_id, given_name, phq9, gad7, **changes):
    body = {"site_id": site_id, "source": "primary_care", "referred_on": "2026-05-20",
            "patient": {"given_name": given_name, "family_name": "Okafor", "birth_date": "1988-02-11",
                        "email": f"{given_name.lower()}@patient.test", "phone": "+15555550199",
                        "preferred_language": "en", "interpreter_needed": False},
            "screening": {"phq9": phq9, "gad7": gad7},
            "consents": {"treatment": True, "email": True, "sms": False}}
    return {**body, **changes}


# PHQ-9 total 14 with item 9 at 0, GAD-7 total 8: IOP on the depression track.
SCREENING_PHQ9 = [2, 2, 2, 2, 2, 2, 1, 1, 0]
SCREENING_GAD7 = [1, 1, 1, 1, 1, 1, 2]
# Weekly PHQ-9 answers: improving, with item 9 answered 2 in week 3 (a high risk flag).
WEEKLY_PHQ9 = {1: [2, 2, 2, 1, 2, 2, 1, 1, 0], 2: [2, 1, 2, 1, 2, 1, 1, 1, 0],
               3: [1, 1, 1, 1, 1, 1, 1, 1, 2], 4: [1, 1, 1, 1, 1, 1, 1, 1, 0],
               5: [1, 1, 1, 1, 1, 1, 1, 0, 0], 6: [1, 1, 0, 1, 1, 0, 1, 0, 0]}
MISSED = (4, 5)  # indexes of two sessions in a row the patient misses
