"""A family session's reminder to a related person: their language, their consent, no patient."""
import json
from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from services.intake.views import related_contact_view
from services.notifications.domain import delivery, templates

STARTS = datetime(2026, 12, 14, 18, 0, tzinfo=timezone.utc)  # 13:00 in New York
SITE = {"name": "Riverside Clinic", "timezone": "America/New_York"}


def person(**fields):
    defaults = {"id": "rp1", "patient_id": "p1", "site_id": "riverside", "given_name": "Rosa",
                "family_name": "Okafor", "preferred_language": "es-MX", "email": "rosa@family.test",
                "phone": "+15555550123", "active": True, "consent_to_contact": True}
    return SimpleNamespace(**{**defaults, **fields})


def reminder():
    step, template = templates.family_reminder_templates(24)
    assert templates.related_person_template(step) == template == "family_session_reminder_24h"
    return SimpleNamespace(id="m1", template=template, recipient_type="related_person",
                           recipient_id="rp1", channel=None, site_id="riverside",
                           details=json.dumps({"starts_at": STARTS.isoformat(),
                                               "timezone": "America/New_York"}))


def test_a_consenting_related_person_is_reminded_in_their_language_by_email_first():
    sent = delivery.patient_delivery(reminder(), related_contact_view(person()), ("email", "sms"), SITE)

    assert (sent.channel, sent.address, sent.rendered.language) == ("email", "rosa@family.test", "es")
    assert sent.rendered.subject == "Recordatorio de sesión familiar"
    assert "Hola Rosa" in sent.rendered.body
    assert templates.local_when(STARTS, ZoneInfo("America/New_York"), "es") in sent.rendered.body
    assert "13:00" in sent.rendered.body and "Okafor" not in sent.rendered.body


def test_an_english_speaker_gets_the_english_text_and_sms_when_that_is_their_only_address():
    contact = related_contact_view(person(preferred_language="en", email=None))
    sent = delivery.patient_delivery(reminder(), contact, ("email", "sms"), SITE)

    assert (sent.channel, sent.address, sent.rendered.subject) == (
        "sms", "+15555550123", "Family session reminder")


def test_withdrawn_consent_or_an_inactive_person_gets_nothing():
    for record in (person(consent_to_contact=False), person(active=False)):
        contact = related_contact_view(record)
        assert (contact["email"], contact["phone"], contact["channels"]) == (None, None, [])
        assert delivery.patient_delivery(reminder(), contact, ("email", "sms"), SITE) == \
            delivery.Skip(delivery.NO_CONSENT)
    assert delivery.patient_delivery(reminder(), None, ("email",), SITE) == delivery.Skip(delivery.NO_CONTACT)
