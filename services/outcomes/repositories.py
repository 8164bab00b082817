"""Every query of the outcomes service: one repository per aggregate, reached as uow.<name>."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, or_, select, update

from shared.repository import Repository

from services.outcomes.models import (AttendanceRecord, Assessment, DeteriorationFlag,
                                      DueAssessment, Episode, OutcomeSummary, Referral,
                                      RiskFlagRecord, ScreeningScore,
                                      SummaryMeasure)

IN_LIST = 500  # bounded IN lists on every backend


class Episodes(Repository):
    model = Episode

    def latest_of_patient(self, patient_id: str, enrollment_id: str | None = None) -> Episode | None:
        """The named episode of the patient, else the patient's latest."""
        query = select(Episode).where(Episode.patient_id == patient_id)
        if enrollment_id is not None:
            query = query.where(Episode.enrollment_id == enrollment_id)
        return self.session.scalars(
            query.order_by(Episode.start_date.desc(), Episode.enrolled_at.desc())).first()

    def of_patient(self, patient_id: str) -> list[Episode]:
        return list(self.session.scalars(select(Episode).where(Episode.patient_id == patient_id)
                                         .order_by(Episode.start_date, Episode.enrolled_at)))

    def screening_totals(self, enrollment_id: str) -> dict[str, int]:
        rows = self.session.scalars(select(ScreeningScore).where(
            ScreeningScore.enrollment_id == enrollment_id))
        return {row.instrument: row.total_score for row in rows}

    def screened_positive(self, enrollment_id: str) -> list[str]:
        return list(self.session.scalars(select(ScreeningScore.instrument).where(
            ScreeningScore.enrollment_id == enrollment_id, ScreeningScore.positive.is_(True))))

    def screened_on(self, episode: Episode) -> date:
        """The referral's screening day; the start date for an episode screened with nothing."""
        day = self.session.scalar(select(func.min(ScreeningScore.screened_on)).where(
            ScreeningScore.enrollment_id == episode.enrollment_id))
        return day or episode.start_date


class Assessments(Repository):
    model = Assessment

    def of_episode(self, enrollment_id: str, instrument: str | None = None) -> list[Assessment]:
        """In the order administered (then recorded)."""
        query = select(Assessment).where(Assessment.enrollment_id == enrollment_id)
        if instrument is not None:
            query = query.where(Assessment.instrument == instrument)
        return list(self.session.scalars(query.order_by(Assessment.administered_at,
                                                        Assessment.recorded_at)))


class Referrals(Repository):
    model = Referral  # keyed by referral: get(referral_id)

    def site_of_patient(self, patient_id: str) -> str | None:
        """The site of the patient's latest referral recorded here (None: none)."""
        return self.session.scalar(select(Referral.site_id).where(Referral.patient_id == patient_id)
                                   .order_by(Referral.recorded_at.desc()).limit(1))


class Flags(Repository):
    model = RiskFlagRecord

    def matching(self, sites: list[str], patient_id: str | None, enrollment_id: str | None,
                 referral_id: str | None, limit: int) -> list[RiskFlagRecord]:
        """The flags of the sites, newest first, narrowed by whichever ids are given."""
        query = select(RiskFlagRecord).where(RiskFlagRecord.site_id.in_(sites))
        for column, value in ((RiskFlagRecord.patient_id, patient_id),
                              (RiskFlagRecord.enrollment_id, enrollment_id),
                              (RiskFlagRecord.referral_id, referral_id)):
            if value is not None:
                query = query.where(column == value)
        return list(self.session.scalars(
            query.order_by(RiskFlagRecord.raised_at.desc(), RiskFlagRecord.flag_id).limit(limit)))


