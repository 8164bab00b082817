"""A session: its roster with one form marking the whole group, walk-ins, and the group note.

Scheduling owns all of it (``GET /sessions/{id}``, ``POST …/attendance``, ``POST …/roster``, the
note routes); intake gives the names and the site's enrollments a walk-in can come from. Each POST
answers a redirect back to the page (post/redirect/get), or the page again with the service's 422
field errors beside the fields and what was typed kept.
"""
from __future__ import annotations

from datetime import datetime

from shared.upstream import UpstreamError

from services.console.web import Page, local_time

STATUSES = ("attended", "absent", "excused")
WALK_IN_KINDS = ("group", "education")


def roster_of(page: Page, detail: dict) -> list[dict]:
    return [{**b, "name": page.patient_name(b["patient_id"])}
            for b in detail["bookings"] if b["status"] == "booked"]


def duration_minutes(detail: dict) -> int:
    starts = datetime.fromisoformat(detail["starts_at"])
    ends = datetime.fromisoformat(detail["ends_at"])
    return max(int((ends - starts).total_seconds() // 60), 1)


def can_add(detail: dict) -> bool:
    return detail["kind"] in WALK_IN_KINDS and detail["status"] == "scheduled"


def walk_in_candidates(page: Page, detail: dict, roster: list[dict]) -> list[dict]:
    """The site's patients with an active enrollment who are not on this roster yet. Read only
    when asked for (``?add=1``): it opens every record of the site, each read audited."""
    if not can_add(detail):
        return []
    on_roster = {b["patient_id"] for b in roster}
    listed = page.up.get("intake", f"/sites/{detail['site_id']}/patients")["patient_ids"]
    candidates = []
    for patient_id in listed:
        if patient_id in on_roster:
            continue
        patient = page.patient(patient_id)
        for enrollment_id in reversed((patient or {}).get("enrollment_ids") or []):
            enrollment = page.up.get("intake", f"/enrollments/{enrollment_id}", missing_ok=True)
            if enrollment and enrollment["status"] == "active":
                candidates.append({"patient_id": patient_id, "enrollment_id": enrollment_id,
                                   "name": page.patient_name(patient_id),
                                   "track": enrollment["track"]})
                break
    return sorted(candidates, key=lambda c: c["name"])


def note_of(page: Page, session_id: str) -> dict | None:
    note = page.up.get("scheduling", f"/sessions/{session_id}/note", missing_ok=True)
    if note is not None:
        note["part_of"] = {p["patient_id"]: p["text"] for p in note["parts"]}
    return note


def show(page: Page, session_id: str, status: int = 200, errors: dict | None = None,
         typed: dict | None = None, failed: str | None = None):
    detail = page.up.get("scheduling", f"/sessions/{session_id}")
    roster = roster_of(page, detail)
    note = note_of(page, session_id)
    adding = page.request.args.get("add") == "1" or failed == "walk_in"
    zone = page.zone_of(detail["site_id"]) or detail["timezone"]
    title = page.t("session_title", kind=page.t("kind_" + detail["kind"]),
                   when=_when(detail["starts_at"], zone))
    return page.render("session.html", status, nav="today", title=title, session=detail,
                       roster=roster, zone=zone, minutes_default=duration_minutes(detail),
                       can_add=can_add(detail), adding=adding,
                       candidates=walk_in_candidates(page, detail, roster) if adding else [],
                       note=note,
                       can_write_note=page.has_role("clinician"),
                       errors=errors or {}, typed=typed or {}, failed=failed,
                       done=page.request.args.get("done"))


def _when(instant: str, zone) -> str:
    return local_time(instant, zone, "%Y-%m-%d %H:%M")


def _back(session_id: str, done: str, anchor: str = "") -> str:
    return f"/sessions/{session_id}?done={done}{anchor}"


# -- attendance ------------------------------------------------------------------------------------

def record_attendance(page: Page, session_id: str):
    detail = page.up.get("scheduling", f"/sessions/{session_id}")
    booked = [b["patient_id"] for b in detail["bookings"] if b["status"] == "booked"]
    marks, errors = [], {}
    for patient_id in booked:
        status = page.form.get(f"status-{patient_id}")
        if not status:
            continue  # not marked in this round: left as it is
        if status not in STATUSES:
            errors[f"status-{patient_id}"] = page.t("error_choose_status")
            continue
        minutes = None
        if status == "attended":
            raw = (page.form.get(f"minutes-{patient_id}") or "").strip()
            try:
                minutes = int(raw)
            except ValueError:
                errors[f"minutes-{patient_id}"] = page.t("error_minutes")
                continue
        marks.append({"patient_id": patient_id, "status": status, "attended_minutes": minutes})
    if not marks and not errors:
        errors["attendance"] = page.t("error_nothing_marked")
    if errors:
        return show(page, session_id, 422, errors=errors, typed=dict(page.form), failed="attendance")
    try:
        page.up.post("scheduling", f"/sessions/{session_id}/attendance", marks)
    except UpstreamError as exc:
        if exc.status not in (409, 422):
            raise
        return show(page, session_id, exc.status, typed=dict(page.form), failed="attendance",
                    errors=_by_patient(exc, marks, "attendance"))
    return page.redirect(_back(session_id, "attendance", "#roster"))


def _by_patient(exc: UpstreamError, rows: list[dict], form: str) -> dict:
    """The service's errors (``"<index>.<field>"``) beside each patient's own fields."""
    errors = {}
    for key, messages in (exc.errors or {}).items():
        index, _, field = key.partition(".")
        if index.isdigit() and int(index) < len(rows):
            patient_id = rows[int(index)]["patient_id"]
            name = {"attended_minutes": "minutes", "text": "part"}.get(field, "status")
            errors[f"{name}-{patient_id}"] = " ".join(messages)
        else:
            errors[form] = " ".join(messages)
    if not errors:
        errors[form] = exc.detail
    return errors


# -- walk-ins ---------------------------------------------------------------------------------------

def add_to_roster(page: Page, session_id: str):
    patient_id, _, enrollment_id = (page.form.get("walk_in") or "").partition(":")
    if not patient_id or not enrollment_id:
        return show(page, session_id, 422, errors={"walk_in": page.t("error_choose_patient")},
                    failed="walk_in")
    try:
        page.up.post("scheduling", f"/sessions/{session_id}/roster",
                     {"patient_id": patient_id, "enrollment_id": enrollment_id})
    except UpstreamError as exc:
        if exc.status not in (409, 422):
            raise
        return show(page, session_id, exc.status, errors={"walk_in": exc.detail}, failed="walk_in")
    return page.redirect(_back(session_id, "walk_in", "#roster"))


# -- the group note ----------------------------------------------------------------------------------

def show_note(page: Page, session_id: str):
    return show(page, session_id)


def _note_body(page: Page, session_id: str) -> tuple[dict, list[dict]]:
    detail = page.up.get("scheduling", f"/sessions/{session_id}")
    parts = []
    for booking in detail["bookings"]:
        text = (page.form.get(f"part-{booking['patient_id']}") or "").strip()
        if booking["status"] == "booked" and text:
            parts.append({"patient_id": booking["patient_id"], "text": text})
    return {"shared_text": (page.form.get("shared_text") or "").strip(), "parts": parts}, parts


def _note_failed(page: Page, session_id: str, exc: UpstreamError, parts: list[dict]):
    if exc.status not in (409, 422):
        raise exc
    errors = {}
    for key, messages in (exc.errors or {}).items():
        if key.startswith("parts."):
            index, _, _ = key.removeprefix("parts.").partition(".")
            if index.isdigit() and int(index) < len(parts):
                errors[f"part-{parts[int(index)]['patient_id']}"] = " ".join(messages)
                continue
        errors[key if key in ("shared_text", "reason") else "note"] = " ".join(messages)
    if not errors:
        errors["note"] = exc.detail
    return show(page, session_id, exc.status, errors=errors, typed=dict(page.form), failed="note")


def save_note(page: Page, session_id: str):
    body, parts = _note_body(page, session_id)
    try:
        page.up.put("scheduling", f"/sessions/{session_id}/note", body)
    except UpstreamError as exc:
        return _note_failed(page, session_id, exc, parts)
    return page.redirect(_back(session_id, "draft", "#note"))


def sign_note(page: Page, session_id: str):
    """Signs what the form shows: the draft saved with the form's text first, then signed."""
    body, parts = _note_body(page, session_id)
    try:
        if body["shared_text"]:
            page.up.put("scheduling", f"/sessions/{session_id}/note", body)
        page.up.post("scheduling", f"/sessions/{session_id}/note/sign")
    except UpstreamError as exc:
        return _note_failed(page, session_id, exc, parts)
    return page.redirect(_back(session_id, "signed", "#note"))


def amend_note(page: Page, session_id: str):
    body, parts = _note_body(page, session_id)
    body["reason"] = (page.form.get("reason") or "").strip()
    try:
        page.up.post("scheduling", f"/sessions/{session_id}/note/amendments", body)
    except UpstreamError as exc:
        return _note_failed(page, session_id, exc, parts)
    return page.redirect(_back(session_id, "amended", "#note"))
