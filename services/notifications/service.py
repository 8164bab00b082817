"""The notifications service: dependencies, then entrypoints; the rules live in domain/."""
import logging

from shared.clock import utcnow
from shared.config import is_production
from shared.config import site_zones
from shared.db import Database
from shared.http import api
from shared.inbox import consumes
from shared.roles import CARE_TEAM, OPERATORS, PRIVACY_OFFICERS
from shared.service import PlatformService

from services.notifications import commands as c, views
from services.notifications.dependencies import Channels, ContactBook, ContactsProxy, dispatch_timer
from services.notifications.dispatch import Dispatcher
from services.notifications.domain.delivery import DeliverySettings
from services.notifications.domain.escalation import EscalationSettings
from services.notifications.domain.messages import Planned
from services.notifications.errors import ERRORS
from services.notifications.metrics import alert_metrics
from services.notifications.models import Base
from services.notifications.repositories import REPOSITORIES
from services.notifications.schemas import (AcknowledgeIn, AlertOut, AlertsOut, AlertsQuery, DispatchIn,
                                            NotificationsOut, NotificationsQuery)
from services.notifications.usecases import alerts, bookings, messages, referrers

log = logging.getLogger(__name__)


class NotificationsService(PlatformService):
    name = "notifications"
    errors = ERRORS
    db = Database(Base.metadata, repositories=REPOSITORIES)
    channels = Channels()
    intake = ContactsProxy("intake")          # get_contact, at send time only
    scheduling = ContactsProxy("scheduling")  # get_care_team
    outcomes = ContactsProxy("outcomes")      # get_discharge_summary (the PDF), at send time only

    # -- session reminders --------------------------------------------------------------

    @consumes("scheduling", "SessionScheduled")
    def plan_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            bookings.plan_session_reminders(self._booking_change(event), uow)

    @consumes("scheduling", "SessionRescheduled")
    def move_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            bookings.move_session_reminders(self._booking_change(event), uow)

    @consumes("scheduling", "SessionCancelled")
    def drop_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            bookings.drop_session_reminders(self._booking_change(event), uow)

    # -- outreach and alerts ------------------------------------------------------------

    @consumes("scheduling", "SessionMissed", group_commit=False)  # sends at once: its own transaction
    def reach_out_after_missed_session(self, event):
        self._reach_patient(messages.reach_out_after_missed_session, event)

    @consumes("outcomes", "RiskFlagRaised", group_commit=False)  # sends at once: its own transaction
    def alert_care_team_of_risk(self, event):
        command = c.AlertOnRisk(event, utcnow(), self._escalation())
        with self.db.unit_of_work() as uow:
            planned = alerts.alert_on_risk_flag(command, uow)
        self._send_now(planned, command.now)

    @consumes("intake", "EmergencyAccessGranted")
    def alert_privacy_officer_of_emergency_access(self, event):
        with self.db.unit_of_work() as uow:
            alerts.alert_on_emergency_access(c.AlertOnEmergencyAccess(event, utcnow()), uow)

    @consumes("outcomes", "AssessmentDue", group_commit=False)  # sends at once: its own transaction
    def ask_to_complete_assessment(self, event):
        self._reach_patient(messages.ask_to_complete_assessment, event)

    @consumes("intake", "ProgramCompleted", group_commit=False)  # sends at once: its own transaction
    def congratulate_and_plan_aftercare(self, event):
        self._reach_patient(messages.congratulate_and_plan_aftercare, event)

    @consumes("outcomes", "DischargeSummaryReady", group_commit=False)  # sends at once
    def send_discharge_summary_to_referrer(self, event):
        command = c.SendDischargeSummary(event, utcnow())
        with self.db.unit_of_work() as uow:
            planned = referrers.plan_discharge_summary(command, uow)
        self._send_now(planned, command.now)

    @consumes("intake", "ReferrerConsentChanged", group_commit=False)  # sends at once
    def send_discharge_summary_after_consent(self, event):
        command = c.SendDischargeSummary(event, utcnow())
        with self.db.unit_of_work() as uow:
            planned = referrers.resume_after_consent(command, uow)
        self._send_now(planned, command.now)

    # -- delivery -----------------------------------------------------------------------

    @dispatch_timer
    def send_due_messages(self):
        now = utcnow()
        self._dispatcher().dispatch_due(c.DispatchDue(now, now, production=False,
                                                      within_days=self.config["OPS_CLOCK"]["within_days"]))

    @api("POST", "/notifications/dispatch", body=DispatchIn, roles=OPERATORS,
         summary="Send what is due at `now` (ops; tests drive the clock with it)")
    def dispatch_due(self, request):
        real_now = utcnow()
        command = c.DispatchDue(request.body["now"] or real_now, real_now,
                                is_production(self.config),
                                self.config["OPS_CLOCK"]["within_days"])
        return views.dispatch_view(command.now, self._dispatcher().dispatch_due(command))

    # -- reads and acknowledgement ------------------------------------------------------

    @api("GET", "/metrics", public=True, summary="Prometheus metrics, with unrouted alerts")
    def prometheus_metrics(self, request):
        """The kit's metrics, and from this service's database: open alerts that reached nobody
        (a gauge) and routing steps that reached nobody, by reason (a counter: steps are kept)."""
        with self.db.unit_of_work() as uow:
            open_unrouted = uow.alerts.unrouted_open_count()
            by_reason = uow.alert_steps.unreached_counts()
        alert_metrics(self.metrics).update(open_unrouted, by_reason)
        return super().prometheus_metrics(request)

    @api("GET", "/notifications", query=NotificationsQuery, roles=CARE_TEAM, response=NotificationsOut,
         access_reason=True,
         summary="A patient's messages: scheduled, sent, skipped and failed, with their times")
    def list_notifications(self, request):
        patient_id = request.query["patient_id"].lower()  # the stored, canonical spelling
        command = c.ListPatientMessages(request.caller, patient_id,
                                        request.caller.site_filter(None, self.config["SITES"]),
                                        self.break_glass)
        with self.db.unit_of_work() as uow:
            return views.patient_messages_view(patient_id, messages.list_patient_messages(command, uow))

    @api("GET", "/alerts", query=AlertsQuery, roles=CARE_TEAM + PRIVACY_OFFICERS, response=AlertsOut,
         summary="Alerts of the caller's sites, newest first (break_glass ones are for the privacy officer)")
    def list_alerts(self, request):
        query = request.query
        command = c.ListAlerts(request.caller, request.caller.site_filter(query.get("site_id"), self.config["SITES"]),
                               query.get("status"), query["limit"])
        with self.db.unit_of_work() as uow:
            return views.alerts_view(*alerts.list_alerts(command, uow))

    @api("POST", "/alerts/<string:alert_id>/acknowledge", roles=CARE_TEAM + PRIVACY_OFFICERS,
         body=AcknowledgeIn, body_required=False, response=AlertOut,
         summary="Acknowledge an alert, optionally with a note of what was done (again: no change)")
    def acknowledge_alert(self, request, alert_id):
        command = c.AcknowledgeAlert(request.caller, alert_id, utcnow(), request.body["note"])
        with self.db.unit_of_work() as uow:
            alert, steps = alerts.acknowledge_alert(command, uow)
            return views.alert_view(alert, steps)

    # -- helpers ------------------------------------------------------------------------

    def _booking_change(self, event) -> c.ChangeBooking:
        # The zone only serves a reschedule that overtook its booking (SessionScheduled names one).
        zone = site_zones(self.config).get(event.site_id)
        return c.ChangeBooking(event, utcnow(), self.rules["notifications"], zone)

    def _reach_patient(self, use_case, event) -> None:
        command = c.ReachPatient(event, utcnow(), self.rules["notifications"], self._zone(event),
                                 self._escalation())
        with self.db.unit_of_work() as uow:
            planned = use_case(command, uow)
        self._send_now(planned, command.now)

    def _dispatcher(self) -> Dispatcher:
        settings = DeliverySettings.from_section(self.config["NOTIFICATION_DELIVERY"])
        contacts = ContactBook(self.intake, self.scheduling, settings.rpc_timeout_s, self.outcomes)
        return Dispatcher(self.db, contacts, self.channels, self.config["SITES"], settings,
                          self._escalation())

    def _escalation(self) -> EscalationSettings:
        return EscalationSettings(self.config.get("ESCALATION"), self.rules["notifications"],
                                  site_zones(self.config))

    def _send_now(self, planned: Planned, now) -> None:
        """Alerts go at once; a patient message due now too. What fails here the timer retries."""
        try:
            dispatcher = self._dispatcher()
            dispatcher.route_alerts(planned.alert_ids, now)
            dispatcher.dispatch(planned.message_ids, now)
        except Exception as exc:
            log.warning("immediate dispatch failed (%s); the timer will retry", type(exc).__name__)

    def _zone(self, event):
        return site_zones(self.config)[event.site_id]
