"""Refer and Enroll: the referral form with its screening (intake ``ReferralIn``), the triage result
with any risk flag, and the enrollment form (intake ``EnrollmentIn``).

Intake decides everything (triage, the risk flag, the IOP minimum, a start date in the past booking
past sessions): these functions only turn the form into the API's body and the API's answer, or its
422, back into the page.
"""
from __future__ import annotations

from datetime import date

from shared.enums import TRACKS

from services.console.views.common import answer, blank_to_none, field_errors, item_field

# The referral's screening: PHQ-9 and GAD-7 required, PCL-5 optional (intake ScreeningIn).
SCREENS = ("phq9", "gad7", "pcl5")
OPTIONAL_SCREENS = frozenset({"pcl5"})
# Short codes for who referred (ReferralIn.source): the ones the form offers.
SOURCES = ("self", "primary_care", "psychiatry", "hospital", "school", "community", "other")
LANGUAGES = ("en", "es")
PATIENT_FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "preferred_language",
                  "sex")
CONSENTS = ("treatment", "email", "sms")
PLAN_FIELDS = ("group_sessions_per_week", "individual_sessions_per_week",
               "family_sessions_per_month", "education_sessions_per_week")
# The enrollment form's starting values, which the coordinator changes: a plan above the adult
# minimum (3 group blocks, 1 individual, 1 psychoeducation a week). Intake checks whatever is sent.
PLAN_DEFAULTS = {"group_sessions_per_week": "3", "individual_sessions_per_week": "1",
                 "family_sessions_per_month": "0", "education_sessions_per_week": "1"}


def screening_lists() -> dict[str, str]:
    return {f"screening.{name}": f"screening.{name}" for name in SCREENS}


def referral_fields(instruments) -> set[str]:
    names = {"site_id", "source", "referred_on", "patient", "consents", "screening"}
    names |= {f"patient.{name}" for name in PATIENT_FIELDS + ("interpreter_needed",)}
    names |= {f"consents.{name}" for name in CONSENTS}
    for screen in SCREENS:
        names.add(f"screening.{screen}")
        names |= {item_field(f"screening.{screen}", n)
                  for n in range(1, instruments.item_count(screen) + 1)}
    return names


def referral_form(sites: list[dict], instruments, values=None, errors: dict | None = None) -> dict:
    """What the form shows: the sites, the screens with their items, the values sent back, and
    the errors beside each field (``errors``: the 422's, flattened)."""
    values = values if values is not None else {}
    by_field, rest = field_errors(errors or {}, screening_lists(), referral_fields(instruments))
    screens = []
    for screen in SCREENS:
        low, high = instruments.item_range(screen)
        prefix = f"screening.{screen}"
        screens.append({
            "instrument": screen, "name": prefix, "optional": screen in OPTIONAL_SCREENS,
            "min": low, "max": high, "errors": by_field.get(prefix, []),
            "items": [{"name": item_field(prefix, n), "number": n,
                       "value": values.get(item_field(prefix, n), ""),
                       "errors": by_field.get(item_field(prefix, n), [])}
                      for n in range(1, instruments.item_count(screen) + 1)]})
    return {"sites": sites, "sources": SOURCES, "languages": LANGUAGES, "screens": screens,
            "values": values, "errors": by_field, "other_errors": rest,
            "has_errors": bool(by_field or rest)}


def _items(form, prefix: str, count: int) -> list:
    return [answer(form.get(item_field(prefix, n))) for n in range(1, count + 1)]


def referral_body(form, instruments) -> dict:
    """The POST /referrals body from the form; blank answers go as null for intake to name."""
    screening = {}
    for screen in SCREENS:
        items = _items(form, f"screening.{screen}", instruments.item_count(screen))
        if screen in OPTIONAL_SCREENS and all(item is None for item in items):
            continue  # an optional screen left wholly blank was not given
        screening[screen] = items
    patient = {name: blank_to_none(form.get(f"patient.{name}")) for name in PATIENT_FIELDS}
    patient["preferred_language"] = patient["preferred_language"] or "en"
    patient["interpreter_needed"] = form.get("patient.interpreter_needed") == "on"
    body = {"site_id": form.get("site_id", ""), "source": form.get("source", ""),
            "patient": patient, "screening": screening,
            "consents": {name: form.get(f"consents.{name}") == "on" for name in CONSENTS}}
    referred_on = blank_to_none(form.get("referred_on"))
    if referred_on:
        body["referred_on"] = referred_on
    return body


def referral_result(referral: dict, patient: dict | None, today: date, default_goal: str = "") -> dict:
    """The triage at once: recommendation, track, any risk flag, the screening's totals."""
    screening = referral.get("screening") or {}
    severities = screening.get("severities") or {}
    totals = [{"instrument": name, "total": screening.get(name), "severity": severities.get(name)}
              for name in SCREENS if screening.get(name) is not None]
    return {"referral_id": referral["referral_id"], "patient_id": referral["patient_id"],
            "site_id": referral["site_id"], "referred_on": referral.get("referred_on"),
            "patient_name": _name(patient), "recommendation": referral["recommendation"],
            "recommended_track": referral.get("recommended_track"),
            "risk_flag": referral.get("risk_flag"), "totals": totals,
            "enrollment_id": referral.get("enrollment_id"),
            "enroll": enroll_form(referral, today, default_goal=default_goal)}


def _name(patient: dict | None) -> str:
    if not patient:
        return ""
    return f"{patient.get('given_name', '')} {patient.get('family_name', '')}".strip()


def enroll_fields() -> set[str]:
    return {"track", "start_date", "planned_weeks", "plan", "goals", "referral_id"} | {
        f"plan.{name}" for name in PLAN_FIELDS}


def enroll_form(referral: dict, today: date, values=None, errors: dict | None = None,
                default_goal: str = "") -> dict:
    """The enrollment form: the recommended track, the site's today and a first goal to start
    with, all changed by the coordinator before enrolling."""
    by_field, rest = field_errors(errors or {}, {}, enroll_fields())
    if values is None:
        values = {"track": referral.get("recommended_track") or "", "start_date": today.isoformat(),
                  "planned_weeks": "", "goals": default_goal,
                  **{f"plan.{name}": value for name, value in PLAN_DEFAULTS.items()}}
    return {"action": f"/referrals/{referral['referral_id']}/enroll", "tracks": TRACKS,
            "plan_fields": PLAN_FIELDS, "values": values, "errors": by_field, "other_errors": rest,
            "has_errors": bool(by_field or rest)}


def enrollment_body(referral_id: str, form) -> dict:
    """The POST /enrollments body; a start date before today is a late entry (intake books the
    past sessions too)."""
    return {"referral_id": referral_id, "track": form.get("track", ""),
            "start_date": form.get("start_date", ""),
            "planned_weeks": answer(form.get("planned_weeks")),
            "plan": {name: answer(form.get(f"plan.{name}")) for name in PLAN_FIELDS},
            "goals": [line.strip() for line in (form.get("goals") or "").splitlines() if line.strip()]}
