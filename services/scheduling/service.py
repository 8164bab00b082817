"""The scheduling service: entrypoints only; the rules live in plain modules beside it."""
from nameko.rpc import rpc

from shared.auth import Caller
from shared.clinical import clinical_rules
from shared.config import site_zones
from shared.db import Database
from shared.http import api
from shared.inbox import consumes
from shared.problems import NotFound, validation_problem
from shared.service import PlatformService

from services.scheduling import planning, reference, sessions, views
from services.scheduling.dependencies import Clock
from services.scheduling.models import Base, Enrollment, GroupSeries
from services.scheduling.reservations import Context
from services.scheduling.schemas import (AttendanceIn, CalendarQuery, CancelIn, RescheduleIn,
                                         SeriesIn, StaffIn)

MANAGERS = ["admin", "coordinator"]
CLINIC = ["admin", "coordinator", "clinician"]
READERS = ["admin", "coordinator", "clinician", "integrator"]


class EnrollmentNotYetKnown(LookupError):
    """An event about an enrollment whose PatientEnrolled is still on its way: retried by the inbox."""


class SchedulingService(PlatformService):
    name = "scheduling"
    db = Database(Base.metadata)
    clock = Clock()

    def context(self, caller: Caller) -> Context:
        return Context(now=self.clock(), zones=site_zones(self.config),
                       program=clinical_rules()["program"], caller=caller)

    # -- reference data ----------------------------------------------------------------------

    @api("GET", "/sites", roles=READERS)
    def list_sites(self, request):
        sites = self.config["SITES"]
        return {"sites": [{"site_id": site_id, "name": sites[site_id]["name"],
                           "timezone": sites[site_id]["timezone"]}
                          for site_id in request.caller.site_filter(None, sorted(sites))]}

    @api("POST", "/staff", body=StaffIn, roles=MANAGERS, status=201)
    def create_staff(self, request):
        self.writable_site(request.caller, request.body["site_id"])
        with self.db.unit_of_work() as uow:
            staff = reference.create_staff(uow, request.body)
            uow.audit(request.caller, "create", "staff", staff.id, site_id=staff.site_id)
            return reference.describe_staff(uow, staff)

    @api("POST", "/group-series", body=SeriesIn, roles=MANAGERS, status=201)
    def create_series(self, request):
        self.writable_site(request.caller, request.body["site_id"])
        zone = site_zones(self.config)[request.body["site_id"]]
        with self.db.unit_of_work() as uow:
            series, count = reference.create_series(uow, request.body, zone)
            uow.audit(request.caller, "create", "group_series", series.id, site_id=series.site_id)
            return reference.series_view(series, count)

    @api("GET", "/sites/<string:site_id>/staff", roles=READERS)
    def list_staff(self, request, site_id):
        self.visible_site(request.caller, site_id)
        with self.db.unit_of_work() as uow:
            return {"site_id": site_id, "staff": reference.site_staff(uow, site_id)}

    @api("GET", "/sites/<string:site_id>/group-series", roles=READERS)
    def list_series(self, request, site_id):
        self.visible_site(request.caller, site_id)
        with self.db.unit_of_work() as uow:
            return {"site_id": site_id, "series": reference.site_series(uow, site_id)}

    @api("GET", "/group-series/<string:series_id>", roles=READERS)
    def get_series(self, request, series_id):
        with self.db.unit_of_work() as uow:
            series = uow.session.get(GroupSeries, series_id)
            if series is None:
                raise NotFound("Group series not found.")
            request.caller.visible(series.site_id, "Group series")
            return reference.series_view(series)

    # -- calendars and schedules --------------------------------------------------------------

    @api("GET", "/sites/<string:site_id>/calendar", query=CalendarQuery, roles=READERS)
    def site_calendar(self, request, site_id):
        self.visible_site(request.caller, site_id)
        with self.db.unit_of_work() as uow:
            return views.calendar(uow, site_id, request.query["from_"], request.query["to"],
                                  self.context(request.caller))

    @api("GET", "/sessions/<string:session_id>", roles=READERS)
    def get_session(self, request, session_id):
        with self.db.unit_of_work() as uow:
            session = sessions.visible_session(uow, session_id, self.context(request.caller))
            uow.audit(request.caller, "read", "session", session.id, site_id=session.site_id)
            return views.session_detail(uow, session)

    @api("GET", "/patients/<string:patient_id>/schedule", roles=READERS)
    def patient_schedule(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            schedule = views.patient_schedule(uow, patient_id, self.context(request.caller))
            uow.audit(request.caller, "read", "schedule", schedule["enrollment_id"],
                      patient_id=patient_id, site_id=schedule["site_id"])
            return schedule

    # -- sessions ------------------------------------------------------------------------------

    @api("POST", "/sessions/<string:session_id>/attendance", body=AttendanceIn(many=True), roles=CLINIC)
    def record_attendance(self, request, session_id):
        with self.db.unit_of_work() as uow:
            records = sessions.record_attendance(uow, session_id, request.body,
                                                 self.context(request.caller))
            return {"session_id": session_id, "records": records}

    @api("POST", "/sessions/<string:session_id>/cancel", body=CancelIn, roles=CLINIC)
    def cancel_session(self, request, session_id):
        with self.db.unit_of_work() as uow:
            return sessions.cancel_session(uow, session_id, request.body["reason"],
                                           self.context(request.caller))

    @api("POST", "/bookings/<string:booking_id>/reschedule", body=RescheduleIn, roles=CLINIC)
    def reschedule_booking(self, request, booking_id):
        with self.db.unit_of_work() as uow:
            return sessions.reschedule_booking(uow, booking_id, request.body["starts_at"],
                                               self.context(request.caller))

    # -- RPC -----------------------------------------------------------------------------------

    @rpc
    def get_care_team(self, site_id, patient_id):
        """The site's on-call staff and the patient's primary clinician, with contact channels."""
        with self.db.unit_of_work() as uow:
            team = views.care_team(uow, site_id, patient_id)
            uow.audit(Caller.service(self.name), "read", "care_team", patient_id,
                      patient_id=patient_id, site_id=site_id)
            return team

    # -- events from intake ----------------------------------------------------------------

    @consumes("intake", "PatientEnrolled")
    def book_new_enrollment(self, event):
        with self.db.unit_of_work() as uow:
            enrollment = planning.record_enrollment(uow, event.site_id, event.data)
            if enrollment is not None:
                planning.book_enrollment(uow, enrollment, self.service_context())
                self.audit_booking(uow, enrollment, "book")

    @consumes("intake", "TreatmentPlanUpdated")
    def adjust_bookings_to_plan(self, event):
        with self.db.unit_of_work() as uow:
            enrollment = self.known_enrollment(uow, event)
            planning.adjust_to_plan(uow, enrollment, event.data, self.service_context())
            self.audit_booking(uow, enrollment, "adjust")

    @consumes("intake", "ProgramCompleted")
    def end_completed_program(self, event):
        self.end_enrollment(event, "completed", "program_completed")

    @consumes("intake", "PatientDischarged")
    def end_discharged_enrollment(self, event):
        self.end_enrollment(event, "discharged", "patient_discharged")

    def end_enrollment(self, event, status, reason):
        with self.db.unit_of_work() as uow:
            enrollment = self.known_enrollment(uow, event)
            if enrollment.status == "active":
                planning.end_enrollment(uow, enrollment, status, reason, self.service_context())
                self.audit_booking(uow, enrollment, "cancel")

    def known_enrollment(self, uow, event) -> Enrollment:
        enrollment = uow.session.get(Enrollment, event.data["enrollment_id"])
        if enrollment is None:
            raise EnrollmentNotYetKnown(event.data["enrollment_id"])
        return enrollment

    def writable_site(self, caller: Caller, site_id: str) -> None:
        # The schema checks config.yaml's sites; this container may run with another file.
        if site_id not in self.config["SITES"]:
            raise validation_problem({"site_id": ["Unknown site."]})
        caller.require_site(site_id)

    def visible_site(self, caller: Caller, site_id: str) -> None:
        if site_id not in self.config["SITES"]:
            raise NotFound("Site not found.")
        caller.visible(site_id, "Site")

    def service_context(self) -> Context:
        return self.context(Caller.service(self.name))

    def audit_booking(self, uow, enrollment, action):
        uow.audit(Caller.service(self.name), action, "schedule", enrollment.id,
                  patient_id=enrollment.patient_id, site_id=enrollment.site_id)

