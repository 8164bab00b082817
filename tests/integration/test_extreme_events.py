"""Whatever a producer's catalog schema allows, every consumer of the event handles.

Each event type is published at the edges the catalog admits (the first and last day and moment,
a year-long program of daily sessions) to every service consuming it; each delivery must be
processed, none retried into the dead letters.
"""
import pytest

from demo.launch import wait_until
from shared.config import load_config
from shared.events.catalog import EARLIEST_DAY, EARLIEST_INSTANT, LATEST_DAY, LATEST_INSTANT
from shared.registry import service_class
from shared.topology import subscriptions
from tests.support.events import publish_event
from tests.unit.event_examples import ENROLLMENT, PATIENT, example

CONSUMERS = ("scheduling", "notifications", "outcomes")
BUSIEST_PLAN = {"group_sessions_per_week": 7, "individual_sessions_per_week": 7,
                "family_sessions_per_month": 8, "education_sessions_per_week": 7}


def edge_events(day, instant):
    """One program's events at the given edge, in the order a producer would publish them."""
    ids = {"enrollment_id": ENROLLMENT, "patient_id": PATIENT}
    return [
        ("intake", "PatientReferred", example("PatientReferred", patient_id=PATIENT, referred_on=day,
                                              risk_level="high")),
        ("intake", "PatientEnrolled", example("PatientEnrolled", **ids, start_date=day, planned_weeks=52,
                                              plan=BUSIEST_PLAN, screening={
                                                  "phq9": 27, "gad7": 21, "pcl5": 80, "screened_on": day})),
        ("intake", "TreatmentPlanUpdated", example("TreatmentPlanUpdated", **ids, planned_weeks=1,
                                                   plan=BUSIEST_PLAN)),
        ("scheduling", "SessionScheduled", example("SessionScheduled", starts_at=instant, ends_at=instant)),
        ("scheduling", "SessionRescheduled", example("SessionRescheduled", starts_at=instant,
                                                     ends_at=instant, previous_starts_at=instant)),
        ("scheduling", "SessionMissed", example("SessionMissed", starts_at=instant, consecutive_missed=10**6)),
        ("scheduling", "SessionAttended", example("SessionAttended", starts_at=instant)),
        ("outcomes", "AssessmentDue", example("AssessmentDue", due_on=day)),
        ("outcomes", "RiskFlagRaised", example("RiskFlagRaised")),
        ("intake", "ProgramCompleted", example("ProgramCompleted", **ids, start_date=day, completed_on=day,
                                               weeks_in_program=52)),
        ("intake", "PatientDischarged", example("PatientDischarged", **ids, discharged_on=day)),
        ("intake", "EmergencyAccessGranted", example("EmergencyAccessGranted", patient_id=PATIENT,
                                                     accessor="s" * 255, granted_at=instant,
                                                     expires_at=instant)),
    ]


def consumed(service, event_type, outcome):
    metrics = service.get("/metrics", key=None).text
    line = f'iop_events_consumed_total{{outcome="{outcome}",type="{event_type}"}}'
    return sum(float(row.rsplit(" ", 1)[1]) for row in metrics.splitlines() if row.startswith(line))


@pytest.mark.parametrize("day, instant", [(LATEST_DAY, LATEST_INSTANT), (EARLIEST_DAY, EARLIEST_INSTANT)],
                         ids=["latest", "earliest"])
def test_every_consumer_takes_the_catalog_s_extreme_values(platform, day, instant):
    platform.declare_topology()
    running = {name: platform.start(name) for name in CONSUMERS}
    events = edge_events(day, instant)
    for _, event_type, data in events:
        publish_event(platform.amqp_uri, event_type, data, site_id="riverside")

    config = load_config()
    for name, service in running.items():
        handled = {event_type for _, event_type, _ in subscriptions(service_class(config, name))}
        for event_type in sorted(handled & {t for _, t, _ in events}):
            wait_until(lambda: consumed(service, event_type, "processed")
                       + consumed(service, event_type, "dead_lettered") >= 1, timeout=30,
                       message=f"{name} never settled {event_type}")
            assert consumed(service, event_type, "dead_lettered") == 0, (name, event_type)
