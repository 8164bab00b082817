"""The outcomes service's tables (its own database; the kit's outbox, inbox and audit tables included).

Episodes, attendance and screening baselines are projections of intake's and scheduling's events;
assessments (with their item answers, the clinical record), the measurement schedule and the
outcome summaries are this service's own records.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, kit_metadata

ID = String(36)
SITE = String(64)


class Base(DeclarativeBase):
    metadata = kit_metadata()


class Episode(Base):
    """One enrollment of a patient in a track, from PatientEnrolled until completion or discharge."""

    __tablename__ = "episodes"
    enrollment_id: Mapped[str] = mapped_column(ID, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID, index=True)
    site_id: Mapped[str] = mapped_column(SITE, index=True)
    track: Mapped[str] = mapped_column(String(20))
    age_band: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    planned_weeks: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active, completed, discharged
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    discharge_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScreeningScore(Base):
    """A screening total carried by PatientEnrolled: the episode's baseline for that instrument."""

    __tablename__ = "screening_scores"
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("episodes.enrollment_id"), primary_key=True)
    instrument: Mapped[str] = mapped_column(String(10), primary_key=True)
    total_score: Mapped[int] = mapped_column(Integer)
    screened_on: Mapped[date] = mapped_column(Date)
    # A screen with a positive cut point (AUDIT-C, DAST-10): whether it was positive; else null.
    positive: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class Assessment(Base):
    """A scored assessment, or an incomplete one (``complete`` false: unanswered items, no total)
    that never counts as a baseline or final score. A C-SSRS after a referral's screening has the
    referral and no enrollment."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_episode", "enrollment_id", "instrument", "administered_at"),)
    assessment_id: Mapped[str] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[str | None] = mapped_column(ForeignKey("episodes.enrollment_id"), nullable=True)
    referral_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    patient_id: Mapped[str] = mapped_column(ID, index=True)
    site_id: Mapped[str] = mapped_column(SITE)
    instrument: Mapped[str] = mapped_column(String(10))
    # item answers, null for an unanswered item: the clinical record
    responses: Mapped[list[int | None]] = mapped_column(JSON)
    complete: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # C-SSRS: the screener's follow-up to a YES on question 6 (behaviour within the past 3 months)
    q6_within_3_months: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    total_score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # null when incomplete
    severity: Mapped[str | None] = mapped_column(String(40), nullable=True)  # null when incomplete
    administered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    baseline_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    change_from_baseline: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reliable_change: Mapped[str | None] = mapped_column(String(20), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class Referral(Base):
    """A referral whose screening raised a risk flag (PatientReferred with a risk level): the patient
    and site a C-SSRS before any enrollment belongs to."""

    __tablename__ = "referrals"
    referral_id: Mapped[str] = mapped_column(ID, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID, index=True)
    site_id: Mapped[str] = mapped_column(SITE)
    referred_on: Mapped[date] = mapped_column(Date)
    risk_level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RiskFlagRecord(Base):
    """A raised risk flag, as RiskFlagRaised announced it (`GET /flags`): from an assessment (its
    enrollment), from a referral's screening (its referral, no enrollment), or from a refused
    request's item-9 answer (no assessment)."""

    __tablename__ = "risk_flags"
    flag_id: Mapped[str] = mapped_column(ID, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID, index=True)
    site_id: Mapped[str] = mapped_column(SITE, index=True)
    enrollment_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    referral_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    assessment_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    reason: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DueAssessment(Base):
    """An item of the measurement schedule: planned → announced → fulfilled, lapsed or cancelled."""

    __tablename__ = "due_assessments"
    __table_args__ = (UniqueConstraint("enrollment_id", "instrument", "due_on"),
                      Index("ix_due_assessments_pending", "status", "due_at"))
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("episodes.enrollment_id"))
    patient_id: Mapped[str] = mapped_column(ID)
    site_id: Mapped[str] = mapped_column(SITE)
    instrument: Mapped[str] = mapped_column(String(10))
    occasion: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the site's local morning, in UTC
    status: Mapped[str] = mapped_column(String(20), default="planned")
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    assessment_id: Mapped[str | None] = mapped_column(ID, nullable=True)


class AttendanceRecord(Base):
    """The latest SessionAttended / SessionMissed of one booking."""

    __tablename__ = "attendance"
    booking_id: Mapped[str] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ID, index=True)
    patient_id: Mapped[str] = mapped_column(ID)
    site_id: Mapped[str] = mapped_column(SITE)
    status: Mapped[str] = mapped_column(String(20))  # shared.enums.ATTENDANCE_STATUSES
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutcomeSummary(Base):
    __tablename__ = "outcome_summaries"
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("episodes.enrollment_id"), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ID)
    site_id: Mapped[str] = mapped_column(SITE)
    track: Mapped[str] = mapped_column(String(20))
    attendance_rate: Mapped[float] = mapped_column(Float)
    attendance_basis: Mapped[str] = mapped_column(String(20))  # sessions, intake, none
    sessions_attended: Mapped[int] = mapped_column(Integer)
    sessions_counted: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SummaryMeasure(Base):
    __tablename__ = "summary_measures"
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("outcome_summaries.enrollment_id"),
                                               primary_key=True)
    instrument: Mapped[str] = mapped_column(String(10), primary_key=True)
    baseline_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    final_score: Mapped[int] = mapped_column(Integer)
    change: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reliable_change: Mapped[str | None] = mapped_column(String(20), nullable=True)
    response: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    remission: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class DeteriorationFlag(Base):
    """One reliable-deterioration flag of an episode's program week: held while the week's other
    instruments may still come in, then raised (RiskFlagRaised) once; later scores update it."""

    __tablename__ = "deterioration_flags"
    __table_args__ = (UniqueConstraint("enrollment_id", "program_week"),
                      Index("ix_deterioration_flags_held", "status", "hold_until"))
    flag_id: Mapped[str] = mapped_column(ID, primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("episodes.enrollment_id"))
    patient_id: Mapped[str] = mapped_column(ID)
    site_id: Mapped[str] = mapped_column(SITE)
    program_week: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # held, raised
    level: Mapped[str] = mapped_column(String(20))
    instruments: Mapped[list[str]] = mapped_column(JSON)  # in the order they deteriorated
    latest_scores: Mapped[dict] = mapped_column(JSON)  # instrument → its latest score
    assessment_id: Mapped[str] = mapped_column(ID)  # the latest assessment that alerted
    hold_until: Mapped[datetime] = mapped_column(UtcDateTime)
    raised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
