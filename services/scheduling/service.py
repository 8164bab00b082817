"""The scheduling service: dependencies, then entrypoints; the rules live in domain/ and usecases/."""
from nameko.rpc import rpc

from shared.auth import Caller
from shared.config import site_zones
from shared.db import Database
from shared.http import api
from shared.inbox import consumes
from shared.roles import CARE_TEAM, CARE_TEAM_AND_INTEGRATORS, MANAGERS, NOTE_AUTHORS
from shared.service import PlatformService

from services.scheduling import views
from services.scheduling.commands import (AddToRoster, CancelSession, CreateSeries, CreateStaff,
                                          EndEnrollment, EnrollmentEvent, FamilyMemberEvent,
                                          ReadCareTeam, ReadNote, ReadRecord, ReadSite,
                                          RecordAttendance, RescheduleBooking, SignNote, WriteNote)
from services.scheduling.dependencies import Clock
from services.scheduling.domain.program import BookingContext
from services.scheduling.errors import ERRORS
from services.scheduling.models import Base
from services.scheduling.repositories import REPOSITORIES
from services.scheduling.schemas import (AmendmentIn, AttendanceIn, CalendarQuery, CancelIn, NoteIn,
                                         NoteQuery, RescheduleIn, RosterIn, SeriesIn, StaffIn)
from services.scheduling.usecases import (bookings, enrollments, family, notes, series, sessions,
                                          staff)

