"""Message texts in each supported language, with English as the fallback.

Messages say when and where, never what: no diagnosis, track, instrument, score or group topic,
because email and SMS are not private channels. Staff alerts carry the alert id, not the reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

FALLBACK_LANGUAGE = "en"

SESSION_REMINDER = "session_reminder"
MISSED_SESSION_CHECKIN = "missed_session_checkin"
ASSESSMENT_DUE = "assessment_due"
PROGRAM_COMPLETED = "program_completed"
AFTERCARE_CHECKIN = "aftercare_checkin"
CARE_TEAM_ALERT = "care_team_alert"
CSSRS_DUE = "cssrs_due"  # a safety screener the care team asks is due: no instrument named
# To the referring provider's secure address, the summary attached: the body names no patient.
DISCHARGE_SUMMARY = "discharge_summary"
FAMILY_SESSION_REMINDER = "family_session_reminder"  # to a related person taking part
FAMILY_REMINDERS = "family_reminders"  # the step planning those, one per related person

_TEXTS = {
    "en": {
        SESSION_REMINDER: ("Appointment reminder",
                           "Hello {name}, this is a reminder of your appointment at {site} on {when}."),
        FAMILY_SESSION_REMINDER: ("Family session reminder",
                                  "Hello {name}, this is a reminder of the family session you "
                                  "are invited to at {site} on {when}."),
        MISSED_SESSION_CHECKIN: ("We missed you",
                                 "Hello {name}, we missed you at {site} today. Please call us to "
                                 "check in and plan your next visit."),
        ASSESSMENT_DUE: ("A short questionnaire is ready",
                         "Hello {name}, a short questionnaire from {site} is ready for you. "
                         "Please complete it at your next visit or in the patient portal."),
        PROGRAM_COMPLETED: ("Congratulations",
                            "Hello {name}, congratulations on completing your program at {site}. "
                            "We will check in with you in a few weeks."),
        AFTERCARE_CHECKIN: ("Checking in",
                            "Hello {name}, this is {site} checking in. Please call us or reply "
                            "to let us know how you are doing."),
        CARE_TEAM_ALERT: ("{urgency} care-team alert at {site}",
                          "{urgency} care-team alert {alert_id} at {site}. Please open it in the "
                          "IOP console and acknowledge it."),
        CSSRS_DUE: ("Safety follow-up due at {site}",
                    "A safety follow-up is due now for a patient at {site} (alert {alert_id}). "
                    "Please open it in the IOP console and acknowledge it."),
        DISCHARGE_SUMMARY: ("Discharge summary from {site}",
                            "Attached is the discharge summary of a patient you referred to the "
                            "intensive outpatient program at {site}, sent with the patient's "
                            "consent. It contains confidential health information."),
    },
    "es": {
        SESSION_REMINDER: ("Recordatorio de cita",
                           "Hola {name}, le recordamos su cita en {site} el {when}."),
        FAMILY_SESSION_REMINDER: ("Recordatorio de sesión familiar",
                                  "Hola {name}, le recordamos la sesión familiar a la que está "
                                  "invitado/a en {site} el {when}."),
        MISSED_SESSION_CHECKIN: ("Le extrañamos",
                                 "Hola {name}, le extrañamos hoy en {site}. Llámenos para saber "
                                 "cómo está y planear su próxima visita."),
        ASSESSMENT_DUE: ("Un breve cuestionario está listo",
                         "Hola {name}, un breve cuestionario de {site} está listo para usted. "
                         "Complételo en su próxima visita o en el portal del paciente."),
        PROGRAM_COMPLETED: ("Felicitaciones",
                            "Hola {name}, felicitaciones por completar su programa en {site}. "
                            "Nos comunicaremos con usted en unas semanas."),
        AFTERCARE_CHECKIN: ("Queremos saber de usted",
                            "Hola {name}, le saluda {site}. Llámenos o responda para contarnos "
                            "cómo está."),
        CARE_TEAM_ALERT: ("Alerta {urgency} del equipo de atención en {site}",
                          "Alerta {urgency} {alert_id} del equipo de atención en {site}. Ábrala "
                          "en la consola IOP y confírmela."),
        CSSRS_DUE: ("Seguimiento de seguridad pendiente en {site}",
                    "Hay un seguimiento de seguridad pendiente ahora para un paciente en {site} "
                    "(alerta {alert_id}). Ábrala en la consola IOP y confírmela."),
        DISCHARGE_SUMMARY: ("Resumen de alta de {site}",
                            "Adjuntamos el resumen de alta de un paciente que usted remitió al "
                            "programa ambulatorio intensivo de {site}, enviado con el "
                            "consentimiento del paciente. Contiene información de salud confidencial."),
    },
}

_URGENCY = {"en": {"high": "Urgent", "moderate": "New"},
            "es": {"high": "urgente", "moderate": "nueva"}}

_WEEKDAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
             "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]}
_MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"],
           "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre"]}

SUPPORTED_LANGUAGES = tuple(_TEXTS)
TEMPLATES = tuple(_TEXTS[FALLBACK_LANGUAGE])


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str


def choose_language(*preferences: str | None) -> str:
    """The first supported language among the preferences ("es-MX" counts as "es"), else English."""
    for preference in preferences:
        base = (preference or "").strip().lower().replace("_", "-").split("-")[0]
        if base in _TEXTS:
            return base
    return FALLBACK_LANGUAGE


def local_when(at: datetime, zone: ZoneInfo, language: str) -> str:
    """A session time on the site's clock, spelled for the language."""
    local = at.astimezone(zone)
    weekday, month = _WEEKDAYS[language][local.weekday()], _MONTHS[language][local.month - 1]
    if language == "es":
        return f"{weekday} {local.day} de {month} de {local.year} a las {local:%H:%M}"
    return f"{weekday}, {month} {local.day}, {local.year} at {local:%H:%M}"


def reminder_template(hours_before: int) -> str:
    """Each reminder offset is its own template, so both reminders of a booking have a key."""
    return f"{SESSION_REMINDER}_{hours_before}h"


def render(template: str, language: str, *, name: str = "", site: str = "",
           starts_at: datetime | None = None, zone: ZoneInfo | None = None,
           alert_id: str = "", level: str = "") -> Rendered:
    language = language if language in _TEXTS else FALLBACK_LANGUAGE
    if template.startswith(SESSION_REMINDER + "_"):
        template = SESSION_REMINDER
    elif template.startswith(FAMILY_SESSION_REMINDER + "_"):
        template = FAMILY_SESSION_REMINDER
    subject, body = _TEXTS[language][template]
    values = {"name": name, "site": site, "alert_id": alert_id,
              "urgency": _URGENCY[language].get(level, ""),
              "when": local_when(starts_at, zone, language) if starts_at and zone else ""}
    return Rendered(language, subject.format(**values).strip(), body.format(**values).strip())


def family_reminder_templates(hours_before: int) -> tuple[str, str]:
    """A family session's reminder offset: the planning step's template and its messages'."""
    return f"{FAMILY_REMINDERS}_{hours_before}h", f"{FAMILY_SESSION_REMINDER}_{hours_before}h"


def related_person_template(family_template: str) -> str:
    return FAMILY_SESSION_REMINDER + family_template.removeprefix(FAMILY_REMINDERS)
