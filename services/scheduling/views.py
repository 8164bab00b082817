"""Response shapes: plain dicts from records (no queries here)."""
from __future__ import annotations

from shared.enums import WEEKDAYS


def site_list(sites: dict, visible: list[str]) -> dict:
    return {"sites": [{"site_id": site_id, "name": sites[site_id]["name"],
                       "timezone": sites[site_id]["timezone"]} for site_id in visible]}


def staff_view(staff, availability, with_contacts: bool = True) -> dict:
    """A staff member; without contacts (the integrator view) no name, email or phone: ids,
    roles, languages and hours are what a rostering or billing system needs."""
    view = {"staff_id": staff.id, "site_id": staff.site_id, "roles": staff.roles,
            "languages": staff.languages, "max_caseload": staff.max_caseload,
            "availability": [{"weekday": WEEKDAYS[a.weekday], "start_time": a.start_time,
                              "end_time": a.end_time} for a in availability]}
    if with_contacts:
        view.update(name=staff.name, email=staff.email, phone=staff.phone)
    return view


def series_view(series, occurrences: int | None = None, waiting: int | None = None) -> dict:
    """``waiting``: enrollments on the series' waitlist (listings and reads; not at creation)."""
    view = {"series_id": series.id, "site_id": series.site_id, "track": series.track,
            "modality": series.modality, "kind": series.kind,
            "weekdays": [WEEKDAYS[d] for d in series.weekdays], "start_time": series.start_time,
            "timezone": series.timezone, "duration_minutes": series.duration_minutes,
            "capacity": series.capacity, "seats_taken": series.seats_taken,
            "facilitator_id": series.facilitator_id, "starts_on": series.starts_on,
            "ends_on": series.ends_on}
    if occurrences is not None:
        view["occurrences"] = occurrences
    if waiting is not None:
        view["waiting"] = waiting
    return view


def session_summary(session) -> dict:
    return {"session_id": session.id, "site_id": session.site_id, "series_id": session.series_id,
            "kind": session.kind, "modality": session.modality, "staff_id": session.staff_id,
            "starts_at": session.starts_at, "ends_at": session.ends_at,
            "timezone": session.timezone, "status": session.status}


def calendar(site_id: str, zone, first, last, rows) -> dict:
    """``rows``: (session, booked count, series capacity or None for an appointment, enrollments
    waiting for the series or None for an appointment)."""
    return {"site_id": site_id, "timezone": zone.key, "from": first, "to": last,
            "sessions": [{**session_summary(s), "booked": n, "capacity": capacity if capacity else 1,
                          "waiting": waiting or 0} for s, n, capacity, waiting in rows]}


def session_detail(session, bookings, participants=()) -> dict:
    view = {**session_summary(session), "cancel_reason": session.cancel_reason,
            "bookings": [{"booking_id": b.id, "patient_id": b.patient_id, "status": b.status,
                          "attendance": attendance_view(a)} for b, a in bookings]}
    if session.kind == "family":
        view["related_persons"] = family_participants(participants)
    return view


def family_participants(related_person_ids) -> list[dict]:
    """A family session's related persons, by id (names and contacts are intake's)."""
    return [{"related_person_id": person_id} for person_id in related_person_ids]


def attendance_view(record) -> dict | None:
    if record is None:
        return None
    return {"status": record.status, "attended_minutes": record.attended_minutes,
            "recorded_at": record.recorded_at}


def attendance_records(session_id: str, marks) -> dict:
    return {"session_id": session_id, "records": [
        {"patient_id": booking.patient_id, "booking_id": booking.id, "status": mark.status,
         "attended_minutes": mark.attended_minutes, "outcome": outcome}
        for booking, mark, outcome in marks]}


def cancelled_session(session, bookings) -> dict:
    return {"session_id": session.id, "status": session.status, "reason": session.cancel_reason,
            "cancelled_bookings": [b.id for b in bookings]}


def rescheduled(booking, session, previous) -> dict:
    return {"booking_id": booking.id, "session_id": session.id, "starts_at": session.starts_at,
            "ends_at": session.ends_at, "previous_starts_at": previous, "timezone": session.timezone}


def patient_schedule(patient_id: str, schedule: dict) -> dict:
    enrollment, zone = schedule["enrollment"], schedule["zone"]
    return {"patient_id": patient_id, "enrollment_id": enrollment.id, "site_id": enrollment.site_id,
            "timezone": zone.key, "enrollment_status": enrollment.status,
            "primary_clinician_id": enrollment.therapist_id,
            "sessions": [{**session_summary(session), "booking_id": booking.id,
                          "booking_status": booking.status, "attendance": attendance_view(record),
                          **({"related_persons": family_participants(
                              schedule["participants"].get(session.id, []))}
                             if session.kind == "family" else {})}
                         for booking, session, record in schedule["bookings"]],
            "waitlist": [{"series_id": series.id, "modality": series.modality, "position": place}
                         for series, place in schedule["waitlist"]],
            "intensity": {"planned_weekly_hours": enrollment.weekly_hours,
                          "minimum_weekly_hours": schedule["minimum_weekly_hours"],
                          "weeks": schedule["weeks"]}}


def contact(staff) -> dict:
    return {"staff_id": staff.id, "name": staff.name, "email": staff.email, "phone": staff.phone,
            "languages": staff.languages}


def care_team(site_id: str, on_call, therapist) -> dict:
    return {"site_id": site_id, "on_call": [contact(s) for s in on_call],
            "primary_clinician": contact(therapist) if therapist else None}


def note_versions(versions) -> list[dict]:
    return [{"version": v.version, "status": v.status, "signed_by": v.signed_by,
             "signed_at": v.signed_at, "amendment_reason": v.amendment_reason} for v in versions]


def note_common(view) -> dict:
    note, version = view.note, view.version
    return {"note_id": note.id, "session_id": note.session_id, "site_id": note.site_id,
            "version": version.version, "status": version.status,
            "shared_text": version.shared_text, "written_by": version.written_by,
            "written_at": version.written_at, "signed_by": version.signed_by,
            "signed_at": version.signed_at, "amendment_reason": version.amendment_reason,
            "versions": note_versions(view.versions)}


def group_note(view) -> dict:
    """The session's note with every patient's part: for the staff of the session's site."""
    return {**note_common(view),
            "parts": [{"patient_id": p.patient_id, "text": p.text} for p in view.parts],
            "attendees_without_part": view.attendees_without_part or []}


def patient_notes(patient_id: str, views) -> dict:
    """The chart: each note with only this patient's own part (never another patient's)."""
    return {"patient_id": patient_id, "notes": [{
        **note_common(view), "kind": view.session.kind, "modality": view.session.modality,
        "starts_at": view.session.starts_at, "ends_at": view.session.ends_at,
        "timezone": view.session.timezone,
        "own_part": {"patient_id": view.parts[0].patient_id, "text": view.parts[0].text}}
        for view in views]}


def roster_booking(booking, session) -> dict:
    return {"booking_id": booking.id, "session_id": session.id, "patient_id": booking.patient_id,
            "enrollment_id": booking.enrollment_id, "site_id": booking.site_id,
            "status": booking.status, "kind": session.kind, "modality": session.modality,
            "starts_at": session.starts_at, "ends_at": session.ends_at,
            "timezone": session.timezone}
