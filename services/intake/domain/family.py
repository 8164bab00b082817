"""A patient's related persons: what the schema cannot check alone, and their events' data."""
from __future__ import annotations

from collections.abc import Mapping

from shared.errors import InvalidFields

# What PUT replaces and PATCH may change; the patient a person belongs to never changes.
CHANGEABLE = ("given_name", "family_name", "relationship", "email", "phone", "preferred_language",
              "consent_to_contact", "active")


def check_reachable(email: str | None, phone: str | None) -> None:
    """A related person is recorded to be reached: an email, a phone number, or both."""
    if not email and not phone:
        message = ["Give an email or a phone number (or both)."]
        raise InvalidFields({"email": message, "phone": message})


def changes_of(person, values: Mapping) -> dict:
    """The fields whose value differs from the record's."""
    return {name: value for name, value in values.items()
            if name in CHANGEABLE and getattr(person, name) != value}


def reachable_channels(person) -> dict:
    """The addresses a message may go to: none unless active and consenting to be contacted."""
    if not (person.active and person.consent_to_contact):
        return {"email": None, "phone": None}
    return {"email": person.email, "phone": person.phone}


def event_data(person) -> dict:
    """RelatedPersonAdded/Updated data: ids, the two flags scheduling's family sessions go by
    and the change counter; no name, relationship or contact."""
    return {"patient_id": person.patient_id, "related_person_id": person.id,
            "active": person.active, "consent_given": person.consent_to_contact,
            "version": person.version}
