"""A patient's chart: plan and its versions, schedule, attendance against the completion rule,
assessment charts, flags, alerts, notifications sent and group notes (each with only this
patient's own part: scheduling's GET /patients/{id}/notes gives nothing else).

Every figure is a service's answer (the attendance rate and whether it meets the required rate are
intake's); this module only arranges and formats them, times in the site's zone.
"""
from __future__ import annotations

from datetime import datetime, timezone

from services.console.views.assessments import assessment_form, episode_charts
from services.console.views.common import instant, local_time, percent

def patient_name(patient: dict) -> str:
    return f"{patient.get('given_name', '')} {patient.get('family_name', '')}".strip()


def plan_section(enrollment: dict | None, versions: dict | None, zone) -> dict | None:
    if not enrollment:
        return None
    history = [{**version, "created_at": local_time(version.get("created_at"), zone)}
               for version in reversed((versions or {}).get("versions", []))]
    return {"enrollment_id": enrollment["enrollment_id"], "status": enrollment.get("status"),
            "track": enrollment.get("track"), "recommended_track": enrollment.get("recommended_track"),
            "start_date": enrollment.get("start_date"), "planned_weeks": enrollment.get("planned_weeks"),
            "weekly_hours": enrollment.get("weekly_hours"), "plan_version": enrollment.get("plan_version"),
            "plan": enrollment.get("plan") or {}, "goals": enrollment.get("goals") or [],
            "discharge": enrollment.get("discharge"), "versions": history}


def attendance_section(enrollment: dict | None, t) -> dict | None:
    """Intake's rate against its required rate (the 75 % rule), as intake computed them."""
    if not enrollment or not enrollment.get("attendance"):
        return None
    counts = enrollment["attendance"]
    none = t("value_none")
    meets = counts.get("meets_completion_rate")
    return {"attended": counts.get("attended"), "missed": counts.get("missed"),
            "excused": counts.get("excused"), "rate": percent(counts.get("rate"), none),
            "required": percent(counts.get("required_rate"), none), "meets": meets,
            "verdict": t("attendance_meets" if meets else "attendance_below",
                         required=percent(counts.get("required_rate"), none))}


def schedule_section(schedule: dict | None, zone, now: datetime) -> list[dict]:
    rows = []
    for session in (schedule or {}).get("sessions", []):
        starts = instant(session.get("starts_at"))
        attendance = session.get("attendance")
        rows.append({"session_id": session["session_id"], "kind": session.get("kind"),
                     "modality": session.get("modality"), "starts_at": local_time(session.get("starts_at"), zone),
                     "ends_at": local_time(session.get("ends_at"), zone), "status": session.get("status"),
                     "booking_status": session.get("booking_status"),
                     "attendance": (attendance or {}).get("status"),
                     "minutes": (attendance or {}).get("attended_minutes"),
                     # A past session not yet marked: the sheet to fill in (late entry, make-up).
                     "to_mark": attendance is None and starts is not None and starts <= now
                                and session.get("status") != "cancelled"})
    rows.sort(key=lambda row: row["starts_at"])
    return rows


def flags_section(flags: dict | None, zone) -> list[dict]:
    return [{"level": f.get("level"), "reason": f.get("reason"),
             "raised_at": local_time(f.get("raised_at"), zone), "assessment_id": f.get("assessment_id"),
             "referral_id": f.get("referral_id")} for f in (flags or {}).get("flags", [])]


def alerts_section(alerts: dict | None, patient_id: str, zone) -> list[dict]:
    """The site's alerts that are about this patient (GET /alerts lists a site's)."""
    return [{"alert_id": a["id"], "level": a.get("level"), "reason": a.get("reason"),
             "status": a.get("status"), "created_at": local_time(a.get("created_at"), zone),
             "acknowledged_at": local_time(a.get("acknowledged_at"), zone),
             "escalation_level": a.get("escalation_level")}
            for a in (alerts or {}).get("alerts", []) if a.get("patient_id") == patient_id]


