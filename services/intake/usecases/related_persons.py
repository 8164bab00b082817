"""A patient's related persons: recorded, listed, changed (their consent to be contacted among
it), and their contact handed to the notifications service. Every read and change is audited;
another site's patient or person is not found."""
from __future__ import annotations

import uuid

from shared.clock import utcnow
from shared.errors import RecordNotFound

from services.intake.commands import (AddRelatedPerson, ChangeRelatedPerson, FindRelatedContact,
                                      ShowRelatedPersons)
from services.intake.domain import family
from services.intake.models import RelatedPerson


def add_related_person(command: AddRelatedPerson, uow) -> RelatedPerson:
    patient = uow.patients.get_visible(command.patient_id, command.caller, "Patient")
    values = command.person
    family.check_reachable(values["email"], values["phone"])
    person = uow.related_persons.add(RelatedPerson(
        id=str(uuid.uuid4()), patient_id=patient.id, site_id=patient.site_id,
        given_name=values["given_name"].strip(), family_name=values["family_name"].strip(),
        relationship=values["relationship"], email=values["email"], phone=values["phone"],
        preferred_language=values["preferred_language"],
        consent_to_contact=values["consent_to_contact"], consent_recorded_at=utcnow(),
        active=values["active"], version=1))
    uow.related_persons.flush()
    uow.raise_event("RelatedPersonAdded", family.event_data(person), site_id=person.site_id,
                    subject=person.id)
    uow.audit(command.caller, "create", "related_person", person.id, patient_id=patient.id,
              site_id=person.site_id)
    return person


def list_related_persons(command: ShowRelatedPersons, uow) -> list[RelatedPerson]:
    patient = uow.patients.get_visible(command.patient_id, command.caller, "Patient")
    uow.audit(command.caller, "read", "related_persons", patient.id, patient_id=patient.id,
              site_id=patient.site_id)
    return uow.related_persons.of_patient(patient.id)


def show_related_person(command: ShowRelatedPersons, uow) -> RelatedPerson:
    person = uow.related_persons.get_visible(command.related_person_id, command.caller,
                                             "Related person")
    uow.audit(command.caller, "read", "related_person", person.id, patient_id=person.patient_id,
              site_id=person.site_id)
    return person


def change_related_person(command: ChangeRelatedPerson, uow) -> RelatedPerson:
    """Apply the values; nothing changes when the result would have no address. A change of
    consent is audited on its own (consent_given / consent_withdrawn) and timestamped."""
    person = _person_of_patient(command, uow)
    changes = family.changes_of(person, command.values)
    family.check_reachable(changes.get("email", person.email), changes.get("phone", person.phone))
    if not changes:
        uow.audit(command.caller, "update", "related_person", person.id,
                  patient_id=person.patient_id, site_id=person.site_id)
        return person
    for name, value in changes.items():
        setattr(person, name, value.strip() if name.endswith("_name") else value)
    if "consent_to_contact" in changes:
        person.consent_recorded_at = utcnow()
        uow.audit(command.caller, "consent_given" if person.consent_to_contact else "consent_withdrawn",
                  "related_person", person.id, patient_id=person.patient_id, site_id=person.site_id)
    person.version += 1
    uow.related_persons.flush()
    uow.raise_event("RelatedPersonUpdated", family.event_data(person), site_id=person.site_id,
                    subject=person.id)
    uow.audit(command.caller, "update", "related_person", person.id, patient_id=person.patient_id,
              site_id=person.site_id)
    return person


def find_related_contact(command: FindRelatedContact, uow) -> RelatedPerson | None:
    """None for an unknown person: the caller is a service, which sees every site."""
    person = uow.related_persons.get(command.related_person_id)
    if person is None:
        return None
    uow.audit(command.caller, "read", "related_person_contact", person.id,
              patient_id=person.patient_id, site_id=person.site_id)
    return person


def _person_of_patient(command: ChangeRelatedPerson, uow) -> RelatedPerson:
    patient = uow.patients.get_visible(command.patient_id, command.caller, "Patient")
    person = uow.related_persons.get(command.related_person_id)
    if person is None or person.patient_id != patient.id:
        raise RecordNotFound("Related person not found.")
    return person
