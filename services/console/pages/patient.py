"""A patient (GET /patients/<id>) and recording an assessment (POST /patients/<id>/assessments).

Each section is one service's answer to the person's token: intake (patient, enrollment, plan
versions, referrals), scheduling (schedule, group notes), outcomes (assessments, flags),
notifications (alerts, messages). A section the person's role may not read is left out, not the
page: the service's 403 says so.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from shared.upstream import UpstreamError

from services.console.views.assessments import assessment_body
from services.console.views.patient import patient_page, recorded_notice


def _optional(read):
    """A section's answer; None when the service does not give it to this person (403) or has
    nothing (404)."""
    try:
        return read()
    except UpstreamError as exc:
        if exc.status in (403, 404):
            return None
        raise


def _site(page, site_id: str) -> dict:
    return next((s for s in page.sites() if s["site_id"] == site_id),
                {"site_id": site_id, "name": site_id, "timezone": "UTC"})


def _zone(page, site_id: str):
    return ZoneInfo(_site(page, site_id)["timezone"])


def show(page, patient_id, instruments, form_values=None, form_errors=None, status=200):
    up = page.up
    patient = up.get("intake", f"/patients/{patient_id}")
    patient_id = patient["patient_id"]
    latest = patient["enrollment_ids"][-1] if patient.get("enrollment_ids") else None
    enrollment = up.get("intake", f"/enrollments/{latest}") if latest else None
    versions = _optional(lambda: up.get("intake", f"/enrollments/{latest}/plans")) if latest else None
    referrals = [r for r in (_optional(lambda rid=rid: up.get("intake", f"/referrals/{rid}"))
                             for rid in patient.get("referral_ids", [])) if r]
    view = patient_page(
        patient=patient, enrollment=enrollment, versions=versions,
        schedule=_optional(lambda: up.get("scheduling", f"/patients/{patient_id}/schedule")),
        assessments=_optional(lambda: up.get("outcomes", f"/patients/{patient_id}/assessments")),
        flags=_optional(lambda: up.get("outcomes", "/flags", {"patient_id": patient_id})),
        alerts=_optional(lambda: up.get("notifications", "/alerts",
                                        {"site_id": patient["site_id"], "limit": 500})),
        notifications=_optional(lambda: up.get("notifications", "/notifications",
                                               {"patient_id": patient_id})),
        notes=_optional(lambda: up.get("scheduling", f"/patients/{patient_id}/notes")),
        referrals=referrals, instruments=instruments, t=page.t, zone=_zone(page, patient["site_id"]),
        form_values=form_values, form_errors=form_errors,
        instrument=page.request.args.get("instrument"))
    view["site_name"] = _site(page, patient["site_id"])["name"]
    recorded = page.request.args.get("recorded")
    notice = None
    if recorded and form_errors is None and re.fullmatch(r"[0-9a-fA-F-]{36}", recorded):
        assessment = _optional(lambda: up.get("outcomes", f"/assessments/{recorded}"))
        if assessment and assessment.get("patient_id") == patient_id:
            notice = recorded_notice(assessment, view["flags"])
    return page.render("patient.html", status, nav="", title=view["name"], patient=view,
                       notice=notice)


def record_assessment(page, patient_id, instruments):
    patient = page.up.get("intake", f"/patients/{patient_id}")
    body = assessment_body(patient["patient_id"], page.form, instruments, _zone(page, patient["site_id"]),
                           datetime.now(timezone.utc))
    try:
        scored = page.up.post("outcomes", "/assessments", body)
    except UpstreamError as exc:
        if exc.status != 422:
            raise
        return show(page, patient_id, instruments, page.form, exc.errors or {"_schema": [exc.detail]}, 422)
    # Post/redirect/get: the chart shows the score and any flag it raised at once; the URL carries
    # the assessment's id only.
    return page.redirect(f"/patients/{patient_id}?recorded={scored['assessment_id']}#assessment-result")
