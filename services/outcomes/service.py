"""The outcomes service: entrypoints only; the rules live in plain modules beside it."""
from zoneinfo import ZoneInfo

from nameko.timer import timer

from shared.auth import Caller
from shared.config import site_zones
from shared.db import Database, utcnow
from shared.http import api
from shared.inbox import consumes
from shared.problems import NotFound
from shared.service import PlatformService

from services.outcomes import assessments, due, episodes, reports, summaries
from services.outcomes.models import Base, Episode
from services.outcomes.schemas import AnnounceDueIn, AssessmentIn, OutcomeReportQuery

CLINICAL = ["admin", "clinician", "coordinator"]
READERS = CLINICAL + ["integrator"]


class OutcomesService(PlatformService):
    name = "outcomes"
    db = Database(Base.metadata)

    def zone(self, site_id: str) -> ZoneInfo:
        return site_zones(self.config)[site_id]

    @api("POST", "/assessments", body=AssessmentIn, roles=CLINICAL, status=201,
         summary="Score an assessment against the episode's baseline")
    def score_assessment(self, request):
        with self.db.unit_of_work() as uow:
            record, scored, episode = assessments.record_assessment(
                uow, request.caller, request.body, self.zone)
            summaries.refresh_after_late_entry(uow, episode, self.zone(episode.site_id),
                                               record.administered_at)
        return {**assessments.assessment_view(record, with_items=False),
                "patient_id": episode.patient_id, "enrollment_id": episode.enrollment_id,
                "is_baseline": scored.baseline_score is None,
                "flags": [{"reason": f.reason, "level": f.level} for f in scored.flags]}

    @api("GET", "/patients/<patient_id>/assessments", roles=CLINICAL,
         summary="A patient's scores per episode and instrument, with item answers")
    def list_assessments(self, request, patient_id):
        with self.db.unit_of_work() as uow:
            found = assessments.trajectories(uow.session, request.caller, patient_id)
            for episode in found:
                uow.audit(request.caller, "read", "assessments", episode["enrollment_id"],
                          patient_id=patient_id, site_id=episode["site_id"])
        return {"patient_id": patient_id, "episodes": found}

    @api("GET", "/enrollments/<enrollment_id>/summary", roles=READERS,
         summary="An episode's outcome summary (interim while it is active)")
    def get_summary(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            episode = self.visible_episode(uow.session, request.caller, enrollment_id)
            view = summaries.summary_view(uow.session, episode, self.zone(episode.site_id))
            uow.audit(request.caller, "read", "outcome_summary", enrollment_id,
                      patient_id=episode.patient_id, site_id=episode.site_id)
        return view

    @api("GET", "/enrollments/<enrollment_id>/schedule", roles=CLINICAL,
         summary="An episode's measurement schedule")
    def get_schedule(self, request, enrollment_id):
        with self.db.unit_of_work() as uow:
            episode = self.visible_episode(uow.session, request.caller, enrollment_id)
            view = due.schedule_view(uow.session, episode)
            uow.audit(request.caller, "read", "assessment_schedule", enrollment_id,
                      patient_id=episode.patient_id, site_id=episode.site_id)
        return view

    @api("GET", "/reports/outcomes", query=OutcomeReportQuery, roles=READERS,
         summary="Outcomes per site and track over a period; only the caller's sites")
    def outcome_report(self, request):
        query = request.query
        sites = request.caller.site_filter(query["site_id"], list(self.config["SITES"]))
        with self.db.unit_of_work() as uow:
            rows = summaries.episode_outcomes(uow.session, sites, query["track"], query["from_"], query["to"])
        return {"from": query["from_"], "to": query["to"], "sites": sites,
                "groups": reports.outcome_report(rows, query["from_"], query["to"])}

    @api("POST", "/ops/assessments-due", body=AnnounceDueIn, roles=["admin", "ops"],
         summary="Announce due assessments now (or as of a given time)")
    def announce_due_now(self, request):
        return {"announced": self.publish_due(request.body["as_of"] or utcnow())}

    @timer(interval=60)
    def announce_due_assessments(self):
        self.publish_due(utcnow())

    def publish_due(self, now) -> int:
        announced = 0
        while True:  # batch by batch, each its own transaction
            with self.db.unit_of_work() as uow:
                count = due.announce_due(uow, now)
            announced += count
            if count < due.BATCH:
                return announced

    @consumes("intake", "PatientEnrolled")
    def plan_measurement(self, event):
        with self.db.unit_of_work() as uow:
            episodes.open_episode(uow.session, event.data, self.zone(event.site_id), event.time)

    @consumes("intake", "TreatmentPlanUpdated")
    def replan_measurement(self, event):
        with self.db.unit_of_work() as uow:
            zone = self.zone(self.site_of(uow.session, event.data["enrollment_id"]))
            episodes.replan_episode(uow.session, event.data, zone, event.time.astimezone(zone).date())

    @consumes("intake", "ProgramCompleted")
    def summarise_completion(self, event):
        data = event.data
        self.end_episode(data["enrollment_id"], episodes.COMPLETED, data["completed_on"],
                         reported_rate=data["attendance_rate"])

    @consumes("intake", "PatientDischarged")
    def summarise_discharge(self, event):
        data = event.data
        status = episodes.COMPLETED if data["reason"] == "completed" else episodes.DISCHARGED
        self.end_episode(data["enrollment_id"], status, data["discharged_on"], reason=data["reason"])

    @consumes("scheduling", "SessionAttended")
    def count_attendance(self, event):
        self.record_attendance(event.data, "attended")

    @consumes("scheduling", "SessionMissed")
    def count_absence(self, event):
        self.record_attendance(event.data, "excused" if event.data["excused"] else "missed")

    def end_episode(self, enrollment_id, status, ended_on, reason=None, reported_rate=None):
        with self.db.unit_of_work() as uow:
            site_id = self.site_of(uow.session, enrollment_id)
            episode = episodes.close_episode(uow.session, enrollment_id, status, ended_on,
                                             self.zone(site_id), reason)
            if episode is not None:
                summaries.summarise_episode(uow, episode, self.zone(site_id), reported_rate)

    def record_attendance(self, data, status):
        with self.db.unit_of_work() as uow:
            episodes.record_attendance(uow.session, data, status)
            episode = uow.session.get(Episode, data["enrollment_id"])
            if episode is not None:
                summaries.refresh_after_late_entry(uow, episode, self.zone(episode.site_id),
                                                   data["starts_at"])

    @staticmethod
    def site_of(session, enrollment_id) -> str:
        episode = session.get(Episode, enrollment_id)
        if episode is None:
            raise episodes.EpisodeNotKnownYet(f"enrollment {enrollment_id} has not been enrolled here yet")
        return episode.site_id

    @staticmethod
    def visible_episode(session, caller: Caller, enrollment_id) -> Episode:
        episode = session.get(Episode, enrollment_id)
        if episode is None:
            raise NotFound("Enrollment not found.")
        caller.visible(episode.site_id, "Enrollment")
        return episode
