"""The outcomes service: nameko only. Each entrypoint builds a command and calls one use case."""
from __future__ import annotations

import base64

import eventlet
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer
from werkzeug.wrappers import Response

from shared.auth import Caller
from shared.clock import check_driven_clock, utcnow
from shared.config import is_production, site_zones
from shared.db import Database
from shared.errors import InvalidFields, RecordNotFound
from shared.http import api
from shared.inbox import consumes
from shared.problems import problem_from_validation, validation_problem
from shared.rpc import RpcCaller
from shared.roles import CARE_TEAM, CARE_TEAM_AND_INTEGRATORS, OPERATORS
from shared.service import PlatformService

from services.outcomes import commands, documents, views
from services.outcomes.domain import discharge_summary
from services.outcomes.domain.episodes import COMPLETED, discharge_status
from services.outcomes.domain.outcome_summary import ABSENT, ATTENDED, EXCUSED
from services.outcomes.errors import ERRORS
from services.outcomes.models import Base
from services.outcomes.repositories import REPOSITORIES
from services.outcomes.schemas import (AnnounceDueIn, AssessmentRequest, FlagsQuery, OutcomeReportQuery,
                                      Refused)
from services.outcomes.usecases import (assessments, attendance, deterioration,
                                       discharge_summaries, episodes, flags, schedule, summaries)

INTAKE_RPC_TIMEOUT_S = 10.0  # the discharge details; past it the read fails and may be retried


