"""A valid `data` for every event type of the catalog, shared by the test suites.

Values are what a producer hands to build_envelope (dates and aware datetimes, ids as strings),
which is also what parse_envelope gives back. Use `example(type, **changes)` for a fresh copy.
"""

import copy
import datetime as dt

UTC = dt.timezone.utc

SITE = "riverside"
PATIENT = "0b6f5c1e-8a43-4f0e-9d2a-6c1f4e2b7a10"
REFERRAL = "1c7a6d2f-9b54-4a1f-8e3b-7d2a5f3c8b21"
ENROLLMENT = "2d8b7e3a-ac65-4b2a-9f4c-8e3b6a4d9c32"
BOOKING = "3e9c8f4b-bd76-4c3b-8a5d-9f4c7b5eac43"
SESSION = "4fad9a5c-ce87-4d4c-9b6e-a05d8c6fbd54"
STAFF = "5abe0b6d-df98-4e5d-8c7f-b16e9d7ace65"
ASSESSMENT = "6bcf1c7e-e0a9-4f6e-9d8a-c27fae8bdf76"
NOTIFICATION = "7cd02d8f-f1ba-4a7f-8e9b-d38abf9ce087"
ALERT = "8de13e9a-02cb-4b8a-9fac-e49bca0df198"
CAUSE_EVENT = "9ef24fab-13dc-4c9b-8abd-f5acdb1ea2a9"

PLAN = {
    "group_sessions_per_week": 3,
    "individual_sessions_per_week": 1,
    "family_sessions_per_month": 1,
    "education_sessions_per_week": 1,
}
STARTS_AT = dt.datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
ENDS_AT = dt.datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
SESSION_IDS = {"booking_id": BOOKING, "session_id": SESSION, "patient_id": PATIENT}
GROUP = {"enrollment_id": ENROLLMENT, "kind": "group", "modality": "cbt_group", "starts_at": STARTS_AT}
DELIVERY = {
    "notification_id": NOTIFICATION,
    "recipient_type": "patient",
    "recipient_id": PATIENT,
    "channel": "email",
    "template": "session_reminder",
    "cause_event_id": CAUSE_EVENT,
}

