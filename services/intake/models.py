"""The intake service's tables (its own database; the kit's outbox, inbox and audit tables included).

Identity (names, birth date) lives on `patients`; addresses and what the patient agreed to on
`contacts` and `consents`, so the one RPC that hands them out reads them in one place.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.clock import utcnow
from shared.db import UtcDateTime, kit_metadata


class Base(DeclarativeBase):
    metadata = kit_metadata()


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    preferred_language: Mapped[str] = mapped_column(String(35))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)
    # shared.scoring.SEXES, for the AUDIT-C cut point; None: not recorded.
    sex: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Contact(Base):
    __tablename__ = "contacts"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))


class Consent(Base):
    __tablename__ = "consents"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    treatment: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[bool] = mapped_column(Boolean)
    sms: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Referral(Base):
    __tablename__ = "referrals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(64))
    referred_on: Mapped[date] = mapped_column(Date)
    # Item-level answers stay here; events carry the totals only.
    phq9_answers: Mapped[list] = mapped_column(JSON)
    gad7_answers: Mapped[list] = mapped_column(JSON)
    pcl5_answers: Mapped[list | None] = mapped_column(JSON)
    phq9_total: Mapped[int] = mapped_column(Integer)
    gad7_total: Mapped[int] = mapped_column(Integer)
    pcl5_total: Mapped[int | None] = mapped_column(Integer)
    recommendation: Mapped[str] = mapped_column(String(32))
    recommended_track: Mapped[str | None] = mapped_column(String(16))
    # Optional substance-use screens: item answers and totals; AUDIT-C's screen result at the
    # cut point for the patient's sex as recorded at referral. None: not administered.
    audit_c_answers: Mapped[list | None] = mapped_column(JSON)
    dast10_answers: Mapped[list | None] = mapped_column(JSON)
    audit_c_total: Mapped[int | None] = mapped_column(Integer)
    audit_c_positive: Mapped[bool | None] = mapped_column(Boolean)
    dast10_total: Mapped[int | None] = mapped_column(Integer)
    # The screening's PHQ-9 item 9 risk level (shared.enums.RISK_LEVELS); None when it raised none.
    risk_level: Mapped[str | None] = mapped_column(String(16))
    # The referring provider (None: none given) and the patient's consent to share the discharge
    # summary with them, recorded at referral and changeable later (when it was last recorded).
    referrer_name: Mapped[str | None] = mapped_column(String(120))
    referrer_organization: Mapped[str | None] = mapped_column(String(200))
    referrer_direct_address: Mapped[str | None] = mapped_column(String(254))  # secure email / Direct
    referrer_npi: Mapped[str | None] = mapped_column(String(10))
    share_with_referrer: Mapped[bool | None] = mapped_column(Boolean)
    share_consent_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Enrollment(Base):
    __tablename__ = "enrollments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Unique: a referral is enrolled at most once, even under concurrent requests.
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), unique=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    track: Mapped[str] = mapped_column(String(16))
    recommended_track: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    plan_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    discharge_reason: Mapped[str | None] = mapped_column(String(32))
    discharged_on: Mapped[date | None] = mapped_column(Date)
    discharge_attendance_rate: Mapped[float | None] = mapped_column(Float)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # The aftercare plan given at discharge (optional), for the discharge summary.
    aftercare_plan: Mapped[str | None] = mapped_column(Text)
    aftercare_provider: Mapped[str | None] = mapped_column(String(200))
    aftercare_first_appointment_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanVersion(Base):
    """Every version of an enrollment's plan is kept; the enrollment points at the current one."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("enrollment_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("enrollments.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    planned_weeks: Mapped[int] = mapped_column(Integer)
    group_sessions_per_week: Mapped[int] = mapped_column(Integer)
    individual_sessions_per_week: Mapped[int] = mapped_column(Integer)
    family_sessions_per_month: Mapped[int] = mapped_column(Integer)
    education_sessions_per_week: Mapped[int] = mapped_column(Integer)
    weekly_hours: Mapped[float] = mapped_column(Float)
    goals: Mapped[list] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SessionOutcome(Base):
    """Attendance projection from scheduling's events: one row per booking, the latest word wins."""

    __tablename__ = "session_outcomes"
    booking_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # No foreign key: the projection must accept events whatever order they arrive in.
    enrollment_id: Mapped[str] = mapped_column(String(36), index=True)
    patient_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # shared.enums.ATTENDANCE_STATUSES
    attended_minutes: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RelatedPerson(Base):
    """A family member or other person close to the patient: their own contact details, language
    and consent to be contacted (changeable; each change audited). ``version`` counts changes, so
    the projections built from RelatedPersonAdded/Updated keep the latest whatever the order."""

    __tablename__ = "related_persons"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    relationship: Mapped[str] = mapped_column(String(16))  # shared.enums.RELATIONSHIPS
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_language: Mapped[str] = mapped_column(String(35))
    consent_to_contact: Mapped[bool] = mapped_column(Boolean)
    consent_recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
