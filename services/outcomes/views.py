"""Response shapes of the outcomes routes: plain dicts from records and domain values."""
from __future__ import annotations

from services.outcomes.domain.outcome_summary import Attendance
from services.outcomes.domain.scoring import ScoredAssessment


def assessment_view(assessment, with_items: bool = True) -> dict:
    view = {"assessment_id": assessment.assessment_id, "instrument": assessment.instrument,
            "administered_at": assessment.administered_at, "total_score": assessment.total_score,
            "severity": assessment.severity, "baseline_score": assessment.baseline_score,
            "change_from_baseline": assessment.change_from_baseline,
            "reliable_change": assessment.reliable_change, "complete": assessment.complete}
    if assessment.referral_id is not None:
        view["referral_id"] = assessment.referral_id
    if with_items:
        view["responses"] = assessment.responses
        if assessment.instrument == "cssrs":
            view["q6_within_3_months"] = assessment.q6_within_3_months
    return view


def scored_view(assessment, scored: ScoredAssessment) -> dict:
    """POST /assessments: the score without the items, and the flags it raised."""
    return {**assessment_view(assessment, with_items=False),
            "patient_id": assessment.patient_id, "enrollment_id": assessment.enrollment_id,
            "is_baseline": scored.is_baseline,
            "flags": [{"reason": f.reason, "level": f.level} for f in scored.flags]}


def assessment_record_view(assessment) -> dict:
    """One assessment with whose it is: patient, site, episode."""
    return {**assessment_view(assessment), "patient_id": assessment.patient_id,
            "site_id": assessment.site_id, "enrollment_id": assessment.enrollment_id}


def flag_view(flag) -> dict:
    return {"flag_id": flag.flag_id, "patient_id": flag.patient_id, "site_id": flag.site_id,
            "enrollment_id": flag.enrollment_id, "referral_id": flag.referral_id,
            "assessment_id": flag.assessment_id, "reason": flag.reason, "level": flag.level,
            "raised_at": flag.raised_at}


def flags_view(flags) -> dict:
    return {"flags": [flag_view(flag) for flag in flags]}


def trajectories_view(patient_id: str, trajectories) -> dict:
    """Per episode, per instrument: the screening score and every score, baseline first."""
    episodes = []
    for found in trajectories:
        episode, screening = found.episode, found.screening
        by_instrument: dict[str, dict] = {}
        for assessment in found.assessments:
            entry = by_instrument.setdefault(assessment.instrument, {
                "screening_score": screening.get(assessment.instrument), "scores": []})
            entry["scores"].append(assessment_view(assessment))
        for name, total in screening.items():
            by_instrument.setdefault(name, {"screening_score": total, "scores": []})
        episodes.append({"enrollment_id": episode.enrollment_id, "site_id": episode.site_id,
                         "track": episode.track, "start_date": episode.start_date,
                         "status": episode.status, "ended_on": episode.ended_on,
                         "trajectories": by_instrument})
    return {"patient_id": patient_id, "episodes": episodes}


def attendance_view(attendance: Attendance) -> dict:
    return {"rate": attendance.rate, "basis": attendance.basis,
            "sessions_attended": attendance.attended, "sessions_counted": attendance.counted}


def summary_view(summary) -> dict:
    episode = summary.episode
    return {"enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
            "site_id": episode.site_id, "track": episode.track, "status": episode.status,
            "start_date": episode.start_date, "ended_on": episode.ended_on,
            "final": summary.final, "computed_at": summary.computed_at,
            "attendance": attendance_view(summary.attendance),
            "measures": [m.as_dict() for m in summary.measures]}


def schedule_view(episode, items) -> dict:
    return {"enrollment_id": episode.enrollment_id, "patient_id": episode.patient_id,
            "site_id": episode.site_id, "track": episode.track, "status": episode.status,
            "items": [{"instrument": item.instrument, "occasion": item.occasion,
                       "due_on": item.due_on, "due_at": item.due_at, "status": item.status,
                       "announced_at": item.announced_at, "assessment_id": item.assessment_id}
                      for item in items]}


def report_view(query: dict, sites: list[str], groups: list[dict]) -> dict:
    return {"from": query["from_"], "to": query["to"], "sites": sites, "groups": groups}
