"""The use cases against a real SQLite file: answers checked by the rules, site isolation,
attendance in the platform's vocabulary, summaries at the episode's end."""
import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from services.outcomes import commands
from services.outcomes.errors import ERRORS
from services.outcomes.models import AttendanceRecord, Base
from services.outcomes.repositories import REPOSITORIES
from services.outcomes.usecases import assessments, attendance, episodes, summaries
from shared.auth import Caller
from shared.clinical import load_clinical_rules
from shared.db import UnitOfWork
from shared.errors import RecordNotFound
from shared.scoring import InvalidResponses
from shared.problems import KIT_ERRORS, problem_for
from tests.unit.event_examples import example

RULES = load_clinical_rules()
ZONES = {"riverside": ZoneInfo("America/New_York"), "lakeside": ZoneInfo("America/Los_Angeles")}
ADMIN = Caller("admin", frozenset({"admin"}), None)
LAKESIDE = Caller("lakeside", frozenset({"clinician"}), frozenset({"lakeside"}))
START = date(2026, 1, 5)


@pytest.fixture
def unit_of_work(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'outcomes.db'}")
    Base.metadata.create_all(engine)
    make_session = sessionmaker(engine, expire_on_commit=False, info={"metadata": Base.metadata})

    def run(use_case, command):
        with make_session() as session, session.begin():
            uow = UnitOfWork(session, "outcomes", None, REPOSITORIES)
            return use_case(command, uow), uow.events

    yield run
    engine.dispose()


@pytest.fixture
def enrollment(unit_of_work):
    data = example("PatientEnrolled", enrollment_id=str(uuid.uuid4()), patient_id=str(uuid.uuid4()),
                   start_date=START, planned_weeks=4,
                   screening={"phq9": 17, "gad7": 12, "pcl5": None, "screened_on": START})
    unit_of_work(episodes.plan_episode, commands.PlanEpisode(
        data, datetime(2026, 1, 5, tzinfo=timezone.utc), RULES["measurement"], ZONES,
        RULES.instruments))
    return data


def scoring(enrollment, responses, instrument="phq9", caller=ADMIN, patient_id=None):
    return commands.ScoreAssessment(
        caller, patient_id or enrollment["patient_id"], None, instrument, responses,
        datetime(2026, 1, 12, 15, tzinfo=timezone.utc), RULES.instruments, ZONES,
        RULES["measurement"], RULES["deterioration"], RULES["instruments"])


def test_an_item_out_of_range_is_named_by_field_and_item_and_answers_422(unit_of_work, enrollment):
    with pytest.raises(InvalidResponses) as caught:
        unit_of_work(assessments.score_assessment, scoring(enrollment, [0, 0, 0, 4, 0, 0, 0, 0, 0]))

    problem = problem_for(caught.value, ERRORS, KIT_ERRORS)
    assert (problem.status, problem.detail) == (422, "The request has invalid fields.")
    assert list(problem.errors) == ["responses.3"] and "item 4" in problem.errors["responses.3"][0]


def test_bad_answers_are_refused_before_the_patient_is_looked_up(unit_of_work, enrollment):
    with pytest.raises(InvalidResponses) as caught:
        unit_of_work(assessments.score_assessment,
                     scoring(enrollment, [1, 1, 1], "gad7", patient_id=str(uuid.uuid4())))

    assert "expected 7 items" in caught.value.errors["responses"][0]


def test_a_score_is_stored_against_the_screening_baseline_and_announced(unit_of_work, enrollment):
    (assessment, scored), events = unit_of_work(assessments.score_assessment,
                                                scoring(enrollment, [2] * 6 + [1, 1, 0]))

    assert (assessment.total_score, scored.baseline_score, scored.change_from_baseline) == (14, 17, -3)
    assert [e["type"] for e in events] == ["AssessmentScored"]


def test_another_sites_patient_and_enrollment_are_not_found(unit_of_work, enrollment):
    with pytest.raises(RecordNotFound, match="Patient not found."):
        unit_of_work(assessments.score_assessment, scoring(enrollment, [0] * 9, caller=LAKESIDE))
    with pytest.raises(RecordNotFound, match="Enrollment not found."):
        unit_of_work(summaries.episode_summary, commands.ReadEpisode(
            LAKESIDE, enrollment["enrollment_id"], RULES.instruments, ZONES))


def session_record(enrollment, status):
    return commands.RecordAttendance(
        str(uuid.uuid4()), enrollment["enrollment_id"], enrollment["patient_id"], "riverside",
        datetime(2026, 1, 6, 14, tzinfo=timezone.utc), status, RULES.instruments, ZONES)


def test_an_unexcused_absence_is_stored_as_absent_and_counts_against_the_rate(unit_of_work, enrollment):
    for status in ("attended", "attended", "attended", "absent", "excused"):
        unit_of_work(attendance.record_attendance, session_record(enrollment, status))

    _, events = unit_of_work(episodes.end_episode, commands.EndEpisode(
        enrollment["enrollment_id"], "completed", START + timedelta(weeks=4), None, 0.9,
        RULES["measurement"], RULES.instruments, ZONES))

    [summary] = [e for e in events if e["type"] == "OutcomeSummaryComputed"]
    assert summary["data"]["attendance_rate"] == 0.75

    def stored_statuses(command, uow):
        return sorted(uow.session.scalars(select(AttendanceRecord.status)))
    statuses, _ = unit_of_work(stored_statuses, None)
    assert statuses == ["absent", "attended", "attended", "attended", "excused"]
