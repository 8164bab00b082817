"""Read a patient's record; hand out contact details to the platform's services."""
from __future__ import annotations

from dataclasses import dataclass

from shared.access import open_patient
from shared.errors import RecordNotFound

from services.intake.commands import FindContact, ListSitePatients, ShowPatient
from services.intake.models import Consent, Contact, Patient


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    contact: Contact
    consent: Consent
    referral_ids: list[str]
    enrollment_ids: list[str]


def show_patient(command: ShowPatient, uow) -> PatientRecord:
    if command.access is None:
        patient, caller = uow.patients.get_visible(command.patient_id, command.caller), command.caller
    else:  # another site's patient: only a clinician stating a reason, for a while (shared.access)
        patient = uow.patients.get(command.patient_id)
        if patient is None:
            raise RecordNotFound("Patient not found.")
        opened = open_patient(uow, command.caller, patient.id, patient.site_id, command.access)
        caller = opened.caller
        if opened.granted_now:
            uow.raise_event("EmergencyAccessGranted", {
                "patient_id": patient.id, "accessor": caller.subject,
                "granted_at": opened.granted_at, "expires_at": opened.expires_at},
                site_id=patient.site_id, subject=patient.id)
    uow.audit(caller, "read", "patient", patient.id, patient_id=patient.id,
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


def list_site_patients(command: ListSitePatients, uow) -> list[str]:
    """The ids of a site's patients (no names); another site, or an unknown one, is not found.
    Audited once for the listing."""
    if command.site_id not in command.sites or not command.caller.sees(command.site_id):
        raise RecordNotFound("Site not found.")
    ids = uow.patients.ids_of_site(command.site_id)
    uow.audit(command.caller, "list", "patients", command.site_id, site_id=command.site_id)
    return ids
