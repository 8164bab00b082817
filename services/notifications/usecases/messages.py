"""Patient messages caused by events (check-in, assessment due, completion, aftercare), and a
patient's messages as staff read them."""
from __future__ import annotations

from shared.access import open_listing

from services.notifications.commands import ListPatientMessages, ReachPatient
from services.notifications.domain import reminders, routing, templates
from services.notifications.domain.messages import Planned
from services.notifications.models import Message
from services.notifications.usecases.alerts import raise_alert

CARE_TEAM = "care_team"  # shared.enums.RESPONDENTS


def reach_out_after_missed_session(command: ReachPatient, uow) -> Planned:
    """An unexcused absence: a check-in to the patient; enough in a row: an alert too."""
    data, planned = command.event.data, Planned()
    if routing.checks_in_after_missed_session(data["excused"]):
        planned.add(_plan_patient_message(uow, command, templates.MISSED_SESSION_CHECKIN))
    plan = routing.alert_for_missed_sessions(data["excused"], data["consecutive_missed"], command.rules)
    if plan is not None:
        planned.add(alert=raise_alert(uow, command.event, plan, command.now, command.escalation))
    return planned


def ask_to_complete_assessment(command: ReachPatient, uow) -> Planned:
    """The patient is asked to fill it in; an instrument the care team asks (AssessmentDue v2
    ``respondent: care_team``, the C-SSRS screener) alerts the care team instead, and the patient
    gets no message."""
    data = command.event.data
    if data.get("respondent") == CARE_TEAM:
        plan = routing.alert_for_care_team_assessment(data["instrument"])
        return Planned().add(alert=raise_alert(uow, command.event, plan, command.now, command.escalation,
                                               data.get("referral_id")))
    return Planned().add(_plan_patient_message(uow, command, templates.ASSESSMENT_DUE))


def congratulate_and_plan_aftercare(command: ReachPatient, uow) -> Planned:
    event = command.event
    planned = Planned().add(_plan_patient_message(uow, command, templates.PROGRAM_COMPLETED))
    checkin_at = reminders.aftercare_checkin_time(event.data["completed_on"], event.time,
                                                  command.site_zone, command.rules)
    uow.messages.plan(event, templates.AFTERCARE_CHECKIN, patient_id=event.data["patient_id"],
                      send_at=checkin_at, now=command.now)
    return planned


def list_patient_messages(command: ListPatientMessages, uow) -> list[Message]:
    """The patient's messages at the caller's sites, or at the patient's under a break-the-glass
    grant (shared.access). Audited."""
    site = uow.messages.site_of_patient(command.patient_id)
    caller, sites = open_listing(uow, command.caller, command.patient_id, site, command.access,
                                 command.sites)
    messages = uow.messages.of_patient(command.patient_id, sites)
    uow.audit(caller, "read", "notifications", command.patient_id,
              patient_id=command.patient_id, site_id=messages[0].site_id if messages else None)
    return messages


def _plan_patient_message(uow, command: ReachPatient, template: str) -> Message | None:
    send_at = reminders.patient_message_time(command.now, command.site_zone, command.rules)
    return uow.messages.plan(command.event, template, patient_id=command.event.data["patient_id"],
                             send_at=send_at, now=command.now)