class Schedule(Repository):
    model = DueAssessment

    def of_episode(self, enrollment_id: str) -> list[DueAssessment]:
        return list(self.session.scalars(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id)
            .order_by(DueAssessment.due_on, DueAssessment.instrument)))

    def open_items(self, enrollment_id: str, instrument: str, statuses) -> list[DueAssessment]:
        return list(self.session.scalars(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.instrument == instrument,
            DueAssessment.status.in_(statuses))))

    def from_day(self, enrollment_id: str, day: date) -> list[DueAssessment]:
        return list(self.session.scalars(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.due_on >= day)))

    def item_on(self, enrollment_id: str, instrument: str, due_on: date) -> DueAssessment | None:
        return self.session.scalar(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.instrument == instrument,
            DueAssessment.due_on == due_on))

    def open_due_between(self, enrollment_id: str, instruments, first: date, last: date,
                         statuses) -> list[DueAssessment]:
        return list(self.session.scalars(select(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id,
            DueAssessment.instrument.in_(list(instruments)), DueAssessment.status.in_(statuses),
            DueAssessment.due_on >= first, DueAssessment.due_on <= last)))

    def final_assessment_ids(self, enrollment_id: str) -> set[str]:
        """The assessments that fulfilled an end-of-program item (occasion discharge)."""
        return set(self.session.scalars(select(DueAssessment.assessment_id).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.occasion == "discharge",
            DueAssessment.assessment_id.is_not(None))))

    def change_status(self, enrollment_id: str, before: str, after: str) -> None:
        self.session.execute(update(DueAssessment).where(
            DueAssessment.enrollment_id == enrollment_id, DueAssessment.status == before,
        ).values(status=after))

    def lapse_due_before(self, status: str, cutoff: datetime, lapsed: str) -> None:
        self.session.execute(update(DueAssessment).where(
            DueAssessment.status == status, DueAssessment.due_at <= cutoff).values(status=lapsed))

    def due_by(self, status: str, now: datetime, limit: int) -> list[DueAssessment]:
        """Due items in due order; two instances never take the same item (PostgreSQL; SQLite
        has one writer anyway)."""
        return list(self.session.scalars(
            select(DueAssessment).where(DueAssessment.status == status, DueAssessment.due_at <= now)
            .order_by(DueAssessment.due_at, DueAssessment.id).limit(limit)
            .with_for_update(skip_locked=True)))


class Attendance(Repository):
    model = AttendanceRecord  # keyed by booking: get(booking_id)

    def statuses(self, enrollment_id: str) -> list[str]:
        return list(self.session.scalars(select(AttendanceRecord.status).where(
            AttendanceRecord.enrollment_id == enrollment_id)))


class Summaries(Repository):
    model = OutcomeSummary

    def measures(self, enrollment_id: str) -> list[SummaryMeasure]:
        return list(self.session.scalars(select(SummaryMeasure).where(
            SummaryMeasure.enrollment_id == enrollment_id)))

    def replace_measures(self, enrollment_id: str, measures: list[dict]) -> None:
        self.session.execute(delete(SummaryMeasure).where(SummaryMeasure.enrollment_id == enrollment_id))
        self.session.add_all(SummaryMeasure(enrollment_id=enrollment_id, **m) for m in measures)

    def episodes_with_summaries(self, sites: list[str], track: str | None, start: date | None,
                                end: date | None) -> list[tuple[Episode, OutcomeSummary | None, list]]:
        """Episodes of the sites that started or ended within [start, end], each with its
        summary and measures (none while it is active)."""
        query = (select(Episode, OutcomeSummary)
                 .outerjoin(OutcomeSummary, OutcomeSummary.enrollment_id == Episode.enrollment_id)
                 .where(Episode.site_id.in_(sites)))
        if track is not None:
            query = query.where(Episode.track == track)
        if start is not None:
            query = query.where(or_(Episode.start_date >= start, Episode.ended_on >= start))
        if end is not None:
            query = query.where(or_(Episode.start_date <= end, Episode.ended_on <= end))
        rows = self.session.execute(query).all()
        measures: dict[str, list[SummaryMeasure]] = {}
        ids = [episode.enrollment_id for episode, stored in rows if stored is not None]
        for chunk in range(0, len(ids), IN_LIST):
            for row in self.session.scalars(select(SummaryMeasure).where(
                    SummaryMeasure.enrollment_id.in_(ids[chunk:chunk + IN_LIST]))):
                measures.setdefault(row.enrollment_id, []).append(row)
        return [(episode, stored, measures.get(episode.enrollment_id, [])) for episode, stored in rows]


class DeteriorationFlags(Repository):
    model = DeteriorationFlag

    def of_week(self, enrollment_id: str, program_week: int) -> DeteriorationFlag | None:
        return self.session.scalar(select(DeteriorationFlag).where(
            DeteriorationFlag.enrollment_id == enrollment_id,
            DeteriorationFlag.program_week == program_week))

    def latest_with(self, enrollment_id: str, instrument: str) -> DeteriorationFlag | None:
        """The latest flag of the episode that lists the instrument (its open flag)."""
        flags = self.session.scalars(select(DeteriorationFlag).where(
            DeteriorationFlag.enrollment_id == enrollment_id)
            .order_by(DeteriorationFlag.program_week.desc()))
        return next((flag for flag in flags if instrument in flag.instruments), None)

    def held_until(self, status: str, now: datetime, limit: int) -> list[DeteriorationFlag]:
        return list(self.session.scalars(
            select(DeteriorationFlag).where(DeteriorationFlag.status == status,
                                            DeteriorationFlag.hold_until <= now)
            .order_by(DeteriorationFlag.hold_until).limit(limit).with_for_update(skip_locked=True)))


REPOSITORIES = {"episodes": Episodes, "assessments": Assessments, "schedule": Schedule,
                "attendance": Attendance, "summaries": Summaries, "referrals": Referrals,
                "flags": Flags, "deterioration": DeteriorationFlags}
