"""The role sets that routes name, once for every service (handbook ARCHITECTURE.md, HTTP).

A key or token carries roles from ``shared.enums.ROLES``; a route lists the roles that may call it.
"""
ADMIN, COORDINATOR, CLINICIAN, INTEGRATOR, OPS = "admin", "coordinator", "clinician", "integrator", "ops"
PRIVACY_OFFICER = "privacy_officer"

# Refer and enroll patients, set up staff and group series.
MANAGERS = (ADMIN, COORDINATOR)
# Read and change patient records: the clinic's own staff.
CARE_TEAM = (ADMIN, COORDINATOR, CLINICIAN)
# Override the completion rule at discharge (a clinical judgement).
OVERRIDERS = (ADMIN, CLINICIAN)
# Name-free views: the care team and integrators (ids, codes, dates, scores; no names or free text).
CARE_TEAM_AND_INTEGRATORS = CARE_TEAM + (INTEGRATOR,)
# Drive the platform's clocks and queues.
OPERATORS = (ADMIN, OPS)
# Read the accounting of disclosures (GET /audit): who read or changed a patient's data.
PRIVACY_OFFICERS = (PRIVACY_OFFICER,)
# Open another site's patient by stating a reason (break-the-glass, X-Access-Reason).
EMERGENCY_ACCESS = (CLINICIAN,)
# Write, sign and amend clinical documentation (group notes): the clinicians who ran the session.
NOTE_AUTHORS = (CLINICIAN,)
