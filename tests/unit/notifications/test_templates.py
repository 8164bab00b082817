"""Message language and content: the patient's language, English fallback, no clinical content."""
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain import templates as t
from shared import enums

NEW_YORK = ZoneInfo("America/New_York")
SESSION = datetime(2026, 12, 9, 14, 0, tzinfo=timezone.utc)  # Wednesday 09:00 in New York

# Words that would reveal what a patient is treated for, in either language.
CLINICAL_WORDS = {*enums.TRACKS, *enums.INSTRUMENTS, *enums.MODALITIES, "cbt", "mbsr", "dbt",
                  "phq", "gad", "pcl", "who-5", "score", "diagnos", "depres", "anxi", "ansiedad",
                  "ptsd", "suicid", "self-harm", "risk", "riesgo", "puntuación", "missed_sessions",
                  "deterioration"}


@pytest.mark.parametrize("preference, expected", [
    ("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en", "en"), ("en-GB", "en"),
    ("fr", "en"), ("", "en"), (None, "en"),
])
def test_language_is_the_patients_preference_or_english(preference, expected):
    assert t.choose_language(preference) == expected


def test_first_supported_language_among_several_wins():
    assert t.choose_language("pt", "es", "en") == "es"


def test_spanish_reminder_says_when_and_where_in_spanish():
    rendered = t.render(t.reminder_template(24), "es", name="Ana", site="Riverside Clinic",
                        starts_at=SESSION, zone=NEW_YORK)

    assert rendered.language == "es"
    assert rendered.subject == "Recordatorio de cita"
    assert rendered.body == ("Hola Ana, le recordamos su cita en Riverside Clinic el "
                             "miércoles 9 de diciembre de 2026 a las 09:00.")


def test_english_reminder_uses_the_sites_wall_clock():
    rendered = t.render(t.reminder_template(2), "en", name="Sam", site="Riverside Clinic",
                        starts_at=SESSION, zone=NEW_YORK)

    assert "Wednesday, December 9, 2026 at 09:00" in rendered.body
    assert rendered.body.startswith("Hello Sam,")


def test_unsupported_language_renders_in_english():
    rendered = t.render(t.ASSESSMENT_DUE, "de", name="Jo", site="Harbor Clinic")

    assert rendered.language == "en" and rendered.body.startswith("Hello Jo,")


def test_each_template_exists_in_each_supported_language():
    for language in t.SUPPORTED_LANGUAGES:
        for template in t.TEMPLATES:
            rendered = t.render(template, language, name="Ana", site="Riverside Clinic",
                                starts_at=SESSION, zone=NEW_YORK, alert_id="a1", level="high")
            assert rendered.subject and rendered.body and "{" not in rendered.body + rendered.subject


def test_no_message_carries_clinical_content():
    for language in t.SUPPORTED_LANGUAGES:
        for template in (*t.TEMPLATES, t.reminder_template(24)):
            for level in ("moderate", "high"):
                rendered = t.render(template, language, name="Ana", site="Riverside Clinic",
                                    starts_at=SESSION, zone=NEW_YORK, alert_id="a1", level=level)
                text = f"{rendered.subject} {rendered.body}".lower()
                found = {word for word in CLINICAL_WORDS if re.search(re.escape(word), text)}
                assert not found, (template, language, found)


def test_staff_alert_names_the_alert_and_its_urgency_only():
    rendered = t.render(t.CARE_TEAM_ALERT, "en", site="Lakeside Clinic", alert_id="7f0c", level="high")

    assert rendered.subject == "Urgent care-team alert at Lakeside Clinic"
    assert "7f0c" in rendered.body
