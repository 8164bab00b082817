"""The notifications service: entrypoints only; the rules live in plain modules beside it."""
import logging

from shared.clinical import clinical_rules
from shared.config import site_zones
from shared.db import Database, utcnow
from shared.http import api
from shared.inbox import consumes
from shared.problems import NotFound, Unprocessable
from shared.service import PlatformService

from services.notifications import outreach, records
from services.notifications.dependencies import Channels, ContactBook, ContactsProxy, dispatch_timer
from services.notifications.dispatch import DeliverySettings, Dispatcher
from services.notifications.models import Alert, Base
from services.notifications.schemas import (AlertOut, AlertsOut, AlertsQuery, DispatchIn,
                                            NotificationsOut, NotificationsQuery)

log = logging.getLogger(__name__)
READERS = ["admin", "clinician", "coordinator"]


class NotificationsService(PlatformService):
    name = "notifications"
    db = Database(Base.metadata)
    channels = Channels()
    intake = ContactsProxy("intake")          # get_contact, at send time only
    scheduling = ContactsProxy("scheduling")  # get_care_team

    # -- session reminders --------------------------------------------------------------

    @consumes("scheduling", "SessionScheduled")
    def plan_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            outreach.schedule_reminders(uow.session, event, utcnow(), self._rules())

    @consumes("scheduling", "SessionRescheduled")
    def move_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            outreach.move_reminders(uow.session, event, utcnow(), self._rules(), self._zone(event))

    @consumes("scheduling", "SessionCancelled")
    def drop_session_reminders(self, event):
        with self.db.unit_of_work() as uow:
            outreach.drop_reminders(uow.session, event)

    # -- outreach and alerts ------------------------------------------------------------

    @consumes("scheduling", "SessionMissed")
    def reach_out_after_missed_session(self, event):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            planned = outreach.reach_out_after_missed_session(uow, event, now, self._zone(event), self._rules())
        self._send_now(planned, now)

    @consumes("outcomes", "RiskFlagRaised")
    def alert_care_team_of_risk(self, event):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            planned = outreach.alert_on_risk_flag(uow, event, now)
        self._send_now(planned, now)

    @consumes("outcomes", "AssessmentDue")
    def ask_to_complete_assessment(self, event):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            planned = outreach.ask_to_complete_assessment(uow.session, event, now, self._zone(event), self._rules())
        self._send_now(planned, now)

    @consumes("intake", "ProgramCompleted")
    def congratulate_and_plan_aftercare(self, event):
        now = utcnow()
        with self.db.unit_of_work() as uow:
            planned = outreach.congratulate_and_plan_aftercare(uow.session, event, now, self._zone(event),
                                                               self._rules())
        self._send_now(planned, now)

    # -- delivery -----------------------------------------------------------------------

    @dispatch_timer(interval=10)
    def send_due_messages(self):
        self._dispatcher().dispatch_due(utcnow())

    @api("POST", "/notifications/dispatch", body=DispatchIn, roles=["admin", "ops"],
         summary="Send what is due at `now` (ops; tests drive the clock with it)")
    def dispatch_due(self, request):
        now = request.body["now"] or utcnow()
        if str(self.config.get("IOP_ENV", "")).lower() == "production" and now > utcnow():
            raise Unprocessable("In production the clock cannot be driven forward.",
                                errors={"now": ["Must not be in the future."]})
        return {"now": now, "outcomes": self._dispatcher().dispatch_due(now)}

    # -- reads and acknowledgement ------------------------------------------------------

    @api("GET", "/notifications", query=NotificationsQuery, roles=READERS, response=NotificationsOut,
         summary="A patient's messages: scheduled, sent, skipped and failed, with their times")
    def list_notifications(self, request):
        caller, patient_id = request.caller, str(request.query["patient_id"])
        with self.db.unit_of_work() as uow:
            messages = records.patient_messages(uow.session, patient_id,
                                                caller.site_filter(None, self.config["SITES"]))
            uow.audit(caller, "read", "notifications", patient_id, patient_id=patient_id,
                      site_id=messages[0].site_id if messages else None)
        return {"patient_id": patient_id, "notifications": messages}

    @api("GET", "/alerts", query=AlertsQuery, roles=READERS, response=AlertsOut,
         summary="Care-team alerts of the caller's sites, newest first")
    def list_alerts(self, request):
        caller, query = request.caller, request.query
        sites = caller.site_filter(query.get("site_id"), self.config["SITES"])
        with self.db.unit_of_work() as uow:
            alerts = records.site_alerts(uow.session, sites, query.get("status"), query["limit"])
            for alert in alerts:
                uow.audit(caller, "read", "alert", alert.id, patient_id=alert.patient_id, site_id=alert.site_id)
        return {"alerts": alerts}

    @api("POST", "/alerts/<string:alert_id>/acknowledge", roles=READERS, response=AlertOut,
         summary="Acknowledge an alert (again: no change)")
    def acknowledge_alert(self, request, alert_id):
        caller = request.caller
        with self.db.unit_of_work() as uow:
            alert = uow.session.get(Alert, alert_id)
            if alert is None:
                raise NotFound("Alert not found.")
            caller.visible(alert.site_id, "Alert")
            if records.acknowledge(alert, caller.name, utcnow()):
                uow.audit(caller, "acknowledge", "alert", alert.id, patient_id=alert.patient_id,
                          site_id=alert.site_id)
        return alert

    # -- helpers ------------------------------------------------------------------------

    def _dispatcher(self) -> Dispatcher:
        settings = DeliverySettings.from_config(self.config)
        contacts = ContactBook(self.intake, self.scheduling, settings.rpc_timeout_s)
        return Dispatcher(self.db, contacts, self.channels, self.config["SITES"], settings)

    def _send_now(self, planned: outreach.Planned, now) -> None:
        """Alerts go at once; a patient message due now too. What fails here the timer retries."""
        try:
            dispatcher = self._dispatcher()
            dispatcher.route_alerts(planned.alert_ids, now)
            dispatcher.dispatch(planned.message_ids, now)
        except Exception as exc:
            log.warning("immediate dispatch failed (%s); the timer will retry", type(exc).__name__)

    def _rules(self) -> dict:
        return clinical_rules()["notifications"]

    def _zone(self, event):
        return site_zones(self.config)[event.site_id]