def notifications_section(notifications: dict | None, zone) -> list[dict]:
    rows = [{"template": n.get("template"), "channel": n.get("channel"), "status": n.get("status"),
             "recipient_type": n.get("recipient_type"),
             "at": local_time(n.get("sent_at") or n.get("send_at") or n.get("created_at"), zone),
             "skip_reason": n.get("skip_reason")}
            for n in (notifications or {}).get("notifications", [])]
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows


def notes_section(notes: dict | None, patient_id: str, zone) -> list[dict]:
    """Each signed or draft note with the shared part and this patient's own part only."""
    rows = []
    for note in (notes or {}).get("notes", []):
        own = note.get("own_part") or {}
        rows.append({"session_id": note.get("session_id"), "modality": note.get("modality"),
                     "kind": note.get("kind"), "starts_at": local_time(note.get("starts_at"), zone),
                     "version": note.get("version"), "status": note.get("status"),
                     "signed_at": local_time(note.get("signed_at"), zone),
                     "amendment_reason": note.get("amendment_reason"),
                     "shared_text": note.get("shared_text") or "",
                     "own_text": (own.get("text") or "") if own.get("patient_id") == patient_id else ""})
    rows.sort(key=lambda row: row["starts_at"], reverse=True)
    return rows


def recorded_notice(assessment: dict, flags: list[dict]) -> dict:
    """What the assessment just recorded scored, and the flags it raised (outcomes' answers)."""
    return {"instrument": assessment.get("instrument"), "total": assessment.get("total_score"),
            "severity": assessment.get("severity"), "complete": assessment.get("complete", True),
            "reliable_change": assessment.get("reliable_change"),
            "flags": [f for f in flags if f.get("assessment_id") == assessment.get("assessment_id")]}


def referrals_section(referrals: list[dict]) -> list[dict]:
    """Each referral, newest first, with whether it was enrolled (its triage page enrolls it)."""
    return [{"referral_id": r["referral_id"], "referred_on": r.get("referred_on"),
             "recommendation": r.get("recommendation"), "recommended_track": r.get("recommended_track"),
             "risk_flag": r.get("risk_flag"), "enrolled": bool(r.get("enrollment_id"))}
            for r in reversed(referrals)]


def screened_on(referrals: list[dict]) -> dict:
    """Enrollment id → the referral's date: where a chart places the screening (baseline) total."""
    return {r["enrollment_id"]: r.get("referred_on") for r in referrals if r.get("enrollment_id")}


def patient_page(*, patient: dict, enrollment: dict | None, versions: dict | None,
                 schedule: dict | None, assessments: dict | None, flags: dict | None,
                 alerts: dict | None, notifications: dict | None, notes: dict | None,
                 referrals: list[dict], instruments, t, zone, now: datetime | None = None,
                 form_values=None, form_errors: dict | None = None,
                 instrument: str | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    patient_id = patient["patient_id"]
    return {"patient_id": patient_id, "name": patient_name(patient), "site_id": patient.get("site_id"),
            "birth_date": patient.get("birth_date"), "preferred_language": patient.get("preferred_language"),
            "interpreter_needed": patient.get("interpreter_needed"),
            "plan": plan_section(enrollment, versions, zone),
            "attendance": attendance_section(enrollment, t),
            "schedule": schedule_section(schedule, zone, now),
            "timezone": getattr(zone, "key", "UTC"),
            "episodes": episode_charts(assessments or {}, instruments, t, zone, screened_on(referrals)),
            "referrals": referrals_section(referrals),
            "flags": flags_section(flags, zone),
            "alerts": alerts_section(alerts, patient_id, zone),
            "notifications": notifications_section(notifications, zone),
            "notes": notes_section(notes, patient_id, zone),
            "assessment_form": assessment_form(patient_id, enrollment["enrollment_id"] if enrollment else None,
                                               instruments, form_values, form_errors, instrument)}
