"""The platform's enumerations (handbook CONTRACTS.md), as tuples of their wire values.

Tuples, not Enum classes: the values travel as plain strings in events, HTTP bodies and the
database, and marshmallow's OneOf, SQL CHECK constraints and JSON Schema all take them as they are.
Adding a value is an additive change; renaming or removing one is breaking.
"""

TRACKS = ("depression", "anxiety", "trauma")

MODALITIES = (
    "cbt_group",
    "mbsr_group",
    "trauma_group",
    "dbt_skills_group",
    "psychoeducation",
    "individual_therapy",
    "family_therapy",
)

SESSION_KINDS = ("group", "individual", "family", "education")

# cssrs is the Columbia Suicide Severity Rating Scale screener, asked by the care team.
INSTRUMENTS = ("phq9", "gad7", "pcl5", "who5", "audit_c", "dast10", "cssrs")

# Who answers an instrument: the patient fills it in, or a clinician asks it (C-SSRS screener).
RESPONDENTS = ("patient", "care_team")

# `adolescent` is under 18 at enrollment; the band does not change during the program.
AGE_BANDS = ("adult", "adolescent")

DISCHARGE_REASONS = (
    "completed",
    "withdrew",
    "higher_level_of_care",
    "non_attendance",
    "administrative",
)

# Triage outcome of a referral.
RECOMMENDATIONS = ("iop", "higher_level_of_care", "standard_outpatient")

RELIABLE_CHANGE = ("improved", "no_change", "deteriorated")

RISK_LEVELS = ("moderate", "high")

RISK_REASONS = ("phq9_item9", "reliable_deterioration", "cssrs")

ALERT_REASONS = ("risk", "missed_sessions", "deterioration", "break_glass")

# referrer: the enrollment's referring provider; related_person: a patient's family member or
# other contact (a family session's reminder).
RECIPIENT_TYPES = ("patient", "staff", "referrer", "related_person")

ATTENDANCE_STATUSES = ("attended", "absent", "excused")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ROLES = ("admin", "coordinator", "clinician", "integrator", "ops", "privacy_officer")

# A related person's relationship to the patient: HL7 v3 RoleCode (personal relationship) codes,
# as FHIR's RelatedPerson.relationship carries them.
RELATIONSHIPS = ("MTH", "FTH", "PRN", "STPPRN", "SPS", "DOMPART", "SIB", "CHILD", "GRPRN",
                 "GRNDCHILD", "AUNT", "UNCLE", "COUSN", "GUARD", "FAMMEMB", "FRND", "NBOR",
                 "ROOM")
