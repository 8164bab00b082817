"""Intake's domain exceptions → the problems they answer as (the kit's kinds map by themselves;
each is named here so the table shows every refusal of the service)."""
from shared.problems import Conflict, Unprocessable

from services.intake.domain.attendance import CompletionRefused
from services.intake.domain.enrollments import AlreadyEnrolled, EnrollmentClosed
from services.intake.domain.plans import PlanOutsideIntensity

ERRORS = {
    # 422 with weekly_hours, lightest_week_hours, heaviest_week_hours, minimum_weekly_hours,
    # partial_hospitalization_weekly_hours, age_band
    PlanOutsideIntensity: Unprocessable,
    # 422 with attendance_rate, attended, counted_sessions, required_rate
    CompletionRefused: Unprocessable,
    AlreadyEnrolled: Conflict,
    EnrollmentClosed: Conflict,
}
