"""An enrollment's bookings: made to the treatment plan, adjusted when it changes, ended at discharge."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.scheduling.commands import EndEnrollment, EnrollmentEvent, ReadRecord
from services.scheduling.domain.intensity import minimum_weekly_hours, program_weeks, weekly_intensity
from services.scheduling.domain.occurrences import Occurrence
from services.scheduling.domain.program import (APPOINTMENTS, SERIES_PLAN, appointment_days,
                                                program_end)
from services.scheduling.domain.waitlist import position
from services.scheduling.models import Enrollment
from services.scheduling.usecases.appointments import book_appointments
from services.scheduling.usecases.bookings import cancel_future
from services.scheduling.usecases.roster import (fill_series, leave_series, reconcile_series,
                                                 waiting_line)
from shared.access import open_patient
from shared.errors import RetryLater


def book_new_enrollment(cmd: EnrollmentEvent, uow) -> Enrollment | None:
    """Record the enrollment and book its whole planned period; None for one already known."""
    data = cmd.event.data
    if uow.enrollments.get(data["enrollment_id"]) is not None:
        return None
    enrollment = uow.enrollments.add(Enrollment(
        id=data["enrollment_id"], patient_id=data["patient_id"], site_id=cmd.event.site_id,
        track=data["track"], age_band=data["age_band"], start_date=data["start_date"],
        planned_weeks=data["planned_weeks"], weekly_hours=data["weekly_hours"],
        plan=dict(data["plan"]), plan_version=1, preferred_language=data["preferred_language"],
        status="active"))
    uow.enrollments.flush()
    cmd.context.zone(enrollment.site_id)  # an unconfigured site books nothing: fail (and retry)
    ctx = replace(cmd.context, book_past=True)  # entered late: its held sessions are booked too
    for kind, key in SERIES_PLAN.items():
        fill_series(uow, enrollment, kind, enrollment.plan[key], ctx)
    for kind in APPOINTMENTS:
        book_appointments(uow, enrollment, kind,
                          appointment_days(enrollment, kind, ctx.program, ctx.calendar), ctx)
    audit_schedule(uow, cmd, enrollment, "book")
    return enrollment


def adjust_to_plan(cmd: EnrollmentEvent, uow) -> Enrollment:
    """Keep what still fits the new plan, cancel what no longer does, book what is missing."""
    data, ctx = cmd.event.data, cmd.context
    enrollment = known_enrollment(uow, cmd)
    if data["plan_version"] > enrollment.plan_version and enrollment.status == "active":
        old_plan, old_weeks = dict(enrollment.plan), enrollment.planned_weeks
        enrollment.plan, enrollment.plan_version = dict(data["plan"]), data["plan_version"]
        enrollment.planned_weeks, enrollment.weekly_hours = data["planned_weeks"], data["weekly_hours"]
        new_end = program_end(enrollment, ctx.zone(enrollment.site_id))
        cancel_future(uow, enrollment.id, new_end, "plan_changed")
        for kind, key in SERIES_PLAN.items():
            reconcile_series(uow, enrollment, kind, enrollment.plan[key], new_end, ctx)
        for kind, (modality, key) in APPOINTMENTS.items():
            if enrollment.plan[key] != old_plan[key]:
                cancel_future(uow, enrollment.id, ctx.now, "plan_changed", modality=modality)
                book_appointments(uow, enrollment, kind,
                                  appointment_days(enrollment, kind, ctx.program, ctx.calendar), ctx)
            elif enrollment.planned_weeks > old_weeks:  # same plan, longer: book the added weeks
                added_from = enrollment.start_date + timedelta(weeks=old_weeks)
                book_appointments(uow, enrollment, kind,
                                  [d for d in appointment_days(enrollment, kind, ctx.program, ctx.calendar)
                                   if d >= added_from], ctx)
    # An older or repeated version, or a finished enrollment, changes nothing but is audited too.
    audit_schedule(uow, cmd, enrollment, "adjust")
    return enrollment


def end_enrollment(cmd: EndEnrollment, uow) -> Enrollment:
    """Cancel every future booking (SessionCancelled each) and give freed seats to the waitlist."""
    enrollment = known_enrollment(uow, cmd)
    if enrollment.status != "active":
        return enrollment
    enrollment.status = cmd.status
    for series in uow.series.joined_by(enrollment.id):
        leave_series(uow, enrollment, series, cmd.reason, cmd.context)
    cancel_future(uow, enrollment.id, cmd.context.now, cmd.reason)
    for entry, _ in uow.waitlist.waiting(enrollment.id):
        entry.status = "removed"
    audit_schedule(uow, cmd, enrollment, "cancel")
    return enrollment


def patient_schedule(cmd: ReadRecord, uow) -> dict:
    """The patient's current enrollment with its sessions, waitlist places and weekly intensity."""
    enrollment = uow.enrollments.current_of_patient(cmd.record_id)
    caller = open_patient(uow, cmd.caller, cmd.record_id, enrollment and enrollment.site_id,
                          cmd.access).caller  # another site's patient: under a grant only
    zone = cmd.zones[enrollment.site_id]
    rows = uow.bookings.of_enrollment(enrollment.id)
    held = [Occurrence(session.starts_at, session.ends_at) for booking, session, _ in rows
            if booking.status == "booked" and session.status == "scheduled"]
    places = [(series, position(waiting_line(uow, series.id), enrollment.id))
              for _, series in uow.waitlist.waiting(enrollment.id)]
    minimum = minimum_weekly_hours(enrollment.age_band, cmd.program)
    weeks = weekly_intensity(held, zone, program_weeks(enrollment.start_date, enrollment.planned_weeks),
                             enrollment.weekly_hours, minimum)
    uow.audit(caller, "read", "schedule", enrollment.id, patient_id=cmd.record_id,
              site_id=enrollment.site_id)
    participants = uow.family.participants([s.id for _, s, _ in rows if s.kind == "family"])
    return {"enrollment": enrollment, "zone": zone, "bookings": rows, "waitlist": places,
            "minimum_weekly_hours": minimum, "weeks": weeks, "participants": participants}


def known_enrollment(uow, cmd: EnrollmentEvent) -> Enrollment:
    enrollment = uow.enrollments.get(cmd.event.data["enrollment_id"])
    if enrollment is None:  # its PatientEnrolled is still on its way
        raise RetryLater(f"Enrollment {cmd.event.data['enrollment_id']} is not known yet.")
    return enrollment


def audit_schedule(uow, cmd: EnrollmentEvent, enrollment: Enrollment, action: str) -> None:
    uow.audit(cmd.caller, action, "schedule", enrollment.id, patient_id=enrollment.patient_id,
              site_id=enrollment.site_id)

