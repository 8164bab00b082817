"""intake.get_contact over nameko RPC: only the channels the patient consented to."""
import uuid

from nameko.rpc import RpcProxy, rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import MetaData

from tests.integration.intake.scenario import PATIENT, refer, rows


class ReminderService:
    """Stands in for notifications: asks intake for a contact at send time."""

    name = "reminders"
    intake = RpcProxy("intake")

    @rpc
    def contact_for(self, patient_id):
        return self.intake.get_contact(patient_id)


def get_contact(intake, patient_id):
    with ServiceRpcProxy("intake", intake.config) as proxy:
        return proxy.get_contact(patient_id)


def test_contact_has_only_the_consented_email_channel(platform, intake):
    patient_id = refer(intake, consents={"treatment": True, "email": True, "sms": False})["patient_id"]

    contact = get_contact(intake, patient_id)

    assert contact == {"patient_id": patient_id, "site_id": "riverside",
                       "given_name": PATIENT["given_name"], "family_name": PATIENT["family_name"],
                       "preferred_language": "es", "interpreter_needed": True,
                       "email": PATIENT["email"], "phone": None, "channels": ["email"]}


def test_contact_has_only_the_consented_sms_channel(intake):
    patient_id = refer(intake, consents={"treatment": True, "email": False, "sms": True})["patient_id"]

    contact = get_contact(intake, patient_id)

    assert (contact["email"], contact["phone"], contact["channels"]) == (
        None, PATIENT["phone"], ["sms"])


def test_contact_without_consent_has_no_channel(intake):
    patient_id = refer(intake, consents={"treatment": True, "email": False, "sms": False})["patient_id"]

    contact = get_contact(intake, patient_id)

    assert (contact["email"], contact["phone"], contact["channels"]) == (None, None, [])


def test_unknown_patient_has_no_contact(intake):
    assert get_contact(intake, str(uuid.uuid4())) is None


def test_each_contact_read_is_audited_as_the_calling_service(platform, intake):
    patient_id = refer(intake)["patient_id"]

    get_contact(intake, patient_id)

    reminders = platform.start(ReminderService, MetaData())
    with ServiceRpcProxy("reminders", reminders.config) as proxy:
        assert proxy.contact_for(patient_id)["channels"] == ["email"]

    reads = [(r["actor"], r["action"], r["resource_type"], r["patient_id"])
             for r in rows(platform, "audit_log") if r["action"] == "read"]
    assert reads == [("service:rpc", "read", "contact", patient_id),
                     ("service:reminders", "read", "contact", patient_id)]
