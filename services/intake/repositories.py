"""Every query of the intake service, one repository per aggregate (reached as uow.<name>)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shared.repository import Repository

from services.intake.domain.enrollments import ACTIVE, AlreadyEnrolled
from services.intake.models import (Consent, Contact, Enrollment, Patient, PlanVersion, Referral,
                                    RelatedPerson, SessionOutcome)


class Patients(Repository):
    """Patients with their contact details and consents (one row each, keyed by the patient)."""

    model = Patient

    def ids_of_site(self, site_id: str) -> list[str]:
        """Every patient of the site, in id order (a bulk export's list)."""
        return list(self.session.scalars(select(Patient.id).where(Patient.site_id == site_id)
                                         .order_by(Patient.id)))

    def contact_of(self, patient_id: str) -> Contact:
        return self.session.get(Contact, patient_id)

    def consent_of(self, patient_id: str) -> Consent | None:
        return self.session.get(Consent, patient_id)

    def add_with_contact(self, patient: Patient, contact: Contact) -> Patient:
        self.session.add(patient)
        self.session.flush()  # the patient row first: contacts and consents point at it
        self.session.add(contact)
        return patient

    def record_consents(self, patient_id: str, consents: dict) -> Consent:
        consent = self.consent_of(patient_id) or Consent(patient_id=patient_id)
        consent.treatment, consent.email, consent.sms = (
            consents["treatment"], consents["email"], consents["sms"])
        self.session.add(consent)
        return consent


class Referrals(Repository):
    model = Referral

    def ids_of_patient(self, patient_id: str) -> list[str]:
        return list(self.session.scalars(select(Referral.id).where(
            Referral.patient_id == patient_id).order_by(Referral.created_at)))


class Enrollments(Repository):
    """Enrollments and their plan versions."""

    model = Enrollment

    def id_for_referral(self, referral_id: str) -> str | None:
        return self.session.scalar(select(Enrollment.id).where(
            Enrollment.referral_id == referral_id))

    def has_active(self, patient_id: str) -> bool:
        return self.session.scalar(select(Enrollment.id).where(
            Enrollment.patient_id == patient_id, Enrollment.status == ACTIVE)) is not None

    def ids_of_patient(self, patient_id: str) -> list[str]:
        return list(self.session.scalars(select(Enrollment.id).where(
            Enrollment.patient_id == patient_id).order_by(Enrollment.created_at)))

    def add_enrollment(self, enrollment: Enrollment) -> Enrollment:
        self.session.add(enrollment)
        try:
            self.session.flush()
        except IntegrityError:  # a concurrent request enrolled the referral first
            raise AlreadyEnrolled("This referral is already enrolled.") from None
        return enrollment

    def current_plan(self, enrollment: Enrollment) -> PlanVersion:
        return self.session.scalars(select(PlanVersion).where(
            PlanVersion.enrollment_id == enrollment.id,
            PlanVersion.version == enrollment.plan_version)).one()

    def plan_versions(self, enrollment: Enrollment) -> list[PlanVersion]:
        return list(self.session.scalars(select(PlanVersion).where(
            PlanVersion.enrollment_id == enrollment.id).order_by(PlanVersion.version)))


class SessionOutcomes(Repository):
    """The attendance projection: one row per booking."""

    model = SessionOutcome

    def statuses_of(self, enrollment_id: str) -> list[str]:
        return list(self.session.scalars(select(SessionOutcome.status).where(
            SessionOutcome.enrollment_id == enrollment_id)))


class RelatedPersons(Repository):
    model = RelatedPerson

    def of_patient(self, patient_id: str) -> list[RelatedPerson]:
        return list(self.session.scalars(select(RelatedPerson).where(
            RelatedPerson.patient_id == patient_id).order_by(RelatedPerson.created_at,
                                                             RelatedPerson.id)))


REPOSITORIES = {"patients": Patients, "referrals": Referrals, "enrollments": Enrollments,
                "attendance": SessionOutcomes, "related_persons": RelatedPersons}
