"""``python -m tests.bench_http [--n N]`` (make bench-http): requests/s and latency of two busy scheduling routes.

- ``POST /sessions/{id}/attendance`` for a 12-patient roster (each request flips every patient
  between attended and absent, so each one records 12 changes and raises 12 events);
- ``GET /patients/{id}/schedule``;
- ``GET /health`` of the same service: the floor (routing, auth-free, no database);
- an item-9 answer to its alert: from ``POST /assessments`` (a PHQ-9 with item 9 above 0) to
  ``CareTeamAlerted`` on a subscriber's own queue (outcomes records the flag and publishes
  RiskFlagRaised in one commit; notifications stores the alert and publishes CareTeamAlerted in
  one), one answer at a time, spread over several enrollments. Every answer raises its own flag
  and every flag its own alert; the subscriber also hears RiskFlagRaised, so each alert is matched
  to its answer by the flag's event id (not confused with the C-SSRS-due alert the same answer
  raises a moment later).

It lives in tests/ because it drives the service through the test support (clinic, harness).
The services run in this process on a fresh vhost and a fresh migrated database
(SQLite; PostgreSQL with IOP_TEST_POSTGRES_URL) through the test support's harness; the client
shares the process, so each figure includes the client's own share of the hub. A benchmark, not a
test: it measures and asserts nothing.
"""
import eventlet

eventlet.monkey_patch()  # first, before anything imports socket or threading

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402

from demo.launch import Broker  # noqa: E402
from tests.integration.outcomes.scenario import assess, phq9  # noqa: E402
from tests.integration.outcomes.scenario import enroll as enroll_at_outcomes  # noqa: E402
from tests.integration.scheduling.clinic import (enroll, open_clinic, set_clock,  # noqa: E402
                                                 start_scheduling)
from tests.support.databases import DatabaseFactory  # noqa: E402
from tests.support.events import EventSubscriber  # noqa: E402
from tests.support.platform import PlatformHarness  # noqa: E402

ROSTER = 12
GROUP_BOOKINGS = 6
AFTER_FIRST_WEEK = "2026-03-09T18:00:00+00:00"
ALERT_ENROLLMENTS = 20  # the item-9 answers go round these


def percentiles(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50": 1000 * statistics.median(times), "p99": 1000 * times[int(0.99 * (len(times) - 1))]}


def measure(call, n: int, concurrency: int) -> dict:
    """Latency of n sequential calls, then the rate of n calls from `concurrency` clients."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    pool = eventlet.GreenPool(concurrency)
    t0 = time.perf_counter()
    for _ in pool.imap(lambda _: call(), range(n)):
        pass
    rate = n / (time.perf_counter() - t0)
    return {**percentiles(times), "rate": rate}


def answer_to_alert(platform, outcomes, n: int) -> dict:
    """Seconds from each item-9 answer's POST to its CareTeamAlerted, one answer at a time."""
    enrollments = [enroll_at_outcomes(platform, outcomes) for _ in range(ALERT_ENROLLMENTS)]
    subscriber = EventSubscriber(platform.amqp_uri, [("outcomes", "RiskFlagRaised"),
                                                     ("notifications", "CareTeamAlerted")])
    times = []
    try:
        for i in range(n):
            enrollment = enrollments[i % len(enrollments)]
            t0 = time.perf_counter()
            response = assess(outcomes, enrollment, "phq9", phq9(4, item9=1), on_day=1 + i // len(enrollments))
            assert response.status_code == 201, response.text
            assessment_id = response.json()["assessment_id"]
            [flag] = subscriber.wait_for("RiskFlagRaised", timeout=30,
                                         where=lambda e: e["data"]["assessment_id"] == assessment_id)
            subscriber.wait_for("CareTeamAlerted", timeout=30,
                                where=lambda e: e["data"]["cause_event_id"] == flag["id"])
            times.append(time.perf_counter() - t0)
    finally:
        subscriber.close()
    return {**percentiles(times), "rate": n / sum(times)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="requests per route (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients for the rate (default 8)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    broker = Broker.from_environment()
    vhost = broker.create_vhost()
    databases = DatabaseFactory(Path(tempfile.mkdtemp(prefix="iop-bench-http-")))
    platform = PlatformHarness(broker.uri(vhost), broker, databases, ServiceContainer)
    try:
        watcher = EventSubscriber(platform.amqp_uri, [("scheduling", "SessionScheduled")])
        service = start_scheduling(platform)
        open_clinic(service)
        patients = [enroll(platform)["patient_id"] for _ in range(ROSTER)]
        # Three group sessions a week for two weeks each (one therapist cannot take every
        # individual session: those are not waited for).
        booked = watcher.wait_for("SessionScheduled", where=lambda e: e["data"]["kind"] == "group",
                                  count=ROSTER * GROUP_BOOKINGS, timeout=120)
        group = sorted({(e["data"]["starts_at"], e["data"]["session_id"]) for e in booked})
        session_id = group[0][1]  # the first Monday's group: all twelve are on its roster
        set_clock(service, __import__("datetime").datetime.fromisoformat(AFTER_FIRST_WEEK))
        flip = {"attended": True}

        def attendance():
            flip["attended"] = not flip["attended"]
            body = [{"patient_id": p, "status": "attended", "attended_minutes": 180} if flip["attended"]
                    else {"patient_id": p, "status": "absent"} for p in patients]
            response = service.post(f"/sessions/{session_id}/attendance", body)
            assert response.status_code == 200, response.text

        def schedule():
            response = service.get(f"/patients/{patients[0]}/schedule")
            assert response.status_code == 200, response.text

        def health():
            assert service.get("/health", key=None).status_code == 200

        rows = [("GET /health (floor)", measure(health, args.n, args.concurrency)),
                ("GET /patients/{id}/schedule", measure(schedule, args.n, args.concurrency)),
                (f"POST /sessions/{{id}}/attendance, {ROSTER} patients",
                 measure(attendance, args.n, args.concurrency))]
        watcher.close()
        # Started after the scheduling figures, so the attendance events are not theirs to handle.
        outcomes = platform.start("outcomes")
        platform.start("notifications")
        rows.append(("POST /assessments item 9 → CareTeamAlerted", answer_to_alert(platform, outcomes, args.n)))
    finally:
        platform.stop()
        databases.drop_all()
        broker.delete_vhost(vhost)
    print(f"IOP bench-http: {args.n} requests per route, sequential for latency, "
          f"{args.concurrency} clients for the rate (the alert row: one answer at a time); "
          f"database {databases.dialect}")
    print(f"{'route':<46} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
    for label, figures in rows:
        print(f"{label:<46} {figures['rate']:>7,.0f} {figures['p50']:>7.1f} {figures['p99']:>7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