EXAMPLES = {
    "PatientReferred": {
        "site_id": SITE,
        "referral_id": REFERRAL,
        "patient_id": PATIENT,
        "referred_on": dt.date(2025, 2, 24),
        "source": "primary_care",
        "recommendation": "iop",
        "recommended_track": "depression",
    },
    "PatientEnrolled": {
        "site_id": SITE,
        "enrollment_id": ENROLLMENT,
        "patient_id": PATIENT,
        "track": "depression",
        "age_band": "adult",
        "start_date": dt.date(2025, 3, 3),
        "planned_weeks": 8,
        "weekly_hours": 10.5,
        "plan": PLAN,
        "preferred_language": "en",
        "screening": {"phq9": 17, "gad7": 12, "pcl5": None, "screened_on": dt.date(2025, 2, 24)},
    },
    "TreatmentPlanUpdated": {
        "site_id": SITE,
        "enrollment_id": ENROLLMENT,
        "patient_id": PATIENT,
        "plan_version": 2,
        "planned_weeks": 10,
        "weekly_hours": 9.0,
        "plan": {**PLAN, "group_sessions_per_week": 2},
    },
    "ProgramCompleted": {
        "site_id": SITE,
        "enrollment_id": ENROLLMENT,
        "patient_id": PATIENT,
        "track": "depression",
        "start_date": dt.date(2025, 3, 3),
        "completed_on": dt.date(2025, 4, 25),
        "weeks_in_program": 8,
        "attendance_rate": 0.875,
    },
    "PatientDischarged": {
        "site_id": SITE,
        "enrollment_id": ENROLLMENT,
        "patient_id": PATIENT,
        "track": "depression",
        "discharged_on": dt.date(2025, 4, 25),
        "reason": "completed",
    },
    "RelatedPersonAdded": {
        "site_id": SITE,
        "patient_id": PATIENT,
        "related_person_id": "8de13e9a-02cb-4b8a-9fac-e49bc0adf198",
        "active": True,
        "consent_given": True,
        "version": 1,
    },
    "RelatedPersonUpdated": {
        "site_id": SITE,
        "patient_id": PATIENT,
        "related_person_id": "8de13e9a-02cb-4b8a-9fac-e49bc0adf198",
        "active": True,
        "consent_given": False,
        "version": 2,
    },
    "EmergencyAccessGranted": {
        "site_id": SITE,
        "patient_id": PATIENT,
        "accessor": "lakeside-clinician",
        "granted_at": dt.datetime(2025, 4, 25, 14, 0, tzinfo=dt.timezone.utc),
        "expires_at": dt.datetime(2025, 4, 25, 15, 0, tzinfo=dt.timezone.utc),
    },
    "SessionScheduled": {
        "site_id": SITE,
        **SESSION_IDS,
        **GROUP,
        "ends_at": ENDS_AT,
        "timezone": "America/New_York",
        "staff_id": STAFF,
    },
    "SessionRescheduled": {
        "site_id": SITE,
        **SESSION_IDS,
        "starts_at": STARTS_AT + dt.timedelta(days=1),
        "ends_at": ENDS_AT + dt.timedelta(days=1),
        "previous_starts_at": STARTS_AT,
    },
    "SessionCancelled": {"site_id": SITE, **SESSION_IDS, "reason": "facilitator_unavailable"},
    "SessionAttended": {"site_id": SITE, **SESSION_IDS, **GROUP, "attended_minutes": 180},
    "SessionMissed": {
        "site_id": SITE,
        **SESSION_IDS,
        **GROUP,
        "excused": False,
        "consecutive_missed": 2,
    },
    "PatientWaitlisted": {
        "site_id": SITE,
        "patient_id": PATIENT,
        "enrollment_id": ENROLLMENT,
        "track": "trauma",
        "modality": "trauma_group",
        "position": 3,
    },
    "GroupNoteSigned": {
        "site_id": SITE,
        "note_id": "5d0c2f4e-8b1a-4c3d-9e7f-0a1b2c3d4e5f",
        "session_id": SESSION_IDS["session_id"],
        "version": 2,
        "patient_ids": [PATIENT],
    },
    "AssessmentDue": {
        "site_id": SITE,
        "patient_id": PATIENT,
        "enrollment_id": ENROLLMENT,
        "instrument": "phq9",
        "due_on": dt.date(2025, 3, 10),
    },
    "AssessmentScored": {
        "site_id": SITE,
        "assessment_id": ASSESSMENT,
        "patient_id": PATIENT,
        "enrollment_id": ENROLLMENT,
        "instrument": "phq9",
        "administered_at": dt.datetime(2025, 3, 10, 15, 30, tzinfo=UTC),
        "total_score": 11,
        "severity": "moderate",
        "baseline_score": 17,
        "change_from_baseline": -6,
        "reliable_change": "improved",
    },
    "RiskFlagRaised": {
        "site_id": SITE,
        "assessment_id": ASSESSMENT,
        "patient_id": PATIENT,
        "enrollment_id": ENROLLMENT,
        "level": "high",
        "reason": "phq9_item9",
    },
    "OutcomeSummaryComputed": {
        "site_id": SITE,
        "enrollment_id": ENROLLMENT,
        "patient_id": PATIENT,
        "track": "depression",
        "attendance_rate": 0.875,
        "measures": [
            {
                "instrument": "phq9",
                "baseline_score": 17,
                "final_score": 7,
                "change": -10,
                "reliable_change": "improved",
                "response": True,
                "remission": False,
            },
            {
                "instrument": "who5",
                "baseline_score": None,
                "final_score": 52,
                "change": None,
                "reliable_change": None,
                "response": None,
                "remission": None,
            },
        ],
    },
    "ReferrerConsentChanged": {"site_id": SITE, "referral_id": REFERRAL, "patient_id": PATIENT,
                               "enrollment_id": ENROLLMENT, "consent_to_share": True},
    "DischargeSummaryReady": {"site_id": SITE, "enrollment_id": ENROLLMENT, "patient_id": PATIENT,
                              "document_id": ENROLLMENT},
    "NotificationSent": {"site_id": SITE, **DELIVERY},
    "NotificationFailed": {"site_id": SITE, **DELIVERY, "error": "SMTP 550 mailbox unavailable", "attempts": 5},
    "CareTeamAlerted": {
        "site_id": SITE,
        "alert_id": ALERT,
        "patient_id": PATIENT,
        "reason": "risk",
        "level": "high",
        "cause_event_id": CAUSE_EVENT,
    },
}


def example(event_type: str, **changes) -> dict:
    """A fresh copy of the example data of `event_type`, with `changes` applied."""
    return {**copy.deepcopy(EXAMPLES[event_type]), **changes}