class SchedulingService(PlatformService):
    name = "scheduling"
    errors = ERRORS
    db = Database(Base.metadata, repositories=REPOSITORIES)
    clock = Clock()

    # -- reference data ----------------------------------------------------------------------

    @api("GET", "/sites", roles=CARE_TEAM_AND_INTEGRATORS)
    def list_sites(self, request):
        sites = self.config["SITES"]
        return views.site_list(sites, request.caller.site_filter(None, sorted(sites)))

    @api("POST", "/staff", body=StaffIn, roles=MANAGERS, status=201)
    def create_staff(self, request):
        command = CreateStaff(caller=request.caller, zones=self.zones(), **request.body)
        with self.db.unit_of_work() as uow:
            return views.staff_view(*staff.create_staff(command, uow))

    @api("POST", "/group-series", body=SeriesIn, roles=MANAGERS, status=201)
    def create_series(self, request):
        command = CreateSeries(caller=request.caller, zones=self.zones(),
                               program=self.rules["program"],
                               horizon_weeks=self.config["SERIES"]["horizon_weeks"], **request.body)
        with self.db.unit_of_work() as uow:
            return views.series_view(*series.create_series(command, uow))

    @api("GET", "/sites/<string:site_id>/staff", roles=CARE_TEAM_AND_INTEGRATORS)
    def list_staff(self, request, site_id):
        with self.db.unit_of_work() as uow:
            listed = staff.site_staff(ReadSite(request.caller, self.zones(), site_id), uow)
            contacts = request.caller.has_role(*CARE_TEAM)  # integrators: no names or contacts
            return {"site_id": site_id, "staff": [views.staff_view(*s, with_contacts=contacts)
                                                  for s in listed]}

    @api("GET", "/sites/<string:site_id>/group-series", roles=CARE_TEAM_AND_INTEGRATORS)
    def list_series(self, request, site_id):
        with self.db.unit_of_work() as uow:
            listed = series.site_series(ReadSite(request.caller, self.zones(), site_id), uow)
            return {"site_id": site_id, "series": [views.series_view(s, waiting=n) for s, n in listed]}

    @api("GET", "/group-series/<string:series_id>", roles=CARE_TEAM_AND_INTEGRATORS)
    def get_series(self, request, series_id):
        with self.db.unit_of_work() as uow:
            found, waiting = series.get_series(ReadRecord(request.caller, series_id), uow)
            return views.series_view(found, waiting=waiting)

    # -- calendars and schedules --------------------------------------------------------------

    @api("GET", "/sites/<string:site_id>/calendar", query=CalendarQuery, roles=CARE_TEAM_AND_INTEGRATORS)
    def site_calendar(self, request, site_id):
        command = ReadSite(request.caller, self.zones(), site_id,
                           first=request.query["from_"], last=request.query["to"])
        with self.db.unit_of_work() as uow:
            rows = sessions.site_calendar(command, uow)
            return views.calendar(site_id, command.zones[site_id], command.first, command.last, rows)

    @api("GET", "/sessions/<string:session_id>", roles=CARE_TEAM_AND_INTEGRATORS)
    def get_session(self, request, session_id):
        with self.db.unit_of_work() as uow:
            return views.session_detail(*sessions.session_with_bookings(
                ReadRecord(request.caller, session_id), uow))

    @api("GET", "/patients/<string:patient_id>/schedule", roles=CARE_TEAM_AND_INTEGRATORS,
         access_reason=True)
    def patient_schedule(self, request, patient_id):
        command = ReadRecord(request.caller, patient_id, self.zones(), self.rules["program"],
                             self.break_glass)
        with self.db.unit_of_work() as uow:
            return views.patient_schedule(patient_id, enrollments.patient_schedule(command, uow))

    # -- sessions ------------------------------------------------------------------------------

    @api("POST", "/sessions/<string:session_id>/attendance", body=AttendanceIn(many=True), roles=CARE_TEAM)
    def record_attendance(self, request, session_id):
        command = RecordAttendance(request.caller, self.clock(), session_id, request.body)
        with self.db.unit_of_work() as uow:
            return views.attendance_records(session_id, sessions.record_attendance(command, uow))

    @api("POST", "/sessions/<string:session_id>/cancel", body=CancelIn, roles=CARE_TEAM)
    def cancel_session(self, request, session_id):
        command = CancelSession(request.caller, self.clock(), session_id, request.body["reason"])
        with self.db.unit_of_work() as uow:
            return views.cancelled_session(*sessions.cancel_session(command, uow))

    @api("POST", "/bookings/<string:booking_id>/reschedule", body=RescheduleIn, roles=CARE_TEAM)
    def reschedule_booking(self, request, booking_id):
        command = RescheduleBooking(request.caller, self.clock(), booking_id, request.body["starts_at"])
        with self.db.unit_of_work() as uow:
            return views.rescheduled(*bookings.reschedule_booking(command, uow))

    @api("POST", "/sessions/<string:session_id>/roster", body=RosterIn, roles=CARE_TEAM, status=201,
         summary="Add an enrolled patient to one session (a make-up or walk-in)")
    def add_to_roster(self, request, session_id):
        command = AddToRoster(request.caller, self.clock(), session_id, **request.body)
        with self.db.unit_of_work() as uow:
            return views.roster_booking(*bookings.add_to_roster(command, uow))

    # -- group notes ---------------------------------------------------------------------------

    @api("PUT", "/sessions/<string:session_id>/note", body=NoteIn, roles=NOTE_AUTHORS,
         summary="Write or replace the session's draft group note")
    def write_note(self, request, session_id):
        command = WriteNote(request.caller, self.clock(), session_id, **request.body)
        with self.db.unit_of_work() as uow:
            return views.group_note(notes.write_draft(command, uow))

    @api("POST", "/sessions/<string:session_id>/note/sign", roles=NOTE_AUTHORS,
         summary="Sign the draft group note (locks it; publishes GroupNoteSigned)")
    def sign_note(self, request, session_id):
        command = SignNote(request.caller, self.clock(), session_id)
        with self.db.unit_of_work() as uow:
            return views.group_note(notes.sign(command, uow))

    @api("POST", "/sessions/<string:session_id>/note/amendments", body=AmendmentIn,
         roles=NOTE_AUTHORS, status=201,
         summary="Amend a signed group note: a new signed version, the old kept")
    def amend_note(self, request, session_id):
        command = WriteNote(request.caller, self.clock(), session_id, **request.body)
        with self.db.unit_of_work() as uow:
            return views.group_note(notes.amend(command, uow))

    @api("GET", "/sessions/<string:session_id>/note", query=NoteQuery, roles=CARE_TEAM,
         summary="The session's group note with every part (audited)")
    def get_note(self, request, session_id):
        command = ReadNote(request.caller, session_id, request.query["version"])
        with self.db.unit_of_work() as uow:
            return views.group_note(notes.read_session_note(command, uow))

    @api("GET", "/patients/<string:patient_id>/notes", roles=CARE_TEAM,
         summary="The patient's chart of group notes, each with only this patient's part (audited)")
    def patient_notes(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            return views.patient_notes(patient_id, notes.patient_notes(
                ReadRecord(request.caller, patient_id), uow))

    # -- RPC -----------------------------------------------------------------------------------

    @rpc
    def get_care_team(self, site_id, patient_id):
        """The site's on-call staff and the patient's primary clinician, with contact channels."""
        command = ReadCareTeam(Caller.service(self.name), site_id, patient_id)
        with self.db.unit_of_work() as uow:
            return views.care_team(site_id, *staff.care_team(command, uow))

    @rpc
    def get_family_participants(self, session_id):
        """The related person ids taking part in a family session ([] for any other session)."""
        command = ReadRecord(Caller.service(self.name), str(session_id))
        with self.db.unit_of_work() as uow:
            return family.session_participants(command, uow)

    # -- events from intake ----------------------------------------------------------------

    @consumes("intake", "RelatedPersonAdded")
    def add_family_member(self, event):
        with self.db.unit_of_work() as uow:
            family.record_family_member(FamilyMemberEvent(event, Caller.service(self.name),
                                                          self.clock()), uow)

    @consumes("intake", "RelatedPersonUpdated")
    def change_family_member(self, event):
        with self.db.unit_of_work() as uow:
            family.record_family_member(FamilyMemberEvent(event, Caller.service(self.name),
                                                          self.clock()), uow)

    @consumes("intake", "PatientEnrolled")
    def book_new_enrollment(self, event):
        with self.db.unit_of_work() as uow:
            enrollments.book_new_enrollment(self.enrollment_event(event), uow)

    @consumes("intake", "TreatmentPlanUpdated")
    def adjust_bookings_to_plan(self, event):
        with self.db.unit_of_work() as uow:
            enrollments.adjust_to_plan(self.enrollment_event(event), uow)

    @consumes("intake", "ProgramCompleted")
    def end_completed_program(self, event):
        with self.db.unit_of_work() as uow:
            enrollments.end_enrollment(self.enrollment_end(event, "completed", "program_completed"), uow)

    @consumes("intake", "PatientDischarged")
    def end_discharged_enrollment(self, event):
        with self.db.unit_of_work() as uow:
            enrollments.end_enrollment(self.enrollment_end(event, "discharged", "patient_discharged"), uow)

    # -- building commands ----------------------------------------------------------------------

    def zones(self):
        return site_zones(self.config)

    def booking_context(self) -> BookingContext:
        return BookingContext(now=self.clock(), zones=self.zones(), program=self.rules["program"],
                              calendar=self.rules["calendar"], sites=self.config["SITES"])

    def enrollment_event(self, event) -> EnrollmentEvent:
        return EnrollmentEvent(event, Caller.service(self.name), self.booking_context())

    def enrollment_end(self, event, status: str, reason: str) -> EndEnrollment:
        return EndEnrollment(event, Caller.service(self.name), self.booking_context(), status, reason)
