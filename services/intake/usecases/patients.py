"""Read a patient's record; hand out contact details to the platform's services."""
from __future__ import annotations

from dataclasses import dataclass

from services.intake.commands import FindContact, ShowPatient
from services.intake.models import Consent, Contact, Patient


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    contact: Contact
    consent: Consent
    referral_ids: list[str]
    enrollment_ids: list[str]


def show_patient(command: ShowPatient, uow) -> PatientRecord:
    patient = uow.patients.get_visible(command.patient_id, command.caller)
    uow.audit(command.caller, "read", "patient", patient.id, patient_id=patient.id,
              site_id=patient.site_id)
    return PatientRecord(patient, uow.patients.contact_of(patient.id),
                         uow.patients.consent_of(patient.id),
                         uow.referrals.ids_of_patient(patient.id),
                         uow.enrollments.ids_of_patient(patient.id))


def find_contact(command: FindContact, uow) -> PatientRecord | None:
    """None for an unknown patient: the caller is a service, which sees every site."""
    patient = uow.patients.get(command.patient_id)
    if patient is None:
        return None
    uow.audit(command.caller, "read", "contact", patient.id, patient_id=patient.id,
              site_id=patient.site_id)
    return PatientRecord(patient, uow.patients.contact_of(patient.id),
                         uow.patients.consent_of(patient.id), [], [])