class OutcomesService(PlatformService):
    name = "outcomes"
    db = Database(Base.metadata, repositories=REPOSITORIES)
    errors = ERRORS
    intake = RpcProxy("intake")  # get_discharge_details, when a discharge summary is read
    rpc_caller = RpcCaller()

    @property
    def zones(self):
        return site_zones(self.config)

    @api("POST", "/assessments", body=AssessmentRequest, roles=CARE_TEAM, status=201,
         summary="Score an assessment against the episode's baseline")
    def score_assessment(self, request):
        body = request.body
        if isinstance(body, Refused):
            self.refuse_keeping_risk(request, body.raw, problem_from_validation(body.error))
        command = commands.ScoreAssessment(
            caller=request.caller, patient_id=body["patient_id"].lower(),
            enrollment_id=body["enrollment_id"].lower() if body["enrollment_id"] else None,
            instrument=body["instrument"], responses=body["responses"],
            administered_at=body["administered_at"], instruments=self.rules.instruments,
            zones=self.zones, measurement=self.rules["measurement"],
            deterioration=self.rules["deterioration"], instrument_rules=self.rules["instruments"],
            referral_id=body["referral_id"].lower() if body["referral_id"] else None,
            q6_within_3_months=body["q6_within_3_months"])
        try:
            with self.db.unit_of_work() as uow:
                assessment, scored = assessments.score_assessment(command, uow)
        except InvalidFields as exc:
            self.refuse_keeping_risk(request, body,
                                     validation_problem(exc.errors, exc.detail))
        return views.scored_view(assessment, scored)

    @api("GET", "/flags", query=FlagsQuery, roles=CARE_TEAM, access_reason=True,
         summary="Risk flags raised, newest first, by patient, enrollment or referral; audited")
    def list_flags(self, request):
        query = request.query
        command = commands.ListFlags(
            request.caller, request.caller.site_filter(query["site_id"], list(self.config["SITES"])),
            *(query[name].lower() if query[name] else None
              for name in ("patient_id", "enrollment_id", "referral_id")), self.break_glass)
        with self.db.unit_of_work() as uow:
            found = flags.list_flags(command, uow)
        return views.flags_view(found)

    @api("GET", "/flags/<flag_id>", roles=CARE_TEAM, summary="One risk flag; audited")
    def get_flag(self, request, flag_id):
        with self.db.unit_of_work() as uow:
            return views.flag_view(flags.show_flag(
                commands.ReadRecord(request.caller, flag_id.lower()), uow))

    @api("GET", "/assessments/<assessment_id>", roles=CARE_TEAM,
         summary="One assessment with its item answers; audited")
    def get_assessment(self, request, assessment_id):
        with self.db.unit_of_work() as uow:
            return views.assessment_record_view(assessments.show_assessment(
                commands.ReadRecord(request.caller, assessment_id.lower()), uow))

    @api("GET", "/patients/<patient_id>/assessments", roles=CARE_TEAM, access_reason=True,
         summary="A patient's scores per episode and instrument, with item answers")
    def list_assessments(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            found = assessments.patient_trajectories(
                commands.ReadTrajectories(request.caller, patient_id, self.break_glass), uow)
        return views.trajectories_view(patient_id, found)

    @api("GET", "/enrollments/<enrollment_id>/summary", roles=CARE_TEAM_AND_INTEGRATORS,
         access_reason=True,
         summary="An episode's outcome summary (interim while it is active)")
    def get_summary(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            found = summaries.episode_summary(self.read_episode(request, enrollment_id), uow)
        return views.summary_view(found)

    @api("GET", "/enrollments/<enrollment_id>/discharge-summary.pdf", roles=CARE_TEAM,
         access_reason=True, summary="An ended episode's discharge summary as a PDF; audited")
    def get_discharge_summary_pdf(self, request, enrollment_id):
        command = commands.ReadDischargeSummary(request.caller, enrollment_id.lower(),
                                                self.break_glass)
        pdf = self.discharge_summary_pdf(command)
        return Response(pdf, status=200, content_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="discharge-summary-{command.enrollment_id}.pdf"'})

    @rpc
    def get_discharge_summary(self, enrollment_id):
        """The discharge summary PDF, base64, for the notifications service to attach; None
        while the episode is active or unknown. Audited as the calling service's read."""
        command = commands.ReadDischargeSummary(Caller.service(self.rpc_caller),
                                                str(enrollment_id).lower())
        try:
            pdf = self.discharge_summary_pdf(command)
        except RecordNotFound:
            return None
        return {"enrollment_id": command.enrollment_id, "content_type": "application/pdf",
                "filename": f"discharge-summary-{command.enrollment_id}.pdf",
                "data": base64.b64encode(pdf).decode("ascii")}

    @api("GET", "/enrollments/<enrollment_id>/schedule", roles=CARE_TEAM,
         summary="An episode's measurement schedule")
    def get_schedule(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            episode, items = schedule.episode_schedule(self.read_episode(request, enrollment_id), uow)
        return views.schedule_view(episode, items)

    @api("GET", "/reports/outcomes", query=OutcomeReportQuery, roles=CARE_TEAM_AND_INTEGRATORS,
         summary="Outcomes per site and track over a period; only the caller's sites")
    def outcome_report(self, request):
        query = request.query
        sites = request.caller.site_filter(query["site_id"], list(self.config["SITES"]))
        command = commands.ReportOutcomes(sites, query["track"], query["from_"], query["to"])
        with self.db.unit_of_work() as uow:
            groups = summaries.report_outcomes(command, uow)
        return views.report_view(query, sites, groups)

    @api("POST", "/ops/assessments-due", body=AnnounceDueIn, roles=OPERATORS,
         summary="Announce due assessments (and held deterioration flags) now, or as of a given time")
    def announce_due_now(self, request):
        real_now = utcnow()
        as_of = request.body["as_of"] or real_now
        check_driven_clock(as_of, real_now, production=is_production(self.config),
                           within_days=self.config["OPS_CLOCK"]["within_days"], field="as_of")
        return {"announced": self.publish_due(as_of)}

    @timer(interval=60)
    def announce_due_assessments(self):
        self.publish_due(utcnow())

    @consumes("intake", "PatientEnrolled")
    def plan_measurement(self, event):
        command = commands.PlanEpisode(event.data, event.time, self.rules["measurement"], self.zones,
                                       self.rules.instruments)
        with self.db.unit_of_work() as uow:
            episodes.plan_episode(command, uow)

    @consumes("intake", "PatientReferred")
    def flag_referral_risk(self, event):
        command = commands.RecordReferral(event.data, self.rules.instruments, self.zones)
        with self.db.unit_of_work() as uow:
            flags.record_referral(command, uow)

    @consumes("intake", "TreatmentPlanUpdated")
    def replan_measurement(self, event):
        data = event.data
        command = commands.ReplanEpisode(data["enrollment_id"], data["planned_weeks"], event.time,
                                         self.rules["measurement"], self.zones)
        with self.db.unit_of_work() as uow:
            episodes.replan_episode(command, uow)

    @consumes("intake", "ProgramCompleted")
    def summarise_completion(self, event):
        data = event.data
        self.end_episode(data["enrollment_id"], COMPLETED, data["completed_on"], None,
                         data["attendance_rate"])

    @consumes("intake", "PatientDischarged")
    def summarise_discharge(self, event):
        data = event.data
        self.end_episode(data["enrollment_id"], discharge_status(data["reason"]),
                         data["discharged_on"], data["reason"], None)

    @consumes("scheduling", "SessionAttended")
    def count_attendance(self, event):
        self.record_attendance(event.data, ATTENDED)

    @consumes("scheduling", "SessionMissed")
    def count_absence(self, event):
        self.record_attendance(event.data, EXCUSED if event.data["excused"] else ABSENT)

    # -- shared by the entrypoints above

    def refuse_keeping_risk(self, request, raw, problem):
        """Answer the 422, after raising the flag of a valid positive PHQ-9 item 9 it carries (for a
        known episode the caller sees): a risk answer is never lost, whatever else is wrong."""
        command = commands.KeepRiskAnswer(request.caller, raw if isinstance(raw, dict) else {},
                                          self.rules.instruments, self.zones)
        with self.db.unit_of_work() as uow:
            flag = flags.keep_risk_answer(command, uow)
        if flag is not None:
            problem.extra["risk_flag_raised"] = {"flag_id": flag.flag_id, "level": flag.level,
                                                 "reason": flag.reason}
        raise problem

    def discharge_summary_pdf(self, command: commands.ReadDischargeSummary) -> bytes:
        """The figures from this service's database, then intake's part by RPC (outside the
        transaction), assembled and rendered."""
        with self.db.unit_of_work() as uow:
            found = discharge_summaries.final_summary(command, uow)
        with eventlet.Timeout(INTAKE_RPC_TIMEOUT_S, TimeoutError):
            details = self.intake.get_discharge_details(command.enrollment_id)
        episode = found.episode
        site = self.config["SITES"].get(episode.site_id) or {}
        try:
            summary = discharge_summary.assemble(
                episode, found.attendance, found.measures, found.computed_at.isoformat(), details,
                site.get("name", episode.site_id))
        except discharge_summary.NotReady:
            raise RecordNotFound("This enrollment has no discharge summary yet.") from None
        return documents.render_pdf(summary)

    def read_episode(self, request, enrollment_id) -> commands.ReadEpisode:
        return commands.ReadEpisode(request.caller, enrollment_id, self.rules.instruments, self.zones,
                                    self.break_glass)

    def publish_due(self, now) -> int:
        announced = 0
        while True:  # batch by batch, each its own transaction
            with self.db.unit_of_work() as uow:
                count = schedule.announce_due(
                    commands.AnnounceDue(now, self.rules["measurement"]), uow)
            announced += count
            if count < schedule.BATCH:
                break
        while True:  # deterioration flags whose grouping hold has ended
            with self.db.unit_of_work() as uow:
                count = deterioration.release_held(commands.ReleaseHeldFlags(now), uow)
            if count < deterioration.BATCH:
                return announced

    def end_episode(self, enrollment_id, status, ended_on, reason, reported_rate):
        command = commands.EndEpisode(enrollment_id, status, ended_on, reason, reported_rate,
                                      self.rules["measurement"], self.rules.instruments, self.zones)
        with self.db.unit_of_work() as uow:
            episodes.end_episode(command, uow)

    def record_attendance(self, data, status):
        command = commands.RecordAttendance(
            data["booking_id"], data["enrollment_id"], data["patient_id"], data["site_id"],
            data["starts_at"], status, self.rules.instruments, self.zones)
        with self.db.unit_of_work() as uow:
            attendance.record_attendance(command, uow)
