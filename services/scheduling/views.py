"""Read models: a site's calendar, a session, a patient's schedule with weekly intensity, care teams."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from shared.problems import NotFound
from services.scheduling.reservations import Context, waiting_line
from services.scheduling.intensity import minimum_weekly_hours, program_weeks, weekly_intensity
from services.scheduling.models import (Attendance, Booking, Enrollment, GroupSeries, Session, Staff,
                                        WaitlistEntry)
from services.scheduling.occurrences import Occurrence, start_of_local_day
from services.scheduling.waitlist import Waiting, position


def session_summary(session: Session) -> dict:
    return {"session_id": session.id, "site_id": session.site_id, "series_id": session.series_id,
            "kind": session.kind, "modality": session.modality, "staff_id": session.staff_id,
            "starts_at": session.starts_at, "ends_at": session.ends_at,
            "timezone": session.timezone, "status": session.status}


def calendar(uow, site_id: str, first: date, last: date, ctx: Context) -> dict:
    zone = ctx.zones[site_id]
    booked = (select(Booking.session_id, func.count().label("booked"))
              .where(Booking.status == "booked").group_by(Booking.session_id).subquery())
    rows = uow.session.execute(
        select(Session, func.coalesce(booked.c.booked, 0), GroupSeries.capacity)
        .outerjoin(booked, booked.c.session_id == Session.id)
        .outerjoin(GroupSeries, GroupSeries.id == Session.series_id)
        .where(Session.site_id == site_id,
               Session.starts_at >= start_of_local_day(first, zone),
               Session.starts_at < start_of_local_day(last + timedelta(days=1), zone))
        .order_by(Session.starts_at, Session.id))
    return {"site_id": site_id, "timezone": zone.key, "from": first, "to": last,
            "sessions": [{**session_summary(s), "booked": n, "capacity": capacity if capacity else 1}
                         for s, n, capacity in rows]}


def session_detail(uow, session: Session) -> dict:
    rows = uow.session.execute(
        select(Booking, Attendance).outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Booking.session_id == session.id).order_by(Booking.created_at, Booking.id))
    return {**session_summary(session), "cancel_reason": session.cancel_reason,
            "bookings": [{"booking_id": b.id, "patient_id": b.patient_id, "status": b.status,
                          "attendance": attendance_view(a)} for b, a in rows]}


def attendance_view(record: Attendance | None) -> dict | None:
    if record is None:
        return None
    return {"status": record.status, "attended_minutes": record.attended_minutes,
            "recorded_at": record.recorded_at}


def current_enrollment(uow, patient_id: str) -> Enrollment | None:
    """The patient's active enrollment, else the latest one."""
    return uow.session.scalar(select(Enrollment).where(Enrollment.patient_id == patient_id)
                              .order_by((Enrollment.status == "active").desc(),
                                        Enrollment.start_date.desc()))


def patient_schedule(uow, patient_id: str, ctx: Context) -> dict:
    enrollment = current_enrollment(uow, patient_id)
    if enrollment is None:
        raise NotFound("Patient not found.")
    ctx.caller.visible(enrollment.site_id, "Patient")
    zone = ctx.zones[enrollment.site_id]
    rows = uow.session.execute(
        select(Booking, Session, Attendance).join(Session, Session.id == Booking.session_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Booking.enrollment_id == enrollment.id).order_by(Session.starts_at))
    bookings, held = [], []
    for booking, session, record in rows:
        bookings.append({**session_summary(session), "booking_id": booking.id,
                         "booking_status": booking.status, "attendance": attendance_view(record)})
        if booking.status == "booked" and session.status == "scheduled":
            held.append(Occurrence(session.starts_at, session.ends_at))
    minimum = minimum_weekly_hours(enrollment.age_band, ctx.program)
    return {"patient_id": patient_id, "enrollment_id": enrollment.id, "site_id": enrollment.site_id,
            "timezone": zone.key, "enrollment_status": enrollment.status,
            "primary_clinician_id": enrollment.therapist_id, "sessions": bookings,
            "waitlist": waitlist_places(uow, enrollment),
            "intensity": {"planned_weekly_hours": enrollment.weekly_hours,
                          "minimum_weekly_hours": minimum,
                          "weeks": weekly_intensity(held, zone, program_weeks(
                              enrollment.start_date, enrollment.planned_weeks),
                              enrollment.weekly_hours, minimum)}}


def waitlist_places(uow, enrollment: Enrollment) -> list[dict]:
    places = []
    for entry, series in uow.session.execute(
            select(WaitlistEntry, GroupSeries).join(GroupSeries, GroupSeries.id == WaitlistEntry.series_id)
            .where(WaitlistEntry.enrollment_id == enrollment.id, WaitlistEntry.status == "waiting")):
        line = [Waiting(e.id, e.enrollment_id) for e in waiting_line(uow, series.id)]
        places.append({"series_id": series.id, "modality": series.modality,
                       "position": position(line, enrollment.id)})
    return places


def contact(staff: Staff) -> dict:
    return {"staff_id": staff.id, "name": staff.name, "email": staff.email, "phone": staff.phone,
            "languages": staff.languages}


def care_team(uow, site_id: str, patient_id: str) -> dict:
    on_call = [contact(s) for s in uow.session.scalars(
        select(Staff).where(Staff.site_id == site_id).order_by(Staff.name, Staff.id))
        if "on_call" in s.roles]
    enrollment = uow.session.scalar(select(Enrollment).where(
        Enrollment.patient_id == patient_id, Enrollment.site_id == site_id)
        .order_by((Enrollment.status == "active").desc(), Enrollment.start_date.desc()))
    therapist = (uow.session.get(Staff, enrollment.therapist_id)
                 if enrollment is not None and enrollment.therapist_id else None)
    return {"site_id": site_id, "on_call": on_call,
            "primary_clinician": contact(therapist) if therapist else None}
