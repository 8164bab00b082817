"""Related persons: an address is needed, changes are what differs, events carry no identity."""
from types import SimpleNamespace

import pytest

from services.intake.domain import family
from shared.errors import InvalidFields


def test_a_related_person_needs_an_email_or_a_phone_naming_both_fields():
    family.check_reachable("rosa@family.test", None)
    family.check_reachable(None, "+15555550123")
    with pytest.raises(InvalidFields) as refused:
        family.check_reachable(None, "")
    assert set(refused.value.errors) == {"email", "phone"}


def test_changes_are_the_fields_that_differ_and_never_the_patient():
    record = SimpleNamespace(given_name="Rosa", family_name="Okafor", relationship="MTH",
                             email="rosa@family.test", phone=None, preferred_language="es",
                             consent_to_contact=True, active=True, patient_id="p1")
    assert family.changes_of(record, {"consent_to_contact": False, "email": "rosa@family.test",
                                      "patient_id": "p2"}) == {"consent_to_contact": False}


def test_events_carry_ids_and_flags_only():
    record = SimpleNamespace(id="rp1", patient_id="p1", given_name="Rosa", email="r@x.test",
                             active=True, consent_to_contact=False, version=3)
    assert family.event_data(record) == {"patient_id": "p1", "related_person_id": "rp1",
                                         "active": True, "consent_given": False, "version": 3}
